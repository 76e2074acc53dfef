"""`python -m mizan.codegen IR_FILE [-o api.ts] [--runtime ./client.js]`: read an IR file
(KDL, as `manage.py export_mizan_ir` or `python -m mizan_fastapi.ir` write it) and write
one TypeScript module of typed functions, types, context handles and channels.

Exit status: 0 on success; 1 when the IR file cannot be read, is not an IR, cannot be
typed, the output cannot be written or the `codegen` extra is missing (the reason on
stderr, never a traceback); 2 on a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from mizan.codegen.ir_reader import IRReadError, parse_ir
from mizan.codegen.typescript import DEFAULT_RUNTIME, GenerationError, generate

PROG = "python -m mizan.codegen"
MISSING_EXTRA = "the code generator needs the `codegen` extra (the ckdl KDL parser): pip install 'mizan[codegen]'"


def _fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (argparse exits 2 on a usage error)."""
    parser = argparse.ArgumentParser(prog=PROG, description="Generate a typed TypeScript client from a Mizan IR file.")
    parser.add_argument("ir_file", metavar="IR_FILE", help="the IR (KDL) file to read")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the module to FILE (default: stdout)")
    parser.add_argument(
        "--runtime",
        default=DEFAULT_RUNTIME,
        metavar="SPECIFIER",
        help=f"where the module imports the Mizan runtime from (default: {DEFAULT_RUNTIME})",
    )
    args = parser.parse_args(argv)
    try:
        import ckdl  # noqa: F401  (only to say which extra is missing, before reading anything)
    except ModuleNotFoundError:
        return _fail(MISSING_EXTRA)
    try:
        text = Path(args.ir_file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return _fail(f"cannot read the IR file {args.ir_file!r}: {getattr(error, 'strerror', None) or error}")
    try:
        module = generate(parse_ir(text), Path(args.ir_file).name, args.runtime)
    except (IRReadError, GenerationError) as error:
        return _fail(f"{args.ir_file}: {error}")
    if args.output is None:
        sys.stdout.write(module)
        return 0
    try:
        Path(args.output).write_text(module, encoding="utf-8")
    except OSError as error:
        return _fail(f"cannot write {args.output!r}: {error.strerror or error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
