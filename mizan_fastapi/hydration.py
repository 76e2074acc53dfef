"""`context_props` for FastAPI: the hydration data of a server-rendered page, fetched
through the same bundle pipeline and origin cache as `GET /ctx/<name>/` (SSR-4), like
`mizan.ssr.context_props` on Django."""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.requests import Request

from mizan.core import registry
from mizan.core.contexts import ReactContext
from mizan.core.errors import Unauthorized
from mizan.core.executor import context_pipeline
from mizan_fastapi.conf import get_settings
from mizan_fastapi.identity import authenticate
from mizan_fastapi.translate import drive

logger = logging.getLogger("mizan.ssr")


def query_text(value: object) -> str:
    """A param as the client would put it in the `/ctx/` query string (`True` is `true`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


async def context_props(request: Request, *contexts: ReactContext | str, **params: object) -> dict[str, Any]:
    """The bundles of `contexts` for this request, merged and keyed by member name: the
    props that let the providers skip their first fetch (SSR-4).

    Each context runs exactly as `GET /ctx/<name>/?<params>` would for this request: the
    same identity (`X-Mizan-Token`, else `request.state.user`), guards, validation, origin
    cache and single-flight; sync functions run in the threadpool. Each context takes the
    params it declares. A context that answers with an error is left out and logged at
    INFO on `mizan.ssr`: the page's provider fetches it itself and shows the error.

    Args:
        request: the page's request.
        *contexts: `ReactContext`s or context names.
        **params: the context params; values become query text.

    Returns:
        `{member name: value}` over all the contexts given.

    Raises:
        LookupError: a context of that name is not registered (a mistake in the route).
    """
    props: dict[str, Any] = {}
    try:
        token_user = authenticate(request, get_settings())
    except Unauthorized as error:
        logger.info("SSR hydration skipped: the request's token was refused (%s)", error)
        return props
    query = {key: query_text(value) for key, value in params.items()}
    for context in contexts:
        name = context.name if isinstance(context, ReactContext) else context
        if registry.context_view(name) is None:
            raise LookupError(f"context_props: no context named {name!r} is registered")
        response = await drive(request, token_user, context_pipeline(request, name, query))
        body = json.loads(bytes(response.body))
        if response.status_code == 200:
            props.update(body)
        else:
            failure = body["error"]
            logger.info("SSR hydration left out context %r: %s %s", name, failure["code"], failure["message"])
    return props
