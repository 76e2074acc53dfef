"""WebSocket RPC on FastAPI (PROTOCOL WS-1..6, CHAN-7): frames through the real endpoint
`/api/mizan/ws/` with FastAPI's `TestClient.websocket_connect`, identities from the test
application's middleware (FA-3) or an `auth` frame's MWT (WS-2).

Expected frames are built with the standard library's encoder in canonical form (JSON-1),
and compared as exact text.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

import mizan_fastapi
from mizan.core import registry
from mizan.core.tokens import MWTConfig, mint_mwt, permission_key
from mizan.core.ws import WSLimits
from mizan_fastapi import client, get_user
from tests.fastapi.conftest import USER_HEADER

WS = "/api/mizan/ws/"
SECRET = "mwt-secret-for-the-websocket-tests-0123456789"
GATE = threading.Event()  # holds `slow` calls until the test opens it
LIMITS = WSLimits()


def text(value: Any) -> str:
    """JSON-1 text computed independently of Mizan's encoder."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def error(frame_id: Any, code: str, message: str, details: dict[str, Any] | None = None) -> str:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return text({"id": frame_id, "error": body})


def bad(frame_id: Any, message: str) -> str:
    return error(frame_id, "BAD_REQUEST", message)


async def slow(request: Any, n: int) -> int:
    while not GATE.is_set():  # polled: the gate is opened from the test's thread
        await asyncio.sleep(0.002)
    return n


async def fast(request: Any, n: int) -> int:
    return n


def ws_whoami(request: Any) -> dict[str, Any]:
    user = get_user(request)
    return {"kind": user.__class__.__name__, "pk": getattr(user, "pk", None)}


EXTRA = {"slow": client(slow), "fast": client(fast), "ws_whoami": client(ws_whoami)}


@pytest.fixture(autouse=True)
def _ws_functions() -> Iterator[None]:
    """The functions above next to tests/fastapi/functions.py (the conftest restores the
    registry afterwards), the gate closed, and an MWT secret for `auth` frames."""
    for name, fn_class in EXTRA.items():
        registry.register(fn_class, name)
    mizan_fastapi.configure(mwt_secret=SECRET)
    GATE.clear()
    yield
    GATE.set()  # nothing stays parked on the gate


def connect(http: TestClient, user: str | None = None) -> Any:
    return http.websocket_connect(WS, headers={USER_HEADER: user} if user else {})


def rpc(frame_id: Any, fn: str, args: Any = None) -> str:
    frame: dict[str, Any] = {"action": "rpc", "id": frame_id, "fn": fn}
    if args is not None:
        frame["args"] = args
    return json.dumps(frame)


def ask(ws: WebSocketTestSession, frame: str) -> str:
    ws.send_text(frame)
    return ws.receive_text()


def token_for(pk: str, staff: bool = False) -> str:
    return mint_mwt(
        MWTConfig(secret=SECRET), pk, pkey=permission_key((), staff, False), is_staff=staff, is_superuser=False
    )


# --- WS-3/4: dispatch as /call/ -----------------------------------------------------------------


def test_ws4_result_frame(http: TestClient) -> None:
    with connect(http) as ws:
        assert ask(ws, rpc("a", "echo", {"text": "héllo"})) == text({"id": "a", "result": {"message": "echo: héllo"}})
        assert ask(ws, rpc(7, "nothing")) == text({"id": 7, "result": None})


def test_ws4_invalidate_and_merge_travel_in_the_reply(http: TestClient, purges: list[Any]) -> None:
    with connect(http) as ws:
        assert ask(ws, rpc(1, "update_profile", {"user_id": "5", "name": "A"})) == text(
            {"id": 1, "invalidate": [{"context": "user", "params": {"user_id": 5}}], "result": {"ok": True}}
        )
        item = {"id": 42, "name": "renamed"}
        merge = [{"context": "item", "params": {"item_id": 42}, "slot": "item_detail", "value": item}]
        assert ask(ws, rpc(2, "rename_item", {"item_id": "42", "name": "renamed"})) == text(
            {"id": 2, "merge": merge, "result": item}
        )
    assert purges == [("user", {"user_id": 5}), ("item", {"item_id": 42})]  # §6.6 as on /call/


def test_ws4_validation_error_frame(http: TestClient) -> None:
    with connect(http) as ws:
        assert ask(ws, rpc("v", "echo", {})) == error(
            "v", "VALIDATION_ERROR", "Input validation failed", {"fields": {"text": ["Field required"]}}
        )


