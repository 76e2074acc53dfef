"""The edge manifest: contexts, endpoints, params and page routes for CDN purging (PROTOCOL §7)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any, Final

from mizan.core import registry, rules
from mizan.core.client import ServerFunction
from mizan.core.errors import ConfigError
from mizan.core.executor import route_methods

MANIFEST_VERSION: Final = 1
DEFAULT_BASE_URL: Final = "/api/mizan"
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


def generate_edge_manifest_json(base_url: str = DEFAULT_BASE_URL, view_urls: ViewUrls | None = None) -> str:
    """The manifest as text: sorted keys, 2-space indent, non-ASCII literal, trailing newline (MAN-9).

    Args:
        base_url: as for `generate_edge_manifest`.
        view_urls: as for `generate_edge_manifest`.

    Returns:
        The JSON document, ending with a newline.

    Raises:
        MizanRegistryError: `validate_registry()` found problems (REG-9).
        TypeError: `view_urls` has the wrong shape.
    """
    manifest = generate_edge_manifest(base_url, view_urls)
    return json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


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
    "IDENTITY_PARAMS",
    "MANIFEST_VERSION",
    "generate_edge_manifest",
    "generate_edge_manifest_json",
    "load_view_urls",
    "view_urls_problem",
]
