"""Starlette requests in, core pipelines driven, Starlette responses out: the mechanics every
Mizan endpoint on FastAPI shares (PROTOCOL FA-2, FA-4, ERR-8)."""

from __future__ import annotations

import logging

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from mizan.core.errors import BadRequest, InternalError, Unauthorized
from mizan.core.executor import MizanResponse, Pipeline, error_response, run_async
from mizan.core.tokens import TokenUser
from mizan_fastapi.identity import acting_as

logger = logging.getLogger("mizan")


def to_starlette(response: MizanResponse) -> Response:
    """A core response as a Starlette response; a view-path response keeps its own body,
    status and headers, with the core's headers (`no-store`, `X-Mizan-Invalidate`) set
    over them (RPC-6, VIEW-5)."""
    passthrough = response.passthrough
    if passthrough is not None:
        if not isinstance(passthrough, Response):
            # Another framework's response (GAP-76: both adapters may share a process).
            logger.error("A Mizan function served by FastAPI returned %r, not a Starlette Response", passthrough)
            return to_starlette(error_response(InternalError()))
        for name, value in response.headers.items():
            passthrough.headers[name] = value
        return passthrough
    return Response(response.body, status_code=response.status, headers=response.headers)


def bad_request() -> Response:
    """ERR-8's answer to a body that cannot be read or is too large."""
    return to_starlette(error_response(BadRequest()))


async def read_body(request: Request, limit: int | None) -> bytes | None:
    """The request body, read at most `limit` + 1 bytes far (ERR-8).

    Returns:
        The body; None when it is larger than `limit` (a declared `Content-Length` over the
        limit is refused before reading anything) or cannot be read.
    """
    declared = request.headers.get("content-length")
    if limit is not None and declared is not None and declared.strip().isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if limit is not None and size > limit:
                return None
            chunks.append(chunk)
    except (ClientDisconnect, RuntimeError):  # the client left, or the stream was consumed elsewhere
        return None
    return b"".join(chunks)


def unauthorized(error: Unauthorized) -> Response:
    """AUTH-4: a token header whose token fails is a 401, never a fallback to the app's user."""
    return to_starlette(error_response(error))


async def drive(request: Request, token_user: TokenUser | None, pipeline: Pipeline) -> Response:
    """Run a pipeline as the request's identity: async functions and guards are awaited
    on the event loop, sync ones run in the threadpool (FA-4, `run_async`)."""
    with acting_as(request, token_user):
        return to_starlette(await run_async(pipeline))
