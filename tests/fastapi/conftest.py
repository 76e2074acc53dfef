"""Shared helpers for the FastAPI adapter tests (PROTOCOL §2, §9).

Every request goes through FastAPI's real `TestClient` into an application that mounts
`mizan_fastapi.router` under `/api/mizan` and `mizan_fastapi.routes_router` at the root,
as PROTOCOL FA-1 says an application does. Identities come from a small ASGI middleware
that puts a user object into `request.state` (FA-3), chosen per request by the
`X-Test-User` header. Expected bodies are bytes, or built here with the standard library's
encoder (never Mizan's) in canonical form.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

import mizan_fastapi
from mizan.core import cache, notify, registry
from mizan.core.cache import purge_entry
from mizan.core.tokens import configure_mwt, mwt_config
from mizan_fastapi.conf import SETTING_NAMES, reset_settings
from tests.fastapi import functions

CALL = "/api/mizan/call/"
SESSION = "/api/mizan/session/"
JSON_TYPE = "application/json"
NO_STORE = "no-store"
USER_HEADER = "x-test-user"
_MISSING = object()


@dataclass
class User:
    """An application user the way FastAPI apps often have one: `id`, no `pk` (FA-3)."""

    id: int
    username: str
    is_staff: bool = False
    is_superuser: bool = False
    is_authenticated: bool = True


USERS: dict[str, Any] = {
    "alice": User(1, "alice"),
    "bob": User(2, "bob"),
    "staff": User(3, "staff", is_staff=True),
    "super": User(4, "super", is_superuser=True),
    "root": User(5, "root", is_staff=True, is_superuser=True),
    "vip": User(6, "vip"),
    "ghost": User(7, "ghost", is_authenticated=False),
    "claims": {"id": 8, "username": "claims", "is_staff": True},
}


class UserMiddleware:
    """Application middleware populating `request.state.user` (FA-3), and
    `websocket.state.user` the same way (WS-2)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            name = Headers(scope=scope).get(USER_HEADER)
            if name is not None:
                scope.setdefault("state", {})["user"] = USERS[name]
        await self.app(scope, receive, send)


def make_app() -> FastAPI:
    """The application of the tests, built after the functions are registered."""
    app = FastAPI()
    app.add_middleware(UserMiddleware)
    app.include_router(mizan_fastapi.router, prefix="/api/mizan")
    app.include_router(mizan_fastapi.routes_router)
    return app


