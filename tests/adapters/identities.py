"""Application identities of every shape an adapter may be handed (FA-3, FA-3a), and the
middleware that puts one on a request when the `X-Test-Identity` header names it.

Django: the middleware runs after `AuthenticationMiddleware` and sets `request.user`, as a
project's own authentication middleware would. FastAPI: it sets `request.state.user`, as
the auth contract of docs/fastapi.md says an application does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from starlette.authentication import SimpleUser
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

HEADER: Final = "X-Test-Identity"
DJANGO_META: Final = "HTTP_X_TEST_IDENTITY"


@dataclass
class Keyless:
    """Authenticated, but with none of pk, id, identity, sub, username."""

    display_name: str
    is_authenticated: bool = True


@dataclass
class Account:
    """A user as a Django model has one: a primary key (`pk`, also `id`) and a username."""

    pk: int
    username: str
    is_authenticated: bool = True
    is_staff: bool = False

    @property
    def id(self) -> int:
        return self.pk


@dataclass
class Member:
    """A user object keyed by `id` only (no `pk`), as many FastAPI apps have."""

    id: int
    is_authenticated: bool = True


IDENTITIES: Final[dict[str, Any]] = {
    "ann-claims": {"sub": "ann"},
    "mallory-claims": {"sub": "mallory"},
    "ann-simple": SimpleUser("ann"),
    "mallory-simple": SimpleUser("mallory"),
    "alice": Account(1, "alice"),
    "bob": Account(2, "bob"),
    "carol-staff": Account(3, "carol", is_staff=True),
    "member-7": Member(7),
    "member-8": Member(8),
    "keyless-1": Keyless("one"),
    "keyless-2": Keyless("two"),
    "anonymous-claims": {"sub": "ann", "is_authenticated": False},
}


def describe(user: Any) -> str:
    """Who a function sees, independently of Mizan's identity key (what a leak would show)."""
    user = getattr(user, "wrapped", user)  # FastAPI's AppUser
    if user is None or not getattr(user, "is_authenticated", True):
        return "anonymous"
    if isinstance(user, dict):
        return f"claims:{user.get('sub')}"
    if isinstance(user, SimpleUser):
        return f"simple:{user.username}"
    if isinstance(user, Keyless):
        return f"keyless:{user.display_name}"
    if isinstance(user, Account):
        return f"account:{user.username}"
    if isinstance(user, Member):
        return f"member:{user.id}"
    return f"{type(user).__name__}:{getattr(user, 'pk', None)}"


class DjangoIdentityMiddleware:
    """Django middleware: `request.user` = the named identity."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        name = request.META.get(DJANGO_META)
        if name is not None:
            request.user = IDENTITIES[name]
        return self.get_response(request)


class ASGIIdentityMiddleware:
    """ASGI middleware: `request.state.user` = the named identity."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            name = Headers(scope=scope).get(HEADER)
            if name is not None:
                scope.setdefault("state", {})["user"] = IDENTITIES[name]
        await self.app(scope, receive, send)


class ChannelsIdentityMiddleware:
    """ASGI middleware for Channels: `scope["user"]` = the named identity, over the session
    user Channels' `AuthMiddleware` resolved before it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = Headers(scope=scope).get(HEADER)
        if name is not None:
            scope = {**scope, "user": IDENTITIES[name]}
        await self.app(scope, receive, send)


def install_channels_identity(application: Any) -> None:
    """Put `ChannelsIdentityMiddleware` right after the `AuthMiddleware` inside the
    application `mizan.wrap_asgi` built (router, origin validator, cookie, session, auth)."""
    from channels.auth import AuthMiddleware

    layer = application.application_mapping["websocket"]
    while not isinstance(layer, AuthMiddleware):
        layer = getattr(layer, "application", None) or layer.inner
    layer.inner = ChannelsIdentityMiddleware(layer.inner)