def test_ws4_unknown_function_and_private_function(http: TestClient) -> None:
    with connect(http) as ws:
        assert ask(ws, rpc(1, "no_such_fn")) == error(1, "NOT_FOUND", "Function not found", {"function": "no_such_fn"})
        assert ask(ws, rpc(2, "internal_job")) == error(2, "FORBIDDEN", "Function is not client-callable")


def test_ws4_guards_answer_401_and_403(http: TestClient) -> None:
    with connect(http) as ws:
        assert ask(ws, rpc(1, "whoami")) == error(1, "UNAUTHORIZED", "Authentication required")
    with connect(http, "alice") as ws:
        assert ask(ws, rpc(1, "whoami")) == text({"id": 1, "result": {"username": "alice"}})
        assert ask(ws, rpc(2, "staff_only")) == error(2, "FORBIDDEN", "Staff access required")
    with connect(http, "staff") as ws:
        assert ask(ws, rpc(3, "staff_only")) == text({"id": 3, "result": "staff"})


def test_ws4_application_user_is_adapted_as_on_http(http: TestClient) -> None:
    """FA-3: the middleware's user reaches functions through AppUser (`pk` from `id`)."""
    with connect(http, "bob") as ws:
        assert ask(ws, rpc(1, "ws_whoami")) == text({"id": 1, "result": {"kind": "User", "pk": 2}})


def test_ws4_errors_raised_by_functions(http: TestClient) -> None:
    with connect(http) as ws:
        assert ask(ws, rpc(1, "raises_permission", {"text": "no"})) == error(1, "FORBIDDEN", "no")
        assert ask(ws, rpc(2, "raises_unexpected")) == error(2, "INTERNAL_ERROR", "Internal server error")


def test_ws4_view_path_functions_answer_501(http: TestClient) -> None:
    """A framework response has no frame: a declared view is refused before it runs, an
    undeclared one (SIG-8 at run time) has run and says so with 501."""
    view = "This function answers with an HTTP response, which a WebSocket cannot carry; call it over /call/"
    with connect(http) as ws:
        assert ask(ws, rpc(1, "view_response")) == error(1, "NOT_IMPLEMENTED", view)
        assert ask(ws, rpc(2, "sneaky_view")) == error(2, "NOT_IMPLEMENTED", view)


# --- WS-2: auth frames ---------------------------------------------------------------------------


def test_ws2_valid_token_switches_identity(http: TestClient) -> None:
    with connect(http, "alice") as ws:
        assert ask(ws, rpc(1, "ws_whoami")) == text({"id": 1, "result": {"kind": "User", "pk": 1}})
        assert ask(ws, json.dumps({"action": "auth", "id": "t", "token": token_for("9", staff=True)})) == text(
            {"id": "t", "ok": True}
        )
        assert ask(ws, rpc(2, "ws_whoami")) == text({"id": 2, "result": {"kind": "MWTUser", "pk": 9}})
        assert ask(ws, rpc(3, "staff_only")) == text({"id": 3, "result": "staff"})


def test_ws2_invalid_token_is_401_and_identity_unchanged(http: TestClient) -> None:
    with connect(http, "alice") as ws:
        for token in ("not-a-token", token_for("9")[:-2] + "xx"):
            assert ask(ws, json.dumps({"action": "auth", "id": 5, "token": token})) == error(
                5, "UNAUTHORIZED", "Invalid or expired MWT"
            )
        assert ask(ws, rpc(1, "ws_whoami")) == text({"id": 1, "result": {"kind": "User", "pk": 1}})
        assert ask(ws, json.dumps({"action": "auth", "id": 6, "token": 3})) == bad(
            6, "An auth frame needs token, a string"
        )


# --- WS-6: several calls in flight ------------------------------------------------------------


def test_ws6_replies_out_of_order_correlated_by_id(http: TestClient) -> None:
    with connect(http) as ws:
        ws.send_text(rpc("slow", "slow", {"n": 1}))
        ws.send_text(rpc("fast", "fast", {"n": 2}))
        assert ws.receive_text() == text({"id": "fast", "result": 2})
        GATE.set()
        assert ws.receive_text() == text({"id": "slow", "result": 1})


