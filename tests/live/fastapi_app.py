"""The FastAPI app served by the live WebSocket tests: `mizan_fastapi.router` behind an
identity middleware, its pushes through the redis-server that `MIZAN_BROADCAST_URL` names
(CHAN-6)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

import mizan_fastapi
from tests.live.functions import USER_HEADER, USERS, register_functions


@dataclass(frozen=True)
class User:
    pk: int
    username: str
    is_staff: bool = False
    is_superuser: bool = False
    is_authenticated: bool = True


class UserMiddleware:
    """The application's authentication (FA-3): the user named by `X-Live-User`, for HTTP
    requests and WebSocket handshakes alike (WS-2)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            name = Headers(scope=scope).get(USER_HEADER)
            if name is not None:
                scope.setdefault("state", {})["user"] = User(USERS[name], name)
        await self.app(scope, receive, send)


def create_app() -> FastAPI:
    mizan_fastapi.configure()  # broadcast_url from MIZAN_BROADCAST_URL
    register_functions(Response)
    app = FastAPI()
    app.add_middleware(UserMiddleware)
    app.include_router(mizan_fastapi.router, prefix="/api/mizan")
    app.include_router(mizan_fastapi.routes_router)  # touch_note_page
    return app


app = create_app()
