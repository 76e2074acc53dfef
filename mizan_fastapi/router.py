"""`mizan_fastapi.router`: `GET /session/`, `POST /call/`, `GET /ctx/{context_name}/`
(PROTOCOL §2, FA-1, FA-2, FA-9), the WebSocket endpoint `/ws/` (WS-1, mizan_fastapi.ws) and
the browser runtime `/client.js`, `/client.d.ts` (mizan_fastapi.static).

Mount it with `app.include_router(router, prefix="/api/mizan")`. Each endpoint takes every
method and answers a wrong one itself, so 405 is Mizan's envelope with `Allow` (EP-3), and
produces every other envelope itself too: the raw body goes to the core, never through a
Pydantic body model, and nothing depends on the application's exception handlers.

The endpoints are FastAPI routes of the class `MizanRoute`, so `include_router` applies its
prefix and its `dependencies` as to any route; where no dependency applies, a request goes
straight to the endpoint, as on a Starlette route (see `MizanRoute`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, Final, cast

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from mizan.core.errors import BadRequest, InternalError, Unauthorized
from mizan.core.executor import (
    call_pipeline,
    context_pipeline,
    error_response,
    form_call_pipeline,
    json_response,
    method_not_allowed,
    registry_error,
    valid_content_length,
)
from mizan.core.settings import MizanSettings
from mizan.core.tokens import TokenUser, authenticate_mwt
from mizan_fastapi.conf import get_settings
from mizan_fastapi.identity import authenticate
from mizan_fastapi.multipart import MEDIA_TYPE, close_after, media_type, read_form
from mizan_fastapi.startup import check_definitions
from mizan_fastapi.static import client_dts, client_js
from mizan_fastapi.translate import bad_request, call_headers, drive, read_body, to_starlette, unauthorized
from mizan_fastapi.ws import websocket_endpoint

logger = logging.getLogger("mizan")

# Every standard method reaches the endpoints, which refuse the wrong ones with Mizan's
# envelope (EP-3, GAP-54); FastAPI routes need an explicit list.
ALL_METHODS: Final = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT")
GET: Final = ("GET",)
POST: Final = ("POST",)

Endpoint = Callable[[Request], Awaitable[Response]]


def mizan_endpoint(endpoint: Endpoint) -> Endpoint:
    """Mark an endpoint as Mizan's (`mizan_validation_handler` looks for the mark) and
    answer an unexpected failure of the adapter itself with the 500 envelope."""

    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except Exception:
            logger.exception("The Mizan FastAPI adapter failed on %s %s", request.method, request.url.path)
            return to_starlette(error_response(InternalError()))

    guarded.__name__ = guarded.__qualname__ = endpoint.__name__
    guarded.__doc__ = endpoint.__doc__
    guarded._mizan_endpoint = True  # type: ignore[attr-defined]
    return guarded


def is_mizan_endpoint(endpoint: object) -> bool:
    """True for the endpoints of `router` and of `routes_router`."""
    return getattr(endpoint, "_mizan_endpoint", False) is True


def _solved_dependant(handler: Callable[..., Any]) -> Dependant | None:
    """The `Dependant` FastAPI's request handler solves on each request, or None when it
    cannot be seen. FastAPI builds the handler as a closure over it in every version this
    adapter supports; the lookup never guesses, so when it fails the handler is kept."""
    code = getattr(handler, "__code__", None)
    cells = getattr(handler, "__closure__", None)
    if code is None or cells is None or "dependant" not in code.co_freevars:
        return None
    try:
        dependant = cells[code.co_freevars.index("dependant")].cell_contents
    except (IndexError, ValueError):  # an empty cell
        return None
    return dependant if isinstance(dependant, Dependant) else None


class MizanRoute(APIRoute):
    """A FastAPI route for a Mizan endpoint (`endpoint(request) -> Response`).

    An `APIRoute`, so `include_router` handles it as any route of the application (prefix,
    `dependencies`, overrides, the schema exclusion). FastAPI's request handler solves
    dependencies, reads the body and serializes a response model; a Mizan endpoint takes
    only the request and reads the body itself, so where FastAPI would solve nothing but
    the request (no `dependencies` from the router, its inclusion or the application, and
    no integration wrapping the endpoint), the endpoint itself is the handler, as on a
    Starlette route. FastAPI asks for the handler once per route and per inclusion
    (`get_route_handler`, its documented hook for custom routes), so every inclusion is
    decided with its own dependencies.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        dependant = _solved_dependant(handler)
        if dependant is None or dependant.call is not self.endpoint:
            return handler
        if (
            dependant.dependencies
            or dependant.path_params
            or dependant.query_params
            or dependant.header_params
            or dependant.cookie_params
            or dependant.body_params
        ):
            return handler
        return cast(Callable[[Request], Coroutine[Any, Any, Response]], self.endpoint)


