"""`manage.py export_edge_manifest`: validate the registry and write the edge manifest (MAN-10)
to stdout or a file, with the base URL read from where `mizan.urls` is mounted."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any, Final

from django.core.management.base import BaseCommand, CommandError
from django.urls import NoReverseMatch, reverse

from mizan.core.errors import ConfigError, MizanRegistryError
from mizan.core.manifest import (
    DEFAULT_INDENT,
    add_indent_option,
    add_output_option,
    generate_edge_manifest_json,
    load_view_urls,
    write_document,
)

# `mizan.urls` declares `app_name = "mizan"` and names its `call/` pattern "call".
CALL_URL_NAME: Final = "mizan:call"
CALL_SUFFIX: Final = "/call/"


def mounted_base_url() -> str:
    """Where the project's URLconf mounts `mizan.urls`: `/api/mizan` for
    `path("api/mizan/", include("mizan.urls"))` (MAN-4), with `FORCE_SCRIPT_NAME` in front
    when it is set, and `""` for a mount at the root.

    Raises:
        ConfigError: `mizan.urls` is not mounted, or only under a prefix that takes arguments.
    """
    try:
        path = str(reverse(CALL_URL_NAME))
    except NoReverseMatch:
        raise ConfigError(
            "mizan.urls is not mounted in the URLconf (no URL reverses as 'mizan:call'); add "
            'path("api/mizan/", include("mizan.urls")) to it, or pass --base-url'
        ) from None
    return path.removesuffix(CALL_SUFFIX)


def export_edge_manifest(
    base_url: str | None = None, view_urls_file: str | None = None, indent: int = DEFAULT_INDENT
) -> str:
    """The manifest text of this project, with the view URLs read from `view_urls_file`.

    Args:
        base_url: where the Mizan endpoints are mounted (MAN-4); None reads it from the
            URLconf (`mounted_base_url`).
        view_urls_file: a JSON file `{context: [pattern, ...]}` (MAN-7, GAP-60), or None.
        indent: spaces per level; the default is MAN-9's layout, 0 writes one line.

    Returns:
        The JSON document, ending with a newline (MAN-9).

    Raises:
        ConfigError: `mizan.urls` is not mounted (without `base_url`), or the view URLs
            file is missing, not JSON, or of another shape.
        MizanRegistryError: the registry is invalid (REG-9).
    """
    if base_url is None:
        base_url = mounted_base_url()
    view_urls = load_view_urls(view_urls_file) if view_urls_file is not None else None
    return generate_edge_manifest_json(base_url, view_urls, indent)


class Command(BaseCommand):
    help = "Write the Mizan edge manifest (JSON) of every registered function to stdout or a file."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--base-url",
            default=None,
            help="where the Mizan endpoints are served (default: where the URLconf mounts mizan.urls)",
        )
        parser.add_argument(
            "--view-urls",
            metavar="FILE",
            default=None,
            help="JSON file {context: [url pattern, ...]} of extra pages to purge per context",
        )
        add_indent_option(parser)
        add_output_option(parser, "the manifest")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            document = export_edge_manifest(options["base_url"], options["view_urls"], options["indent"])
            if options["output"] is not None:
                write_document(options["output"], document)
                return
        except (ConfigError, MizanRegistryError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(document, ending="")
