"""The user of the request being handled, for code Mizan calls without the request.

A Django form is built as `FormClass(data=...)`: its `clean()` cannot see who is asking,
yet the task form must check that the list is the caller's before it says whether a
title is taken (otherwise the error would tell another user which titles a list holds).
`CurrentUserMiddleware` keeps the request's user in a context variable for the duration
of the request; without a request (a call over the WebSocket, a shell) there is no user,
and the form refuses every list.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase

# The request, not `request.user`: asgiref inspects context variables between threads,
# which would evaluate Django's lazy user object outside a thread (SynchronousOnlyOperation).
_REQUEST: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar("demo_current_request", default=None)


def current_user() -> Any:
    """The authenticated user of the request being handled, or None."""
    request = _REQUEST.get()
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


class CurrentUserMiddleware:
    """Sets `current_user()` for the rest of the request (after AuthenticationMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = _REQUEST.set(request)
        try:
            return self.get_response(request)
        finally:
            _REQUEST.reset(token)
