"""The edge manifest: contexts, endpoints, params and page routes for CDN purging (PROTOCOL §7)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any, Final

from mizan.core import registry, rules
from mizan.core.client import ServerFunction
from mizan.core.errors import ConfigError
from mizan.core.executor import route_methods

MANIFEST_VERSION: Final = 1
DEFAULT_BASE_URL: Final = "/api/mizan"
# MAN-9's layout; `--indent` of the export commands may ask for another (0: one line).
DEFAULT_INDENT: Final = 2
MAX_INDENT: Final = 16
# MAN-6: parameter names that identify the user (snake_case only, GEN-2).
IDENTITY_PARAMS: Final = frozenset({"user_id", "user", "owner_id", "account_id"})

ViewUrls = Mapping[str, Sequence[str]]


def generate_edge_manifest(base_url: str = DEFAULT_BASE_URL, view_urls: ViewUrls | None = None) -> dict[str, Any]:
    """Build the edge manifest of the current registry (MAN-1..MAN-9).

    Every list in the result is sorted and de-duplicated, so the document does not depend
    on registration order. `view_urls` entries for contexts no function declares are
    ignored, as the original implementation does.

    Args:
        base_url: where the Mizan endpoints are mounted; endpoints are
            `base_url + "/ctx/<context>/"` (MAN-4).
        view_urls: extra page URL patterns per context, merged into `page_routes` (MAN-7).

    Returns:
        The manifest as a dict of JSON values.

    Raises:
        MizanRegistryError: `validate_registry()` found problems (REG-9).
        TypeError: `view_urls` is not a mapping of context names to lists of strings.
    """
    registry.validate_registry()
    problem = view_urls_problem(view_urls)
    if problem is not None:
        raise TypeError(f"view_urls: {problem}")
    extra = view_urls or {}
    contexts = {name: _context_entry(name, base_url, extra.get(name, ())) for name in registry.get_contexts()}
    mutations: dict[str, Any] = {}
    for name, fn_class in sorted(registry.get_all_functions().items()):
        entry = _mutation_entry(fn_class)
        if entry is not None:
            mutations[name] = entry
    return {"version": MANIFEST_VERSION, "contexts": contexts, "mutations": mutations}


def generate_edge_manifest_json(
    base_url: str = DEFAULT_BASE_URL, view_urls: ViewUrls | None = None, indent: int = DEFAULT_INDENT
) -> str:
    """The manifest as text: sorted keys, 2-space indent, non-ASCII literal, trailing newline (MAN-9).

    Args:
        base_url: as for `generate_edge_manifest`.
        view_urls: as for `generate_edge_manifest`.
        indent: spaces per level; the default 2 is MAN-9's form, 0 writes the document on
            one line in canonical JSON (JSON-1), as a response body would be.

    Returns:
        The JSON document, ending with a newline.

    Raises:
        MizanRegistryError: `validate_registry()` found problems (REG-9).
        TypeError: `view_urls` has the wrong shape.
        ValueError: `indent` is outside 0..MAX_INDENT.
    """
    if isinstance(indent, bool) or not isinstance(indent, int) or not 0 <= indent <= MAX_INDENT:
        raise ValueError(f"indent must be an integer from 0 to {MAX_INDENT}, got {indent!r}")
    manifest = generate_edge_manifest(base_url, view_urls)
    layout: dict[str, Any] = {"indent": indent} if indent else {"separators": (",", ":")}
    return json.dumps(manifest, sort_keys=True, ensure_ascii=False, allow_nan=False, **layout) + "\n"


def parse_indent(text: str) -> int:
    """The `--indent N` option of both adapters' manifest commands (an argparse `type=`).

    Raises:
        argparse.ArgumentTypeError: not an integer from 0 to MAX_INDENT (a usage error).
    """
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_INDENT:
        raise argparse.ArgumentTypeError(f"expected an integer from 0 to {MAX_INDENT}, got {text!r}")
    return value


def add_indent_option(parser: argparse.ArgumentParser) -> None:
    """`--indent N` of both adapters' manifest commands."""
    parser.add_argument(
        "--indent",
        metavar="N",
        type=parse_indent,
        default=DEFAULT_INDENT,
        help=f"spaces per level (default: {DEFAULT_INDENT}; 0 writes one line)",
    )


def add_output_option(parser: argparse.ArgumentParser, what: str = "the document") -> None:
    """`-o/--output FILE` of every export command (IR and manifest, both adapters)."""
    parser.add_argument(
        "-o", "--output", metavar="FILE", default=None, help=f"write {what} to FILE (UTF-8) instead of stdout"
    )


