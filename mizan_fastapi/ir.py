"""`python -m mizan_fastapi.ir <module>`: import the module, validate the registry and
write the canonical IR (KDL) to stdout (PROTOCOL IR-1, FA-6).

Exit status: 0 on success, 1 when the import fails or the registry is invalid or cannot
be expressed (with the reason on stderr), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from mizan.core.errors import IRBuildError, MizanRegistryError
from mizan.core.ir import build_ir
from mizan_fastapi.cli import EXIT_OK, fail, import_registrations, write

PROG = "python -m mizan_fastapi.ir"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (argparse exits 2 on a usage error)."""
    parser = argparse.ArgumentParser(prog=PROG, description="Write the canonical Mizan IR (KDL) to stdout.")
    parser.add_argument("module", help="module whose import registers the server functions, e.g. myapp.main")
    args = parser.parse_args(argv)
    failed = import_registrations(PROG, args.module)
    if failed is not None:
        return failed
    try:
        document = build_ir()  # validates the registry first (REG-9)
    except (MizanRegistryError, IRBuildError) as error:
        return fail(PROG, str(error))
    write(document)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
