"""Django app configuration: system checks and `clients.py` autodiscovery (DISC-1..4)."""

from __future__ import annotations

import functools
from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponseBase

from mizan.core.signature import set_framework_response_base, set_request_base

# Before any clients module is imported, so return annotations of Django responses
# are recognised as view-path functions (DEC-3, SIG-10), and a first parameter annotated
# `HttpRequest` (or a subclass) as the request (SIG-1).
set_framework_response_base(HttpResponseBase)
set_request_base(HttpRequest)


def purge_on_commit(request: Any, context: str, params: dict[str, Any] | None) -> None:
    """The origin-cache purge hook, run when the transaction commits (CPUR-3, GAP-16): a
    rolled-back mutation purges nothing, and a fetch racing the write cannot re-cache
    old data. Without an open transaction it runs at once."""
    from django.db import transaction

    from mizan.core.cache import get_cache, purge_entry

    if get_cache() is not None:  # nothing to purge (and no database to ask) otherwise
        transaction.on_commit(functools.partial(purge_entry, request, context, params))


def require_installed(module: str) -> None:
    """Refuse to serve Mizan's URLs from a project that does not install the app: nothing
    would register the functions or run the checks, and every call would answer
    "Function not found" (issue 15).

    Raises:
        ImproperlyConfigured: neither "mizan" nor a MizanConfig subclass is installed.
    """
    from django.apps import apps

    if apps.is_installed("mizan") or any(isinstance(c, SimpleMizanConfig) for c in apps.get_app_configs()):
        return
    raise ImproperlyConfigured(
        f'{module} is included in the URLconf, but "mizan" is not in INSTALLED_APPS: without the app '
        "no clients module is discovered, no check runs, and every call answers 404 Function not "
        'found. Add "mizan" (or "mizan.apps.SimpleMizanConfig") to INSTALLED_APPS.'
    )


class SimpleMizanConfig(AppConfig):
    """Mizan without autodiscovery; register functions yourself (the built-in token
    functions are registered either way)."""

    name = "mizan"
    verbose_name = "Mizan"

    def ready(self) -> None:
        from mizan.checks import check_definitions, check_merges, check_registry, check_settings
        from mizan.conf import configure_from_settings
        from mizan.core.cache import set_configurer
        from mizan.core.notify import on_invalidate, set_purge_hook
        from mizan.signals import send_invalidated
        from mizan.token_functions import register_token_functions

        checks.register(check_registry, "mizan")
        checks.register(check_settings, "mizan")
        checks.register(check_merges, "mizan")
        checks.register(check_definitions, "mizan")
        on_invalidate(send_invalidated)
        set_purge_hook(purge_on_commit)
        # The cache is configured now, not by the first request: a process that serves
        # none (worker, management command, signal handler) must purge the same cache.
        set_configurer(configure_from_settings)
        configure_from_settings()
        register_token_functions()


class MizanConfig(SimpleMizanConfig):
    """The default: also imports every installed app's `clients.py`."""

    default = True

    def ready(self) -> None:
        super().ready()
        from mizan.setup import autodiscover

        autodiscover()