def write_document(path: str | os.PathLike[str], document: str) -> None:
    """Write an exported document (manifest or IR) to `path` as UTF-8, all or nothing.

    The text goes to a temporary file in the same directory, which then replaces `path`
    in one rename: a reader (an Edge deploy step, a code generator) never sees half a
    document, and a failed export leaves an existing file as it was.

    Raises:
        ConfigError: the file cannot be written (the message names it).
    """
    target = os.path.abspath(os.fspath(path))
    directory = os.path.dirname(target)
    temporary: str | None = None
    try:
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".mizan-", suffix=".tmp")
        with os.fdopen(descriptor, "wb") as file:
            file.write(document.encode("utf-8"))
        if os.path.exists(target):
            shutil.copymode(target, temporary)  # keep the permissions of the file it replaces
        else:
            os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
        temporary = None
    except OSError as exc:
        raise ConfigError(f"cannot write {os.fspath(path)!r}: {exc.strerror or exc}") from None
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _umask() -> int:
    """The process umask (only readable by setting it; put back at once)."""
    current = os.umask(0)
    os.umask(current)
    return current


def view_urls_problem(view_urls: object) -> str | None:
    """Why `view_urls` is not `{context: [pattern, ...]}` (None when it is, or is None)."""
    if view_urls is None:
        return None
    if not isinstance(view_urls, Mapping):
        return f"expected an object mapping context names to lists of URL patterns, got {type(view_urls).__name__}"
    for context, patterns in view_urls.items():
        if not isinstance(context, str):
            return f"context names must be strings, got {context!r}"
        if isinstance(patterns, str | bytes) or not isinstance(patterns, Sequence):
            return f"{context!r} must map to a list of URL patterns, got {type(patterns).__name__}"
        for pattern in patterns:
            if not isinstance(pattern, str):
                return f"{context!r} lists {pattern!r}, which is not a string"
    return None


def load_view_urls(path: str | os.PathLike[str]) -> dict[str, list[str]]:
    """Read a `--view-urls` file: a JSON object `{context: [pattern, ...]}` (MAN-10, GAP-60).

    Args:
        path: the file to read (UTF-8).

    Returns:
        The mapping as read.

    Raises:
        ConfigError: the file cannot be read, is not JSON, or has another shape.
    """
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read view URLs file {os.fspath(path)!r}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"view URLs file {os.fspath(path)!r} is not valid JSON: {exc}") from None
    problem = view_urls_problem(data)
    if problem is not None:
        raise ConfigError(f"view URLs file {os.fspath(path)!r}: {problem}")
    return {context: list(patterns) for context, patterns in data.items()}


def _methods(fn_class: type[ServerFunction]) -> list[str]:
    """Declared methods (uppercased, de-duplicated by the options), else the default: GET
    for context members, POST for the rest (MAN-3, MAN-8)."""
    return sorted(set(route_methods(fn_class)))


def _member_entry(name: str, fn_class: type[ServerFunction]) -> dict[str, Any]:
    """One element of a context's `functions` (MAN-3)."""
    options = fn_class._options
    entry: dict[str, Any] = {"name": name, "path": "view" if fn_class._meta.get("view_path") else "rpc"}
    if options.route is not None:
        entry["route"] = options.route
        entry["methods"] = _methods(fn_class)
    if options.rev:
        entry["rev"] = options.rev
    if options.cache is not True:
        entry["cache"] = options.cache
    return entry


def _context_entry(name: str, base_url: str, extra_routes: Sequence[str]) -> dict[str, Any]:
    """One entry of `contexts` (MAN-3..MAN-7)."""
    view = registry.context_view(name)
    members = view.members if view is not None else ()  # never None: `name` comes from the registry
    params = sorted(view.params) if view is not None else []
    user_scoped = not IDENTITY_PARAMS.isdisjoint(params)
    routes = {fn_class._options.route for _, fn_class in members if fn_class._options.route is not None}
    routes.update(extra_routes)
    entry: dict[str, Any] = {
        "functions": [_member_entry(member, fn_class) for member, fn_class in members],  # sorted by name
        "endpoints": [f"{base_url}/ctx/{name}/"],
        "params": params,
        "user_scoped": user_scoped,
        "render_strategy": "dynamic_cached" if user_scoped else "psr",
    }
    if routes:
        entry["page_routes"] = sorted(routes)
    return entry


def _mutation_entry(fn_class: type[ServerFunction]) -> dict[str, Any] | None:
    """One entry of `mutations`, or None for a function without `affects=` (MAN-8)."""
    options = fn_class._options
    if not options.affects:
        return None
    # INV-2 resolution, shared with the executor: (context, function or None, its params);
    # a function target contributes its parent context.
    targets = rules.affects_targets(fn_class)
    affected = sorted({context for context, _, _ in targets})
    context_params = {param for _, _, params in targets for param in params}
    entry: dict[str, Any] = {"affects": affected}
    scoped = sorted(set(registry.field_names(fn_class)) & context_params)
    if scoped:
        entry["auto_scoped_params"] = scoped
    if options.private:
        entry["private"] = True
    if options.route is not None:
        entry["route"] = options.route
        entry["methods"] = _methods(fn_class)
    return entry


__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_INDENT",
    "IDENTITY_PARAMS",
    "MANIFEST_VERSION",
    "MAX_INDENT",
    "generate_edge_manifest",
    "generate_edge_manifest_json",
    "load_view_urls",
    "parse_indent",
    "view_urls_problem",
    "write_document",
]
