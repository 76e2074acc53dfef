"""Exception handlers an application may install (PROTOCOL FA-2, GAP-83).

Mizan's endpoints answer every envelope themselves; these handlers are for errors raised
elsewhere: `MizanError`s raised by the application's own routes or dependencies, and
`RequestValidationError`s that the application's dependencies raise on Mizan's endpoints.
Neither rewrites anything that is not Mizan's.
"""

from __future__ import annotations

from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.requests import Request
from starlette.responses import Response

from mizan.core.errors import BadRequest, InternalError, MizanError
from mizan.core.executor import error_response
from mizan_fastapi.router import is_mizan_endpoint
from mizan_fastapi.translate import to_starlette


async def mizan_exception_handler(request: Request, exc: Exception) -> Response:
    """Render a `MizanError` as the error envelope with `no-store` (ERR-1, ERR-6).

    Install with `app.add_exception_handler(MizanError, mizan_exception_handler)`.
    """
    error = exc if isinstance(exc, MizanError) else InternalError()
    return to_starlette(error_response(error))


def _routed_to_mizan(request: Request) -> bool:
    """Whether routing chose one of Mizan's endpoints (under the router's prefix, or a
    `route=` path)."""
    endpoint = request.scope.get("endpoint")
    if endpoint is None:
        endpoint = getattr(request.scope.get("route"), "endpoint", None)
    return is_mizan_endpoint(endpoint)


async def mizan_validation_handler(request: Request, exc: Exception) -> Response:
    """A `RequestValidationError` on a Mizan endpoint is 400 `BAD_REQUEST` (FA-2); anywhere
    else FastAPI's default 422 answer is kept.

    Install with `app.add_exception_handler(RequestValidationError, mizan_validation_handler)`.
    """
    if _routed_to_mizan(request):
        return to_starlette(error_response(BadRequest()))
    if not isinstance(exc, RequestValidationError):  # installed for another exception class
        return await mizan_exception_handler(request, exc)
    return await request_validation_exception_handler(request, exc)
