"""What the two export commands share: importing the application module for its
registrations, and writing a document to stdout and nothing else (PROTOCOL IR-1, MAN-10)."""

from __future__ import annotations

import contextlib
import importlib
import sys
from typing import Final

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1


def fail(prog: str, message: str) -> int:
    """Report a failure on stderr; the exit status of an import or validation failure."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    return EXIT_FAILED


def import_registrations(prog: str, module: str) -> int | None:
    """Import `module`, whose import registers the application's functions (FA-5).

    Anything the module prints goes to stderr, so stdout carries only the document.

    Returns:
        None on success, else the exit status after reporting why on stderr.
    """
    try:
        with contextlib.redirect_stdout(sys.stderr):
            importlib.import_module(module)
    except (Exception, SystemExit) as exc:
        return fail(prog, f"cannot import {module!r}: {type(exc).__name__}: {exc}")
    return None


def write(document: str) -> None:
    """The document as UTF-8 bytes, whatever the locale, with nothing appended."""
    sys.stdout.buffer.write(document.encode("utf-8"))
    sys.stdout.buffer.flush()
