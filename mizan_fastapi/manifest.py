"""`python -m mizan_fastapi.manifest <module>[:<attribute>] [--base-url URL] [--view-urls FILE]
[--indent N] [-o FILE]`: import the module, validate the registry and write the edge
manifest (JSON) to stdout or FILE (PROTOCOL MAN-10, FA-6, GAP-36).

Without `--base-url`, an `attribute` naming the application gives the base URL: the prefix
`mizan_fastapi.router` is mounted at in it, the way `manage.py export_edge_manifest` reads
Django's URLconf. A plain module (or an attribute that is not a Starlette/FastAPI
application) gives the protocol's default, `/api/mizan`.

Exit status: 0 on success, 1 when the import, the attribute, the router's mount, the view
URLs file, the registry or the output file fails (with the reason on stderr), 2 on a usage
error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from mizan.core.errors import ConfigError, MizanRegistryError
from mizan.core.manifest import (
    DEFAULT_BASE_URL,
    add_indent_option,
    add_output_option,
    generate_edge_manifest_json,
    load_view_urls,
)
from mizan_fastapi.cli import EXIT_OK, TARGET_HELP, fail, import_registrations, parse_target, write

PROG = "python -m mizan_fastapi.manifest"
# The name `mizan_fastapi.router` gives its `/call/` route (router.build_router); it survives
# `include_router`, so the application can say where the route went.
CALL_ROUTE_NAME = "mizan-call"
CALL_SUFFIX = "/call/"


def mounted_base_url(app: object) -> str | None:
    """Where `mizan_fastapi.router` is mounted in `app`, e.g. `/api/mizan` (MAN-4).

    Returns:
        The prefix, `""` for a router mounted at the root, or None when `app` is not a
        Starlette/FastAPI application (it cannot be asked).

    Raises:
        ConfigError: `app` is an application without Mizan's router.
    """
    url_path_for = getattr(app, "url_path_for", None)
    if not callable(url_path_for) or not hasattr(app, "routes"):
        return None
    from starlette.routing import NoMatchFound  # a dependency of FastAPI, imported only when needed

    try:
        path = str(url_path_for(CALL_ROUTE_NAME))
    except NoMatchFound:
        raise ConfigError(
            "mizan_fastapi.router is not mounted on this application; mount it with "
            'app.include_router(mizan_fastapi.router, prefix="/api/mizan"), or pass --base-url'
        ) from None
    return path.removesuffix(CALL_SUFFIX) if path.endswith(CALL_SUFFIX) else path.rstrip("/")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (argparse exits 2 on a usage error)."""
    parser = argparse.ArgumentParser(prog=PROG, description="Write the Mizan edge manifest (JSON) to stdout.")
    parser.add_argument("target", metavar="module[:attribute]", type=parse_target, help=TARGET_HELP)
    parser.add_argument(
        "--base-url",
        default=None,
        help=f"where the Mizan router is mounted (default: read from module:app, else {DEFAULT_BASE_URL})",
    )
    parser.add_argument(
        "--view-urls", metavar="FILE", default=None, help="JSON file {context: [url pattern, ...]} of pages to purge"
    )
    add_indent_option(parser)
    add_output_option(parser, "the manifest")
    args = parser.parse_args(argv)
    failed, app = import_registrations(PROG, args.target)
    if failed is not None:
        return failed
    try:
        base_url = args.base_url
        if base_url is None:
            mounted = mounted_base_url(app) if args.target.attribute is not None else None
            base_url = DEFAULT_BASE_URL if mounted is None else mounted
        view_urls = load_view_urls(args.view_urls) if args.view_urls is not None else None
        write(generate_edge_manifest_json(base_url, view_urls, args.indent), args.output)
    except (ConfigError, MizanRegistryError) as error:
        return fail(PROG, str(error))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
