"""`manage.py export_edge_manifest`: validate the registry and print the edge manifest (MAN-10)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from mizan.core.errors import ConfigError, MizanRegistryError
from mizan.core.manifest import DEFAULT_BASE_URL, generate_edge_manifest_json, load_view_urls


def export_edge_manifest(base_url: str = DEFAULT_BASE_URL, view_urls_file: str | None = None) -> str:
    """The manifest text of this project, with the view URLs read from `view_urls_file`.

    Args:
        base_url: where the Mizan endpoints are mounted (MAN-4).
        view_urls_file: a JSON file `{context: [pattern, ...]}` (MAN-7, GAP-60), or None.

    Returns:
        The JSON document, ending with a newline (MAN-9).

    Raises:
        ConfigError: the view URLs file is missing, not JSON, or of another shape.
        MizanRegistryError: the registry is invalid (REG-9).
    """
    view_urls = load_view_urls(view_urls_file) if view_urls_file is not None else None
    return generate_edge_manifest_json(base_url, view_urls)


class Command(BaseCommand):
    help = "Write the Mizan edge manifest (JSON) of every registered function to stdout."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--base-url",
            default=DEFAULT_BASE_URL,
            help=f"where the Mizan endpoints are mounted (default: {DEFAULT_BASE_URL})",
        )
        parser.add_argument(
            "--view-urls",
            metavar="FILE",
            default=None,
            help="JSON file {context: [url pattern, ...]} of extra pages to purge per context",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            document = export_edge_manifest(options["base_url"], options["view_urls"])
        except (ConfigError, MizanRegistryError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(document, ending="")
