"""`python -m mizan_fastapi.manifest <module> [--base-url URL] [--view-urls FILE]`: import
the module, validate the registry and write the edge manifest (JSON) to stdout (PROTOCOL
MAN-10, FA-6, GAP-36).

Exit status: 0 on success, 1 when the import, the view URLs file or the registry fails
(with the reason on stderr), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from mizan.core.errors import ConfigError, MizanRegistryError
from mizan.core.manifest import DEFAULT_BASE_URL, generate_edge_manifest_json, load_view_urls
from mizan_fastapi.cli import EXIT_OK, fail, import_registrations, write

PROG = "python -m mizan_fastapi.manifest"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (argparse exits 2 on a usage error)."""
    parser = argparse.ArgumentParser(prog=PROG, description="Write the Mizan edge manifest (JSON) to stdout.")
    parser.add_argument("module", help="module whose import registers the server functions, e.g. myapp.main")
    parser.add_argument(
        "--base-url", default=DEFAULT_BASE_URL, help=f"where the Mizan router is mounted (default: {DEFAULT_BASE_URL})"
    )
    parser.add_argument(
        "--view-urls", metavar="FILE", default=None, help="JSON file {context: [url pattern, ...]} of pages to purge"
    )
    args = parser.parse_args(argv)
    failed = import_registrations(PROG, args.module)
    if failed is not None:
        return failed
    try:
        view_urls = load_view_urls(args.view_urls) if args.view_urls is not None else None
        document = generate_edge_manifest_json(args.base_url, view_urls)
    except (ConfigError, MizanRegistryError) as error:
        return fail(PROG, str(error))
    write(document)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
