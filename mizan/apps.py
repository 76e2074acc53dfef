"""Django app configuration: system checks and `clients.py` autodiscovery (DISC-1..4)."""

from __future__ import annotations

from django.apps import AppConfig
from django.core import checks
from django.http import HttpResponseBase

from mizan.core.signature import set_framework_response_base

# Before any clients module is imported, so return annotations of Django responses
# are recognised as view-path functions (DEC-3, SIG-10).
set_framework_response_base(HttpResponseBase)


class SimpleMizanConfig(AppConfig):
    """Mizan without autodiscovery; register functions yourself."""

    name = "mizan"
    verbose_name = "Mizan"

    def ready(self) -> None:
        from mizan.checks import check_registry
        from mizan.core.notify import on_invalidate
        from mizan.signals import send_invalidated

        checks.register(check_registry, "mizan")
        on_invalidate(send_invalidated)


class MizanConfig(SimpleMizanConfig):
    """The default: also imports every installed app's `clients.py`."""

    default = True

    def ready(self) -> None:
        super().ready()
        from mizan.setup import autodiscover

        autodiscover()
