"""What importing `mizan_fastapi` sets up, once and idempotently: the framework response
base (FA-10), the built-in `mwt_obtain` (MWT-6) and the origin cache's purge hook (CPUR-2).
"""

from __future__ import annotations

from starlette.responses import Response

from mizan.core import cache, notify, registry
from mizan.core.builtins import mwt_obtain
from mizan.core.cache import purge_entry
from mizan.core.signature import set_framework_response_base
from mizan.core.tokens import configure_mwt
from mizan_fastapi.conf import get_settings


def register_builtins() -> None:
    """Register `mwt_obtain` (MWT-6, MWT-8); the Django-only JWT functions are never
    registered here (JWT-5). Safe to call again, e.g. after `clear_registry()`."""
    registry.register(mwt_obtain, "mwt_obtain")


def setup() -> None:
    """Run at import. Starlette's `Response` becomes a framework response base before any
    function is declared, so FastAPI view-path functions take the view path (SIG-8, §3.5).

    The purge hook is installed only when no adapter installed one: in a process that
    also runs Django, Django's on-commit hook (CPUR-3) stays, and it purges at once
    outside a transaction, which is FastAPI's timing too.
    """
    set_framework_response_base(Response)
    register_builtins()
    if notify.get_purge_hook() is None:
        # CPUR-3 for FastAPI: the purge runs after the body returns, before the response.
        notify.set_purge_hook(purge_entry)
    if cache.get_configurer() is None:
        # A process that serves no request (a worker) reads `configure()` or the
        # environment on first use of a cache function, as the web processes do.
        cache.set_configurer(configure_cache)


def configure_cache() -> None:
    """The origin cache from the settings in force (`configure()`, else the environment)."""
    settings = get_settings()
    cache.configure(settings.cache)
    configure_mwt(settings.mwt)
