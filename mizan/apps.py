"""Django app configuration: system checks and `clients.py` autodiscovery (DISC-1..4)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
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


def after_commit(action: Callable[[], None]) -> None:
    """Run `action` when the current transaction commits, or at once outside one. On an
    event loop's thread (a WebSocket call, whose sync code ran in a worker thread and has
    returned) there is no transaction to wait for, and Django may not touch the database."""
    from django.db import transaction

    from mizan.core.broadcast import in_event_loop

    if in_event_loop():
        action()
    else:
        transaction.on_commit(action)


def purge_on_commit(request: Any, context: str, params: dict[str, Any] | None) -> None:
    """The origin-cache purge hook, run when the transaction commits (CPUR-3, GAP-16): a
    rolled-back mutation purges nothing, and a fetch racing the write cannot re-cache
    old data. Without an open transaction it runs at once."""
    from mizan.core.cache import get_cache, purge_entry

    if get_cache() is not None:  # nothing to purge (and no database to ask) otherwise
        after_commit(functools.partial(purge_entry, request, context, params))


def push_on_commit(request: Any, invalidate: Sequence[Any], merge: Sequence[dict[str, Any]]) -> None:
    """The WS-9 push hook: the user's other sockets hear of a mutation once it committed,
    so their refetch reads the new data (and a rolled-back one pushes nothing)."""
    from mizan.core.broadcast import ORIGIN, pending_invalidation

    push = pending_invalidation(request, invalidate, merge, ORIGIN.get())
    if push is not None:
        after_commit(push)


def register_channel_layer() -> None:
    """Push through the Channels layer when Channels is installed (the `channels` extra)."""
    try:
        from mizan.channels.layer import resolve_publisher
    except ImportError:
        return
    from mizan.core.broadcast import register_publisher

    register_publisher("django", resolve_publisher)


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
        from mizan.checks import check_definitions, check_merges, check_registry, check_settings, check_shapes
        from mizan.conf import configure_from_settings
        from mizan.core.cache import set_configurer
        from mizan.core.notify import on_invalidate, set_purge_hook, set_push_hook
        from mizan.signals import send_invalidated
        from mizan.token_functions import register_token_functions

        checks.register(check_registry, "mizan")
        checks.register(check_settings, "mizan")
        checks.register(check_merges, "mizan")
        checks.register(check_definitions, "mizan")
        checks.register(check_shapes, "mizan")
        on_invalidate(send_invalidated)
        set_purge_hook(purge_on_commit)
        set_push_hook(push_on_commit)
        register_channel_layer()
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
