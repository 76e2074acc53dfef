"""What the two export commands share: importing the application for its registrations,
given as a module or in uvicorn's `module:attribute` spelling, and writing a document to
stdout (and nothing else) or to a file (PROTOCOL IR-1, MAN-10)."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
from dataclasses import dataclass
from typing import Final

from mizan.core.manifest import write_document

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
TARGET_HELP: Final = (
    "the module whose import registers the server functions, e.g. myapp.main, or uvicorn's "
    "spelling module:attribute, e.g. myapp.main:app (the attribute must exist)"
)


@dataclass(frozen=True)
class Target:
    """The command's positional argument, split: `module` and, when given, `attribute`
    (a dotted path inside it, as uvicorn reads `module:attribute`)."""

    spelling: str
    module: str
    attribute: str | None


def parse_target(spelling: str) -> Target:
    """Split `myapp.main` or `myapp.main:app` (argparse `type=`: a malformed one is a
    usage error, exit 2).

    Raises:
        argparse.ArgumentTypeError: an empty module or attribute part, or a second `:`.
    """
    module, colon, attribute = spelling.partition(":")
    if not module or (colon and (not attribute or ":" in attribute or "" in attribute.split("."))):
        raise argparse.ArgumentTypeError(f"{spelling!r} is not a module or module:attribute")
    return Target(spelling, module, attribute if colon else None)


def fail(prog: str, message: str) -> int:
    """Report a failure on stderr; the exit status of an import or validation failure."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    return EXIT_FAILED


def import_registrations(prog: str, target: Target) -> tuple[int | None, object]:
    """Import the target's module, whose import registers the application's functions
    (FA-5), and look up its attribute when one is named.

    Anything the module prints goes to stderr, so stdout carries only the document.

    Returns:
        (None, the attribute's object, or None without an attribute) on success, else
        (the exit status after reporting why on stderr, None).
    """
    try:
        with contextlib.redirect_stdout(sys.stderr):
            module = importlib.import_module(target.module)
    except (Exception, SystemExit) as exc:
        return fail(prog, f"cannot import {target.module!r}: {type(exc).__name__}: {exc}"), None
    if target.attribute is None:
        return None, None
    found: object = module
    for part in target.attribute.split("."):
        if not hasattr(found, part):
            message = f"{target.spelling!r}: module {target.module!r} has no attribute {target.attribute!r}"
            return fail(prog, message), None
        found = getattr(found, part)
    return None, found


def write(document: str, output: str | None = None) -> None:
    """The document as UTF-8 bytes, whatever the locale, with nothing appended: to stdout,
    or to the file `output` (replaced in one rename).

    Raises:
        ConfigError: `output` cannot be written.
    """
    if output is not None:
        write_document(output, document)
        return
    sys.stdout.buffer.write(document.encode("utf-8"))
    sys.stdout.buffer.flush()


__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "TARGET_HELP",
    "Target",
    "fail",
    "import_registrations",
    "parse_target",
    "write",
]
