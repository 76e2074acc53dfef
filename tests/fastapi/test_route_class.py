"""`MizanRoute`: Mizan's endpoints are FastAPI routes that skip FastAPI's request handler
only where it would have nothing to do (PROTOCOL FA-1, FA-3, ERR-8).

Dependencies given to `include_router` or to the application run on every inclusion that
has them; an inclusion without any serves the endpoint directly. The endpoints read the
ASGI scope and messages themselves, so these tests also drive the application at the ASGI
level: bodies in several messages, a body a dependency read first, a repeated header.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import fastapi.routing
import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient

import mizan_fastapi
from mizan_fastapi.router import MizanRoute
from tests.fastapi.conftest import CALL, MizanClient, assert_error, assert_result

BODY = b'{"fn":"echo","args":{"text":"hi"}}'


def asgi_post(app: FastAPI, messages: list[dict[str, Any]], headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    """POST `/call/` with the body delivered as the given ASGI messages."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": CALL,
        "raw_path": CALL.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    pending = list(messages)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def mizan_app(**include: Any) -> FastAPI:
    app = FastAPI()
    app.include_router(mizan_fastapi.router, prefix="/api/mizan", **include)
    app.include_router(mizan_fastapi.routes_router, **include)
    return app


def test_fa1_every_mizan_route_is_a_mizan_route() -> None:
    """Every HTTP route; the one WebSocket route (WS-1) is FastAPI's own kind."""
    routes = [*mizan_fastapi.router.routes, *mizan_fastapi.routes_router.routes]
    sockets = [route for route in routes if isinstance(route, fastapi.routing.APIWebSocketRoute)]
    assert [route.path for route in sockets] == ["/ws/"]
    http = [route for route in routes if route not in sockets]
    assert http and all(isinstance(route, MizanRoute) for route in http)


def test_fa3_inclusion_dependencies_run_on_each_inclusion_that_has_them() -> None:
    """The same router included twice: only the inclusion given a dependency runs it."""
    ran: list[str] = []

    def tenant(request: Request) -> None:
        ran.append(request.url.path)

    plain = MizanClient(TestClient(mizan_app()))
    guarded = MizanClient(TestClient(mizan_app(dependencies=[Depends(tenant)])))
    assert_result(plain.call("echo", {"text": "a"}), {"message": "echo: a"})
    assert ran == []
    assert_result(guarded.call("echo", {"text": "b"}), {"message": "echo: b"})
    assert guarded.http.get("/plain/x/").status_code == 200
    assert ran == [CALL, "/plain/x/"]


def test_fa3_application_dependencies_run_on_mizan_routes() -> None:
    ran: list[int] = []
    app = FastAPI(dependencies=[Depends(lambda: ran.append(1))])
    app.include_router(mizan_fastapi.router, prefix="/api/mizan")
    assert_result(MizanClient(TestClient(app)).call("echo", {"text": "c"}), {"message": "echo: c"})
    assert ran == [1]


@pytest.mark.parametrize(("include", "solved"), [({}, 0), ({"dependencies": [Depends(lambda: None)]}, 1)])
def test_fa1_fastapi_solves_dependencies_only_where_there_are_some(
    monkeypatch: pytest.MonkeyPatch, include: dict[str, Any], solved: int
) -> None:
    """Without dependencies the endpoint is the route's handler (no work per request for
    FastAPI's dependency solver); with one, FastAPI's handler solves it."""
    calls: list[int] = []
    solve: Callable[..., Any] = fastapi.routing.solve_dependencies

    async def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return await solve(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counting)
    assert_result(MizanClient(TestClient(mizan_app(**include))).call("echo", {"text": "d"}), {"message": "echo: d"})
    assert len(calls) == solved


def test_err8_body_read_by_a_dependency_first_is_still_the_body() -> None:
    seen: list[bytes] = []

    async def audit(request: Request) -> None:
        seen.append(await request.body())

    status, content = asgi_post(
        mizan_app(dependencies=[Depends(audit)]),
        [{"type": "http.request", "body": BODY, "more_body": False}],
        [(b"content-length", str(len(BODY)).encode())],
    )
    assert (status, content, seen) == (200, b'{"result":{"message":"echo: hi"}}', [BODY])


@pytest.mark.parametrize("include", [{}, {"dependencies": [Depends(lambda: None)]}])
def test_err8_body_in_several_messages(include: dict[str, Any]) -> None:
    parts = [BODY[:7], b"", BODY[7:20], BODY[20:]]
    messages = [{"type": "http.request", "body": part, "more_body": index < 3} for index, part in enumerate(parts)]
    status, content = asgi_post(mizan_app(**include), messages, [])
    assert (status, content) == (200, b'{"result":{"message":"echo: hi"}}')


def test_err8_client_gone_before_the_body_ends_is_400() -> None:
    messages = [{"type": "http.request", "body": BODY[:7], "more_body": True}, {"type": "http.disconnect"}]
    status, content = asgi_post(mizan_app(), messages, [])
    assert (status, content) == (400, b'{"error":{"code":"BAD_REQUEST","message":"Invalid request body"}}')


def test_err8_over_the_limit_across_messages_is_400() -> None:
    mizan_fastapi.configure(max_body_bytes=len(BODY) - 1)
    messages = [
        {"type": "http.request", "body": part, "more_body": more}
        for part, more in ((BODY[:9], True), (BODY[9:], False))
    ]
    assert asgi_post(mizan_app(), messages, [])[0] == 400


def test_auth4_the_first_token_header_counts(api: MizanClient) -> None:
    """As Starlette's `Headers.get`: with two `X-Mizan-Token` headers, the first is read."""
    response = api.http.post(
        CALL,
        content=BODY,
        headers=[("content-type", "application/json"), ("x-mizan-token", "bad"), ("x-mizan-token", "")],
    )
    assert_error(response, 401, "UNAUTHORIZED", "Invalid or expired MWT")
