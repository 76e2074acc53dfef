"""`mizan_fastapi.router`: `GET /session/`, `POST /call/` and `GET /ctx/{context_name}/`
(PROTOCOL §2, FA-1, FA-2, FA-9).

Mount it with `app.include_router(router, prefix="/api/mizan")`. Each endpoint takes every
method and answers a wrong one itself, so 405 is Mizan's envelope with `Allow` (EP-3), and
produces every other envelope itself too: the raw body goes to the core, never through a
Pydantic body model, and nothing depends on the application's exception handlers.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Final

from fastapi import APIRouter, FastAPI
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
)
from mizan_fastapi.conf import get_settings
from mizan_fastapi.identity import authenticate
from mizan_fastapi.multipart import MEDIA_TYPE, media_type, parse_form
from mizan_fastapi.translate import bad_request, drive, read_body, to_starlette, unauthorized

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
    settings = get_settings()
    try:
        token_user = authenticate(request, settings)
    except Unauthorized as error:
        return unauthorized(error)
    body = await read_body(request, settings.max_body_bytes)
    if body is None:
        return bad_request()
    content_type = request.headers.get("content-type", "")
    if media_type(content_type) == MEDIA_TYPE:
        try:
            fields, files = parse_form(content_type, body)
        except BadRequest:
            return bad_request()
        return await drive(request, token_user, form_call_pipeline(request, fields, files, settings))
    return await drive(request, token_user, call_pipeline(request, body, settings))


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
    secrets, SEC-1) stops the server instead of failing every request."""
    get_settings()
    yield


def build_router() -> APIRouter:
    """The router of the fixed endpoints; `mizan_fastapi.router` is one built at import."""
    api = APIRouter(lifespan=_validate_settings)
    endpoints = (("/session/", session, "session"), ("/call/", call, "call"), ("/ctx/{context_name}/", context, "ctx"))
    for path, endpoint, name in endpoints:
        # No schema: the protocol is not an OpenAPI surface (EP-1, GEN-3).
        api.add_api_route(path, endpoint, methods=list(ALL_METHODS), include_in_schema=False, name=f"mizan-{name}")
    return api


router = build_router()
