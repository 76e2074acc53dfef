"""`python -m mizan_fastapi.ir <module>[:<attribute>] [-o FILE]`: import the module,
validate the registry and write the canonical IR (KDL) to stdout or FILE (PROTOCOL IR-1,
FA-6).

Exit status: 0 on success, 1 when the import fails, the attribute is missing, the registry
is invalid or cannot be expressed, or FILE cannot be written (with the reason on stderr),
2 on a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from mizan.core.errors import ConfigError, IRBuildError, MizanRegistryError
from mizan.core.ir import build_ir
from mizan.core.manifest import add_output_option
from mizan_fastapi.cli import EXIT_OK, TARGET_HELP, fail, import_registrations, parse_target, write

PROG = "python -m mizan_fastapi.ir"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (argparse exits 2 on a usage error)."""
    parser = argparse.ArgumentParser(prog=PROG, description="Write the canonical Mizan IR (KDL) to stdout.")
    parser.add_argument("target", metavar="module[:attribute]", type=parse_target, help=TARGET_HELP)
    add_output_option(parser, "the IR")
    args = parser.parse_args(argv)
    failed, _ = import_registrations(PROG, args.target)
    if failed is not None:
        return failed
    try:
        write(build_ir(), args.output)  # build_ir validates the registry first (REG-9)
    except (MizanRegistryError, IRBuildError, ConfigError) as error:
        return fail(PROG, str(error))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
