"""The FastAPI app of the conformance suite: the fixture registered in the app factory (AFI-7)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

import mizan_fastapi
from afi import settings as shared
from afi.channel_fixture import register_channel_fixture
from afi.fixture import register_fixture
from mizan.core import registry

NATIVE_USER_HEADER = "X-Afi-User"  # how the test names a native identity (FA-3)


@dataclass(frozen=True)
class NativeUser:
    """What an application's auth middleware would put in `request.state.user`."""

    pk: int
    is_staff: bool = False
    is_superuser: bool = False


def native_header(user: str) -> dict[str, str]:
    """The header naming `user` (a key of afi.transcript.USERS) natively; none for anonymous."""
    from afi.transcript import USERS

    spec = USERS[user]
    if spec is None:  # an anonymous request carries no identity at all
        return {}
    pk, staff, superuser = spec
    return {NATIVE_USER_HEADER: f"{pk}:{'superuser' if superuser else 'staff' if staff else ''}"}


def native_user(value: str) -> NativeUser:
    """`"3"`, `"3:staff"` or `"3:superuser"` (superusers are staff too, as in Django)."""
    pk, _, level = value.partition(":")
    return NativeUser(int(pk), is_staff=level in ("staff", "superuser"), is_superuser=level == "superuser")


class Identify:
    """The application's auth middleware (FA-3, WS-2): `state.user` of every request and
    WebSocket handshake is the user the `X-Afi-User` header names, or None."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            header = Headers(scope=scope).get(NATIVE_USER_HEADER)
            scope.setdefault("state", {})["user"] = native_user(header) if header else None
        await self.app(scope, receive, send)


def create_app() -> FastAPI:
    mizan_fastapi.configure(
        mwt_secret=shared.MWT_SECRET,
        cache_secret=shared.CACHE_SECRET,
        cache_redis_url=shared.CACHE_URL,
        max_body_bytes=shared.MAX_BODY_BYTES,
        max_upload_bytes=shared.MAX_UPLOAD_BYTES,
    )
    register_fixture(registry.register, Response)
    register_channel_fixture(registry.register)
    app = FastAPI()
    app.add_middleware(Identify)
    app.include_router(mizan_fastapi.router, prefix="/api/mizan")
    app.include_router(mizan_fastapi.routes_router)
    return app
