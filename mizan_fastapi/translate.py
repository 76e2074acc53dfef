"""Starlette requests in, core pipelines driven, Starlette responses out: the mechanics every
Mizan endpoint on FastAPI shares (PROTOCOL FA-2, FA-4, ERR-8).

This is the per-request path, so it reads the ASGI scope directly where Starlette's
conveniences cost more than the work: one pass over the raw headers instead of a
`Headers` lookup per name (a missing name raises and catches `KeyError`), and responses
whose raw headers are built in one step (benchmarks/fastapi_call.py measures both).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Final, NamedTuple

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Scope

from mizan.core.errors import BadRequest, InternalError, Unauthorized
from mizan.core.executor import JSON, NO_STORE, MizanResponse, Pipeline, error_response, run_async
from mizan.core.tokens import TokenUser
from mizan_fastapi.identity import MWT_HEADER, act_as

logger = logging.getLogger("mizan")

# ASGI servers send header names lower-cased (ASGI spec, HTTP connection scope), which is
# what Starlette's `Headers` compares against too.
_CONTENT_TYPE: Final = b"content-type"
_CONTENT_LENGTH: Final = b"content-length"
# Raw header pairs of the headers every core response carries, encoded once.
_RAW_PAIRS: Final[dict[tuple[str, str], tuple[bytes, bytes]]] = {
    (name, value): (name.lower().encode("latin-1"), value.encode("latin-1"))
    for name, value in (
        ("Content-Type", JSON),
        ("Cache-Control", NO_STORE),
        ("X-Mizan-Cache", "HIT"),
        ("X-Mizan-Cache", "MISS"),
    )
}


class CallHeaders(NamedTuple):
    """The request headers `/call/` reads, decoded as Starlette decodes them (latin-1);
    None when absent. A repeated header counts with its first value, as `Headers.get`."""

    token: str | None
    content_type: str | None
    content_length: str | None


def call_headers(scope: Scope) -> CallHeaders:
    """`X-Mizan-Token`, `Content-Type` and `Content-Length` in one pass over the raw headers."""
    token = content_type = content_length = None
    for name, value in scope["headers"]:
        if name == _CONTENT_TYPE:
            if content_type is None:
                content_type = value
        elif name == _CONTENT_LENGTH:
            if content_length is None:
                content_length = value
        elif name == MWT_HEADER and token is None:
            token = value
    return CallHeaders(
        None if token is None else token.decode("latin-1"),
        None if content_type is None else content_type.decode("latin-1"),
        None if content_length is None else content_length.decode("latin-1"),
    )


class CoreResponse(Response):
    """A Starlette `Response` for a core answer, its raw headers built in one step.

    The wire is what `Response(body, status_code=status, headers=headers)` sends: header
    names lower-cased in the core's order, then `content-length` (left out for 1xx, 204
    and 304, as Starlette does); no `media_type`, the core names the content type itself.
    """

    def __init__(self, status: int, body: bytes, headers: Mapping[str, str]) -> None:
        self.status_code = status
        self.background = None
        self.body = body
        raw = []
        length = not (status < 200 or status in (204, 304))
        for item in headers.items():
            pair = _RAW_PAIRS.get(item)
            if pair is None:
                pair = (item[0].lower().encode("latin-1"), item[1].encode("latin-1"))
                if pair[0] == _CONTENT_LENGTH:
                    length = False
            raw.append(pair)
        if length:
            raw.append((_CONTENT_LENGTH, str(len(body)).encode("latin-1")))
        self.raw_headers = raw


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
    return CoreResponse(response.status, response.body, response.headers)


def bad_request() -> Response:
    """ERR-8's answer to a body that cannot be read or is too large."""
    return to_starlette(error_response(BadRequest()))


async def read_body(request: Request, limit: int | None, declared: str | None) -> bytes | None:
    """The request body, read at most `limit` + 1 bytes far (ERR-8).

    Args:
        declared: the `Content-Length` header, if any.

    Returns:
        The body; None when it is larger than `limit` (a declared `Content-Length` over the
        limit is refused before reading anything) or cannot be read.
    """
    if (
        limit is not None
        and declared is not None
        and declared.isascii()
        and declared.isdigit()
        and int(declared) > limit
    ):
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
    restore = act_as(request, token_user)
    if restore is None:
        return to_starlette(await run_async(pipeline))
    try:
        return to_starlette(await run_async(pipeline))
    finally:
        restore()