@mizan_endpoint
async def session(request: Request) -> Response:
    """`GET /session/`: `{"csrfToken": null}`, FastAPI has no CSRF layer (SESS-1, FA-9)."""
    if request.method not in GET:
        return to_starlette(method_not_allowed(GET))
    failure = registry_error()
    if failure is not None:
        return to_starlette(failure)
    return to_starlette(json_response(200, {"csrfToken": None}))


@mizan_endpoint
async def call(request: Request) -> Response:
    """`POST /call/` (RPC-2): token first, then the body read with the size cap (ERR-8),
    parsed as JSON or, for `multipart/form-data`, as the upload form (RPC-7)."""
    if request.method not in POST:
        return to_starlette(method_not_allowed(POST))
    headers = call_headers(request.scope)
    if not valid_content_length(headers.content_length):
        return bad_request()
    settings = get_settings()
    try:
        token_user = authenticate_mwt(headers.token, settings.mwt)
    except Unauthorized as error:
        return unauthorized(error)
    content_type = headers.content_type or ""
    if media_type(content_type) == MEDIA_TYPE:
        return await _multipart_call(request, token_user, content_type, settings)
    body = await read_body(request, settings.max_body_bytes, headers.content_length)
    if body is None:
        return bad_request()
    return await drive(request, token_user, call_pipeline(request, body, settings))


async def _multipart_call(
    request: Request, token_user: TokenUser | None, content_type: str, settings: MizanSettings
) -> Response:
    """The upload form of `/call/` (RPC-7, UPL-2..4), read as it arrives; its files are
    closed (temporary ones deleted) when the response is sent, whatever the function did."""
    try:
        reader, fields, files = await read_form(request, content_type, settings)
    except BadRequest as error:
        return to_starlette(error_response(error))
    try:
        response = await drive(request, token_user, form_call_pipeline(request, fields, files, settings))
    except BaseException:
        reader.close()
        raise
    return close_after(response, reader)


@mizan_endpoint
async def context(request: Request) -> Response:
    """`GET /ctx/{context_name}/`: query values are strings, a repeated key keeps its last
    value (BND-2)."""
    if request.method not in GET:
        return to_starlette(method_not_allowed(GET))
    settings = get_settings()
    try:
        token_user = authenticate(request, settings)
    except Unauthorized as error:
        return unauthorized(error)
    params = request.query_params
    query = {key: params[key] for key in params}
    name = str(request.path_params["context_name"])
    return await drive(request, token_user, context_pipeline(request, name, query))


@asynccontextmanager
async def _validate_settings(app: FastAPI) -> AsyncIterator[None]:
    """At application start-up, read the settings once so an invalid environment (shared
    secrets, SEC-1) stops the server instead of failing every request, and check the
    functions' declarations (issue 15) for the same reason."""
    get_settings()
    check_definitions()
    yield


def build_router() -> APIRouter:
    """The router of the fixed endpoints; `mizan_fastapi.router` is one built at import."""
    api = APIRouter(lifespan=_validate_settings, route_class=MizanRoute)
    # The busiest first: FastAPI tries an included router's routes in order (twice per
    # request in FastAPI 0.165), and on the way to `/call/` each route tried before it
    # cost ~31 k instructions per request (benchmarks/fastapi_call.py). `/session/` is
    # read once per page load.
    endpoints = (("/call/", call, "call"), ("/ctx/{context_name}/", context, "ctx"), ("/session/", session, "session"))
    for path, endpoint, name in endpoints:
        # No schema: the protocol is not an OpenAPI surface (EP-1, GEN-3).
        api.add_api_route(path, endpoint, methods=list(ALL_METHODS), include_in_schema=False, name=f"mizan-{name}")
    api.add_api_websocket_route("/ws/", websocket_endpoint, name="mizan-ws")  # WS-1
    # The browser runtime, last: a page loads it once (docs/client.md).
    for path, endpoint, name in (("/client.js", client_js, "client-js"), ("/client.d.ts", client_dts, "client-dts")):
        api.add_api_route(path, endpoint, methods=["GET", "HEAD"], include_in_schema=False, name=f"mizan-{name}")
    return api


router = build_router()
