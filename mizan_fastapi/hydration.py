"""`context_props` for FastAPI: the hydration data of a server-rendered page, fetched
through the same bundle pipeline and origin cache as `GET /ctx/<name>/` (SSR-4), like
`mizan.ssr.context_props` on Django."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from mizan.core.contexts import ReactContext
from mizan.core.errors import Unauthorized
from mizan.core.executor import context_pipeline
from mizan.core.ssr.hydration import add_bundle, context_names, query_of, refused
from mizan_fastapi.conf import get_settings
from mizan_fastapi.identity import authenticate
from mizan_fastapi.translate import drive


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
    try:
        token_user = authenticate(request, get_settings())
    except Unauthorized as error:
        return refused(error)
    props: dict[str, Any] = {}
    query = query_of(params)
    for name in context_names(contexts):
        response = await drive(request, token_user, context_pipeline(request, name, query))
        add_bundle(props, name, response.status_code, bytes(response.body))
    return props
