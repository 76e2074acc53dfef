"""`manage.py export_mizan_ir`: discover, validate, and write the canonical IR (IR-1, DISC-4)
to stdout or a file."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from mizan.conf import get_settings
from mizan.core.errors import ConfigError, IRBuildError, MizanRegistryError
from mizan.core.ir import build_ir
from mizan.core.manifest import add_output_option, write_document
from mizan.setup import mizan_clients


def export_ir() -> str:
    """The IR of this project: `mizan_clients(MIZAN_APPS_ROOT)` first, then `build_ir()`.

    Raises:
        MizanRegistryError: the registry is invalid (REG-9).
        IRBuildError: the registry holds something the IR cannot express.
    """
    mizan_clients(get_settings().apps_root)
    return build_ir()


class Command(BaseCommand):
    help = "Write the canonical Mizan IR (KDL) of every registered function to stdout or a file."

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_output_option(parser, "the IR")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            document = export_ir()
            if options["output"] is not None:
                write_document(options["output"], document)
                return
        except (MizanRegistryError, IRBuildError, ConfigError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(document, ending="")