def canonical(value: Any) -> bytes:
    """JSON-1 bytes computed independently of Mizan's encoder."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def envelope(code: str, message: str, details: dict[str, Any] | None = None) -> bytes:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return canonical({"error": error})


def assert_mizan_headers(response: Response) -> None:
    """Headers every Mizan JSON response carries (JSON-2, RPC-4, BND-6, ERR-6, §2.7)."""
    assert response.headers["content-type"] == JSON_TYPE
    assert response.headers["cache-control"] == NO_STORE
    assert "x-mizan-invalidate" not in response.headers
    assert "vary" not in response.headers


def assert_json(response: Response, status: int, body: bytes) -> None:
    """Exact status, exact body bytes, and the Mizan headers."""
    assert (response.status_code, response.content) == (status, body)
    assert_mizan_headers(response)
    if status != 405:
        assert "allow" not in response.headers


def assert_error(
    response: Response, status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> None:
    assert_json(response, status, envelope(code, message, details))


def assert_bad_request(response: Response) -> None:
    assert_error(response, 400, "BAD_REQUEST", "Invalid request body")


def assert_validation(response: Response, fields: dict[str, list[str]]) -> None:
    assert_error(response, 422, "VALIDATION_ERROR", "Input validation failed", {"fields": fields})


def assert_internal(response: Response, message: str = "Internal server error") -> None:
    assert_error(response, 500, "INTERNAL_ERROR", message)


def assert_method_not_allowed(response: Response, allow: str, head: bool = False) -> None:
    """EP-3: 405, envelope, `Allow`, `no-store` (a HEAD response carries no body)."""
    assert response.status_code == 405
    expected = b"" if head else b'{"error":{"code":"METHOD_NOT_ALLOWED","message":"Method not allowed"}}'
    assert response.content == expected
    assert response.headers["allow"] == allow
    assert_mizan_headers(response)


def assert_result(response: Response, result: Any) -> None:
    """RPC-3: 200 `{"result": ...}` with no `invalidate`/`merge` keys."""
    assert_json(response, 200, canonical({"result": result}))


class MizanClient:
    """A FastAPI test client speaking the Mizan wire protocol as one application user."""

    def __init__(self, http: TestClient, user: str | None = None) -> None:
        self.http = http
        self.user = user

    def as_user(self, user: str | None) -> MizanClient:
        return MizanClient(self.http, user)

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {USER_HEADER: self.user} if self.user is not None else {}
        headers.update(extra or {})
        return headers

    def request(self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> Response:
        return self.http.request(method, path, headers=self.headers(headers), **kwargs)

    def post(
        self,
        body: bytes | str,
        *,
        content_type: str = JSON_TYPE,
        path: str = CALL,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """POST a raw body (to `/call/` by default)."""
        all_headers = {"content-type": content_type, **(headers or {})}
        return self.request("POST", path, headers=all_headers, content=body)

    def call(self, fn: Any, args: Any = _MISSING, headers: dict[str, str] | None = None) -> Response:
        """`POST /call/` with `{"fn": fn, "args": args}` (`args` omitted when not given)."""
        payload: dict[str, Any] = {"fn": fn}
        if args is not _MISSING:
            payload["args"] = args
        return self.post(json.dumps(payload), headers=headers)

    def ctx(self, name: str, query: str = "", headers: dict[str, str] | None = None) -> Response:
        """`GET /ctx/<name>/?<query>` (query written verbatim, so order is under test)."""
        return self.request("GET", f"/api/mizan/ctx/{name}/" + (f"?{query}" if query else ""), headers=headers)

    def session(self) -> Response:
        return self.request("GET", SESSION)


def restore_registry(snapshot: dict[str, type]) -> None:
    """Make the registry exactly `snapshot` again (same names, classes and order)."""
    registry.clear_registry()
    for name, fn_class in snapshot.items():
        registry.register(fn_class, name)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts from an empty configuration (no MIZAN_* environment), the
    built-ins plus tests/fastapi/functions.py registered, fresh counters and FastAPI's
    purge hook; it leaves the registry and the core's process-wide state as it found them."""
    for name in SETTING_NAMES:
        monkeypatch.delenv("MIZAN_" + name.upper(), raising=False)
    saved = registry.get_all_functions()
    saved_hook, saved_mwt = notify.get_purge_hook(), mwt_config()
    registry.clear_registry()
    mizan_fastapi.register_builtins()
    for name, fn_class in functions.FUNCTIONS.items():
        registry.register(fn_class, name)
    functions.reset_state()
    reset_settings()
    cache.reset_cache()
    notify.set_purge_hook(purge_entry)
    try:
        yield
    finally:
        restore_registry(saved)
        reset_settings()
        cache.reset_cache()
        configure_mwt(saved_mwt)
        notify.set_purge_hook(saved_hook)


@pytest.fixture
def app() -> FastAPI:
    return make_app()


@pytest.fixture
def http(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def api(http: TestClient) -> MizanClient:
    """An anonymous client."""
    return MizanClient(http)


@pytest.fixture
def as_user(api: MizanClient) -> Callable[[str], MizanClient]:
    """`as_user(name)`: a client whose requests carry one of `USERS`."""
    return api.as_user


@pytest.fixture
def purges() -> Iterator[list[tuple[Any, ...]]]:
    """What the purge hook receives, as (context, params) (INV-11, MRG-8)."""
    seen: list[tuple[Any, ...]] = []
    notify.set_purge_hook(lambda request, context, params: seen.append((context, params)))
    yield seen