def test_chan7_in_flight_bound_answers_at_once(http: TestClient) -> None:
    bound = LIMITS.max_in_flight
    with connect(http) as ws:
        for n in range(bound):
            ws.send_text(rpc(n, "slow", {"n": n}))
        assert ask(ws, rpc("over", "fast", {"n": 0})) == error(
            "over", "BAD_REQUEST", "Too many calls in flight on this socket", {"max_in_flight": bound}
        )
        GATE.set()
        replies = sorted(json.loads(ws.receive_text())["id"] for _ in range(bound))
        assert replies == list(range(bound))
        assert ask(ws, rpc("after", "fast", {"n": 3})) == text({"id": "after", "result": 3})


# --- WS-5: malformed frames, socket stays open ------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ("not json", bad(None, "Invalid request body")),
        ('{"action":"rpc","id":1,"fn":"echo"', bad(None, "Invalid request body")),
        ("[1,2]", bad(None, "A frame must be one JSON object")),
        ('"rpc"', bad(None, "A frame must be one JSON object")),
        ('{"action":"dance","id":1}', bad(1, "Unknown action")),
        ('{"id":1}', bad(1, "Unknown action")),
        (
            '{"action":"rpc","fn":"echo"}',
            bad(None, "A frame needs an id: a string of at most 128 characters or a number"),
        ),
        (
            '{"action":"rpc","id":true,"fn":"echo"}',
            bad(None, "A frame needs an id: a string of at most 128 characters or a number"),
        ),
        (
            '{"action":"rpc","id":null,"fn":"echo"}',
            bad(None, "A frame needs an id: a string of at most 128 characters or a number"),
        ),
        (
            '{"action":"rpc","id":[1],"fn":"echo"}',
            bad(None, "A frame needs an id: a string of at most 128 characters or a number"),
        ),
        (
            '{"action":"rpc","id":9007199254740992,"fn":"echo"}',
            bad(None, "A frame needs an id: a string of at most 128 characters or a number"),
        ),
        (
            json.dumps({"action": "rpc", "id": "x" * 129, "fn": "echo"}),
            bad(None, "A frame needs an id: a string of at most 128 characters or a number"),
        ),
        ('{"action":"rpc","id":1e999,"fn":"echo"}', bad(None, "Invalid request body")),
        ('{"action":"rpc","id":2,"fn":5}', bad(2, "An rpc frame needs fn, a non-empty string")),
        ('{"action":"rpc","id":2,"fn":""}', bad(2, "An rpc frame needs fn, a non-empty string")),
        ('{"action":"rpc","id":3,"fn":"echo","args":[1]}', bad(3, "args must be an object")),
        ('{"action":"rpc","id":3,"fn":"echo","args":"x"}', bad(3, "args must be an object")),
        (
            '{"action":"subscribe","id":4,"channel":"c","params":{}}',
            error(4, "NOT_FOUND", "Channel not found", {"channel": "c"}),
        ),
    ],
)
def test_ws5_malformed_frames_answered_and_socket_stays_open(http: TestClient, frame: str, expected: str) -> None:
    with connect(http) as ws:
        assert ask(ws, frame) == expected
        assert ask(ws, rpc("next", "fast", {"n": 1})) == text({"id": "next", "result": 1})


def test_ws5_frame_over_the_size_limit(http: TestClient) -> None:
    limit = LIMITS.max_frame_bytes
    with connect(http) as ws:
        head = '{"action":"rpc","id":1,"fn":"echo","args":{"text":"'
        fits = head + "a" * (limit - len(head) - 3) + '"}}'
        assert len(fits.encode()) == limit
        assert ask(ws, fits) == text({"id": 1, "result": {"message": "echo: " + "a" * (limit - len(head) - 3)}})
        over = head + "é" * ((limit - len(head)) // 2) + '"}}'  # fewer characters than bytes
        assert len(over) <= limit < len(over.encode())
        assert ask(ws, over) == bad(None, "Invalid request body")
        assert ask(ws, "x" * (limit + 1)) == bad(None, "Invalid request body")
        assert ask(ws, rpc("next", "fast", {"n": 1})) == text({"id": "next", "result": 1})


def test_ws1_binary_frames_are_bad_requests(http: TestClient) -> None:
    with connect(http) as ws:
        ws.send_bytes(rpc(1, "fast", {"n": 1}).encode())
        assert ws.receive_text() == bad(None, "Frames must be text")
        assert ask(ws, rpc(2, "fast", {"n": 2})) == text({"id": 2, "result": 2})
