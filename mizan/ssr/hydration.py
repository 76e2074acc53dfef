"""`context_props`: the hydration data of a server-rendered page, fetched through the same
bundle pipeline and origin cache as `GET /ctx/<name>/` (SSR-4)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from mizan.authentication import authenticate
from mizan.conf import get_settings
from mizan.core.contexts import ReactContext
from mizan.core.errors import Unauthorized
from mizan.core.executor import context_pipeline, run_sync
from mizan.core.ssr.hydration import add_bundle, context_names, query_of, refused
from mizan.views import _resolver


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
    try:
        authenticate(request, get_settings())
    except Unauthorized as error:
        return refused(error)
    props: dict[str, Any] = {}
    query = query_of(params)
    for name in context_names(contexts):
        response = run_sync(context_pipeline(request, name, query), _resolver(request))
        add_bundle(props, name, response.status, response.body)
    return props
