"""What importing `mizan_fastapi` sets up, once and idempotently: the framework response
and request bases (FA-10, SIG-1), the built-in `mwt_obtain` (MWT-6) and the origin cache's
purge hook (CPUR-2); and the start-up check of the functions' declarations (issue 15).
"""

from __future__ import annotations

import logging

from starlette.requests import HTTPConnection
from starlette.responses import Response

from mizan.core import cache, notify, registry
from mizan.core.builtins import mwt_obtain
from mizan.core.cache import purge_entry
from mizan.core.errors import ConfigError
from mizan.core.problems import definition_problems, describe
from mizan.core.settings import install
from mizan.core.signature import set_framework_response_base, set_request_base
from mizan_fastapi import broadcast
from mizan_fastapi.conf import get_settings

logger = logging.getLogger("mizan")
_logged_version = -1  # the registry version whose warnings were logged


def register_builtins() -> None:
    """Register `mwt_obtain` (MWT-6, MWT-8); the Django-only JWT functions are never
    registered here (JWT-5). Safe to call again, e.g. after `clear_registry()`."""
    registry.register(mwt_obtain, "mwt_obtain")


def setup() -> None:
    """Run at import. Starlette's `Response` becomes a framework response base before any
    function is declared, so FastAPI view-path functions take the view path (SIG-8, §3.5).

    The purge and push hooks are installed only when no adapter installed one: in a process that
    also runs Django, Django's on-commit hook (CPUR-3) stays, and it purges at once
    outside a transaction, which is FastAPI's timing too.
    """
    set_framework_response_base(Response)
    set_request_base(HTTPConnection)  # Request and WebSocket
    register_builtins()
    if notify.get_purge_hook() is None:
        # CPUR-3 for FastAPI: the purge runs after the body returns, before the response.
        notify.set_purge_hook(purge_entry)
    if cache.get_configurer() is None:
        # A process that serves no request (a worker) reads `configure()` or the
        # environment on first use of a cache function, as the web processes do.
        cache.set_configurer(configure_cache)
    # Pushes (channel messages, WS-9 invalidations) through the hub of the settings.
    broadcast.install()


def configure_cache() -> None:
    """The origin cache from the settings in force (`configure()`, else the environment)."""
    install(get_settings())


def check_definitions() -> None:
    """FastAPI's counterpart of Django's `mizan.E010`-`E013`/`W010` checks: run when the
    application starts, when `routes_router` is built and by `validate_registry()`.
    Warnings (a missing annotation) are logged once per registry change.

    Raises:
        ConfigError: a function's declaration is wrong (first parameter not the request,
            a type Mizan cannot validate or serialise, context members typing a param
            differently), listing every such problem with its hint.
    """
    global _logged_version
    problems = definition_problems()
    if _logged_version != registry.version():
        _logged_version = registry.version()
        for problem in problems:
            if not problem.error:
                logger.warning("%s HINT: %s", problem.message, problem.hint)
    errors = [problem for problem in problems if problem.error]
    if errors:
        raise ConfigError("Mizan server functions are declared wrongly:\n" + describe(errors))


def validate_registry() -> None:
    """The registry's REG-9 validation, then `check_definitions()`.

    Raises:
        MizanRegistryError: an `affects=`/`merge=` target does not resolve (REG-9).
        ConfigError: a declaration is wrong (see `check_definitions`).
    """
    registry.validate_registry()
    check_definitions()
