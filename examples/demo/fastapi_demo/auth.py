"""Who is signed in to the FastAPI demo: an HttpOnly cookie holding a Mizan-signed token,
read by a small ASGI middleware for HTTP requests and WebSocket handshakes alike.

The token is an MWT (`mizan.core.tokens`) signed with the demo's own session secret and a
session-only audience, so a session cookie is never accepted as an `X-Mizan-Token` (whose
audience is Mizan's) and the other way round. The middleware puts the user in
`scope["state"]["user"]`: FastAPI's identity contract, which Mizan's endpoints and its
WebSocket read (docs/fastapi.md, "The auth contract").

Cookies travel with cross-site requests, so the middleware also refuses a state-changing
request or a WebSocket handshake whose `Origin` is another site (CSRF and cross-site
WebSocket hijacking); the cookie is `SameSite=Lax` on top of that.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from functools import cache
from typing import Final
from urllib.parse import urlsplit

import anyio.to_thread
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from fastapi_demo import store
from mizan.core.errors import InvalidToken
from mizan.core.tokens import MWTConfig, mint_mwt, permission_key, verify_mwt

logger = logging.getLogger("fastapi_demo")

COOKIE: Final = "demo_session"
SESSION_TTL: Final = 12 * 3600  # seconds
SESSION_AUDIENCE: Final = "mizan-demo-session"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


@cache
def session_config() -> MWTConfig:
    """The session tokens' settings: `MIZAN_DEMO_SESSION_SECRET`, else a secret for this
    process only (sessions then end when the server restarts)."""
    secret = os.environ.get("MIZAN_DEMO_SESSION_SECRET") or secrets.token_urlsafe(32)
    return MWTConfig(secret=secret, ttl=SESSION_TTL, audience=SESSION_AUDIENCE, kid="demo-session")


def session_token(user: store.User) -> str:
    """A signed session token for `user` (its id is the subject)."""
    return mint_mwt(
        session_config(), str(user.id), pkey=permission_key((), False, False), is_staff=False, is_superuser=False
    )


def user_from_cookie(cookie_header: str | None) -> store.User | None:
    """The user of a valid, unexpired session cookie whose account still exists; else None."""
    token = cookie_parser(cookie_header).get(COOKIE) if cookie_header else None
    if not token:
        return None
    try:
        claims = verify_mwt(session_config(), token)
    except InvalidToken:
        return None
    return store.user_by_id(claims.pk) if isinstance(claims.pk, int) else None


def same_origin(scope: Scope, headers: Headers) -> bool:
    """Whether a request may act on the session: safe methods always; otherwise no
    `Origin` (not a browser's cross-site request) or an `Origin` naming this host."""
    if scope["type"] == "http" and scope["method"] in SAFE_METHODS:
        return True
    origin = headers.get("origin")
    if origin is None:
        return True
    host = headers.get("host")
    return host is not None and urlsplit(origin).netloc == host


async def refuse(scope: Scope, receive: Receive, send: Send) -> None:
    """403 for a cross-site request; a refused handshake for a cross-site WebSocket."""
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = json.dumps({"error": {"code": "FORBIDDEN", "message": "Cross-site request refused"}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SessionMiddleware:
    """Put the session's user (or None) in `state.user` of every HTTP request and
    WebSocket."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if not same_origin(scope, headers):
            logger.warning("refused a cross-site %s to %s", scope["type"], scope["path"])
            await refuse(scope, receive, send)
            return
        user = await anyio.to_thread.run_sync(user_from_cookie, headers.get("cookie"))
        scope.setdefault("state", {})["user"] = user
        await self.app(scope, receive, send)
