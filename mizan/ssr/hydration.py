"""`context_props`: the hydration data of a server-rendered page, fetched through the same
bundle pipeline and origin cache as `GET /ctx/<name>/` (SSR-4)."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.http import HttpRequest

from mizan.authentication import authenticate
from mizan.conf import get_settings
from mizan.core import registry
from mizan.core.contexts import ReactContext
from mizan.core.errors import Unauthorized
from mizan.core.executor import context_pipeline, run_sync
from mizan.views import _resolver

logger = logging.getLogger("mizan.ssr")


def query_text(value: object) -> str:
    """A param as the client would put it in the `/ctx/` query string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def context_props(request: HttpRequest, *contexts: ReactContext | str, **params: object) -> dict[str, Any]:
    """The bundles of `contexts` for this request, merged and keyed by member name: the
    props that let the generated providers skip their first fetch (SSR-4).

    Each context runs exactly as `GET /ctx/<name>/?<params>` would for this request: the
    same identity (session or token), guards, validation, origin cache (a hit returns the
    stored bundle) and single-flight. Each context takes the params it declares.

    A context that answers with an error (a guard refusing, a param failing validation, a
    function raising) is left out and logged: the page's provider then fetches it itself
    and shows the error as it would without SSR.

    Args:
        request: the page's request.
        *contexts: `ReactContext`s or context names.
        **params: the context params; values become query text (`True` is `true`).

    Returns:
        `{member name: value}` over all the contexts given.

    Raises:
        LookupError: a context of that name is not registered (a mistake in the view).
    """
    settings = get_settings()
    props: dict[str, Any] = {}
    try:
        authenticate(request, settings)
    except Unauthorized as error:
        logger.info("SSR hydration skipped: the request's token was refused (%s)", error)
        return props
    query = {key: query_text(value) for key, value in params.items()}
    for context in contexts:
        name = context.name if isinstance(context, ReactContext) else context
        if registry.context_view(name) is None:
            raise LookupError(f"context_props: no context named {name!r} is registered")
        response = run_sync(context_pipeline(request, name, query), _resolver(request))
        body = json.loads(response.body)
        if response.status == 200:
            props.update(body)
        else:
            failure = body["error"]
            logger.info("SSR hydration left out context %r: %s %s", name, failure["code"], failure["message"])
    return props
