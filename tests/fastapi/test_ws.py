"""WebSocket RPC behaviour particular to FastAPI (PROTOCOL WS-1, WS-2, FA-3), through FastAPI's
`TestClient.websocket_connect`. What both adapters share is in tests/adapters/test_ws.py and
tests/adapters/test_ws_hostile.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.authentication import AuthCredentials, AuthenticationBackend, SimpleUser
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection
from starlette.websockets import WebSocketDisconnect

import mizan_fastapi
from tests.fastapi.conftest import USER_HEADER, UserMiddleware

pytestmark = pytest.mark.capability("WebSocket RPC", "fastapi")


def text(value: Any) -> str:
    """JSON-1 text computed independently of Mizan's encoder."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def rpc(frame_id: Any, fn: str) -> str:
    return json.dumps({"action": "rpc", "id": frame_id, "fn": fn})


class HeaderBackend(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, SimpleUser] | None:
        name = conn.headers.get("x-basic-user")
        return None if name is None else (AuthCredentials(["authenticated"]), SimpleUser(name))


def test_fa3_starlette_authentication_middleware_user_on_the_socket() -> None:
    """Without `websocket.state.user`, Starlette's `scope["user"]` is the identity, as on
    HTTP; its `UnauthenticatedUser` is anonymous."""
    app = FastAPI()
    app.add_middleware(AuthenticationMiddleware, backend=HeaderBackend())
    app.include_router(mizan_fastapi.router, prefix="/api/mizan")
    with TestClient(app) as http:
        with http.websocket_connect("/api/mizan/ws/", headers={"x-basic-user": "sam"}) as ws:
            ws.send_text(rpc(1, "whoami"))
            assert ws.receive_text() == text({"id": 1, "result": {"username": "sam"}})
        with http.websocket_connect("/api/mizan/ws/") as ws:
            ws.send_text(rpc(2, "whoami"))
            assert ws.receive_text() == text(
                {"id": 2, "error": {"code": "UNAUTHORIZED", "message": "Authentication required"}}
            )


def test_ws1_the_socket_lives_under_the_routers_prefix() -> None:
    """WS-1: `<prefix>/ws/` is wherever the application mounts `mizan_fastapi.router`."""
    app = FastAPI()
    app.add_middleware(UserMiddleware)
    app.include_router(mizan_fastapi.router, prefix="/rpc/v2")
    with TestClient(app) as http:
        with http.websocket_connect("/rpc/v2/ws/", headers={USER_HEADER: "alice"}) as ws:
            ws.send_text(rpc("a", "whoami"))
            assert ws.receive_text() == text({"id": "a", "result": {"username": "alice"}})
        with pytest.raises(WebSocketDisconnect), http.websocket_connect("/api/mizan/ws/"):
            pass  # nothing is served at the default prefix


@pytest.mark.capability("WebSocket RPC", "fastapi")
def test_ws9_a_route_mutation_naming_its_tab_skips_that_tabs_socket() -> None:
    """WS-9 for `route=` views (which the both-adapter harness does not mount): the push of a
    POST with `X-Mizan-Tab` skips the socket opened with `?tab=` of that id."""
    app = FastAPI()
    app.add_middleware(UserMiddleware)
    app.include_router(mizan_fastapi.router, prefix="/api/mizan")
    app.include_router(mizan_fastapi.routes_router)
    alice = {USER_HEADER: "alice"}
    probe = json.dumps({"action": "probe", "id": "q"})
    quiet = text({"error": {"code": "BAD_REQUEST", "message": "Unknown action"}, "id": "q"})
    with TestClient(app) as http:
        with (
            http.websocket_connect("/api/mizan/ws/?tab=route-tab", headers=alice) as own_tab,
            http.websocket_connect("/api/mizan/ws/", headers=alice) as other,
        ):
            for socket in (own_tab, other):  # both have joined alice's group once they answer
                socket.send_text(probe)
                assert socket.receive_text() == quiet
            answer = http.post(
                "/profile/5/update/", headers={**alice, "X-Mizan-Tab": "route-tab"}, follow_redirects=False
            )
            assert answer.status_code == 302
            assert answer.headers["x-mizan-invalidate"] == "user;user_id=5, notifications"
            pushed = {
                "invalidate": [{"context": "user", "params": {"user_id": 5}}, "notifications"],
                "type": "invalidate",
            }
            assert other.receive_text() == text(pushed)
            for socket in (own_tab, other):
                socket.send_text(probe)
                assert socket.receive_text() == quiet
