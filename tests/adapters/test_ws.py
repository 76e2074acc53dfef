"""WebSocket RPC on both adapters (PROTOCOL WS-1..6, WS-10, CHAN-7): frames through the real
endpoint `<prefix>/ws/`, identities from the application (WS-2, FA-3) or an `auth` frame's
MWT. Expected frames are built with the standard library's encoder in canonical form
(JSON-1) and compared as exact text.

Django-only behaviour (session-cookie identity, the cross-site Origin refusal, lazy
imports) is in tests/django/test_ws.py; malformed and hostile frames in test_ws_hostile.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mizan.core import notify
from mizan.core.tokens import MWTConfig, mint_mwt, permission_key
from mizan.core.ws import WSLimits
from tests.adapters import ws_functions
from tests.adapters.conftest import API, Adapter
from tests.adapters.conftest import frame_text as text

pytestmark = pytest.mark.capability("WebSocket RPC", "django", "fastapi")

SECRET = "mwt-secret-for-the-shared-websocket-tests-01"
DEFAULTS = WSLimits()
VIEW = "This function answers with an HTTP response, which a WebSocket cannot carry; call it over /call/"


def error(frame_id: Any, code: str, message: str, details: dict[str, Any] | None = None) -> str:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return text({"id": frame_id, "error": body})


def token_for(pk: str, staff: bool = False) -> str:
    config = MWTConfig(secret=SECRET)
    return mint_mwt(config, pk, pkey=permission_key((), staff, False), is_staff=staff, is_superuser=False)


@pytest.fixture(autouse=True)
def ws(adapter: Adapter, register: Callable[..., None]) -> Iterator[Adapter]:
    """The adapter with the WebSocket functions registered, an MWT secret for `auth`
    frames, and the `slow` gate closed (opened again afterwards: nothing stays parked)."""
    register(**ws_functions.functions(adapter.name))
    adapter.configure(MIZAN_MWT_SECRET=SECRET)
    ws_functions.GATE.clear()
    yield adapter
    ws_functions.GATE.set()


# --- WS-3/4: dispatch exactly as /call/ ----------------------------------------------------------


def test_ws4_result_frames(ws: Adapter) -> None:
    with ws.websocket() as socket:
        assert socket.rpc("a", "ws_echo", {"text": "héllo"}) == text({"id": "a", "result": {"message": "echo: héllo"}})
        assert socket.rpc(7, "ws_nothing") == text({"id": 7, "result": None})
        assert socket.rpc(8, "ws_nothing", None) == text({"id": 8, "result": None})  # RPC-1: absent args is {}
        assert socket.ask({"action": "rpc", "id": 9, "fn": "ws_nothing", "args": None}) == text(
            {"id": 9, "result": None}
        )
        assert socket.rpc(1.5, "ws_fast", {"n": 3}) == text({"id": 1.5, "result": 3})


def test_ws4_invalidate_and_merge_travel_in_the_reply_as_on_call(ws: Adapter) -> None:
    emitted: list[tuple[Any, ...]] = []
    listener = notify.on_invalidate(lambda context, params, function, source: emitted.append((context, params)))
    try:
        with ws.websocket() as socket:
            reply = socket.rpc(1, "ws_update_profile", {"user_id": "5", "name": "A"})
            renamed = socket.rpc(2, "ws_rename_item", {"item_id": "42", "name": "renamed"})
    finally:
        notify.remove_listener(listener)
    http = ws.call("ws_update_profile", {"user_id": "5", "name": "A"}).json()
    assert reply == text({"id": 1, **http})
    assert http == {"invalidate": [{"context": "ws_profile", "params": {"user_id": 5}}], "result": {"ok": True}}
    merged = {"id": 42, "name": "renamed"}
    merge = [{"context": "ws_items", "params": {"item_id": 42}, "slot": "ws_item", "value": merged}]
    assert renamed == text({"id": 2, "merge": merge, "result": merged})
    assert emitted[0] == ("ws_profile", {"user_id": 5})  # the socket's call emitted as HTTP's does


def test_ws4_a_mutation_over_the_socket_purges_the_origin_cache(ws: Adapter) -> None:
    """§6.6 as on /call/: the entry the mutation invalidates is gone before its reply."""
    ws.configure(MIZAN_CACHE_SECRET="ws-origin-cache-secret-0123456789", MIZAN_CACHE_REDIS_URL="memory://")
    assert [ws.ctx("ws_profile", "user_id=5").headers["x-mizan-cache"] for _ in range(2)] == ["MISS", "HIT"]
    with ws.websocket() as socket:
        assert json.loads(socket.rpc(1, "ws_update_profile", {"user_id": 5, "name": "A"}))["result"] == {"ok": True}
    assert [ws.ctx("ws_profile", "user_id=5").headers["x-mizan-cache"] for _ in range(2)] == ["MISS", "HIT"]


def test_ws4_validation_error_frame(ws: Adapter) -> None:
    with ws.websocket() as socket:
        assert socket.rpc("v", "ws_echo", {}) == error(
            "v", "VALIDATION_ERROR", "Input validation failed", {"fields": {"text": ["Field required"]}}
        )
        assert socket.rpc("w", "ws_fast", {"n": "x"}) == error(
            "w",
            "VALIDATION_ERROR",
            "Input validation failed",
            {"fields": {"n": ["Input should be a valid integer, unable to parse string as an integer"]}},
        )


def test_ws4_unknown_and_private_functions(ws: Adapter) -> None:
    with ws.websocket() as socket:
        assert socket.rpc(1, "no_such_fn") == error(1, "NOT_FOUND", "Function not found", {"function": "no_such_fn"})
        assert socket.rpc(2, "ws_internal_job") == error(2, "FORBIDDEN", "Function is not client-callable")


def test_ws4_errors_raised_by_functions(ws: Adapter) -> None:
    with ws.websocket() as socket:
        assert socket.rpc(1, "ws_refuses", {"text": "no"}) == error(1, "FORBIDDEN", "no")
        reply = socket.rpc(2, "ws_explodes")
        assert reply == error(2, "INTERNAL_ERROR", "Internal server error")
        assert ws_functions.FUNCTION_ERROR not in reply  # ERR-5: the text is logged, never sent
        assert socket.rpc(3, "ws_nothing") == text({"id": 3, "result": None})


def test_ws4_view_path_functions_answer_501(ws: Adapter) -> None:
    """A framework response has no frame: a declared view is refused before it runs, an
    undeclared one (SIG-8 at run time) has run and says so with 501."""
    with ws.websocket() as socket:
        assert socket.rpc(1, "ws_view_response") == error(1, "NOT_IMPLEMENTED", VIEW)
        assert socket.rpc(2, "ws_sneaky_view") == error(2, "NOT_IMPLEMENTED", VIEW)


def test_ws10_upload_parameters_are_not_supported(ws: Adapter) -> None:
    """WS-10: a JSON value is never an Upload: the call fails validation as JSON /call/ does."""
    with ws.websocket() as socket:
        assert socket.rpc(1, "ws_attach", {"file": "notes.txt"}) == error(
            1,
            "VALIDATION_ERROR",
            "Input validation failed",
            {"fields": {"file": ["Input should be an instance of Upload"]}},
        )


# --- WS-2: identity -------------------------------------------------------------------------------


def test_ws2_guards_see_the_applications_user(ws: Adapter) -> None:
    with ws.websocket() as socket:
        assert socket.rpc(1, "ws_whoami_required") == error(1, "UNAUTHORIZED", "Authentication required")
        assert socket.rpc(2, "ws_whoami") == text({"id": 2, "result": "anonymous"})
    with ws.websocket(identity="alice") as socket:
        assert socket.rpc(1, "ws_whoami_required") == text({"id": 1, "result": "account:alice"})
        assert socket.rpc(2, "ws_staff_only") == error(2, "FORBIDDEN", "Staff access required")
    with ws.websocket(identity="carol-staff") as socket:
        assert socket.rpc(3, "ws_staff_only") == text({"id": 3, "result": "account:carol"})


@pytest.mark.parametrize("identity", ["ann-claims", "member-7", "anonymous-claims"])
def test_ws2_identity_seen_as_on_http(ws: Adapter, identity: str) -> None:
    """FA-3: whatever shape the application's user has, a call over the socket sees it as
    the same call over /call/ does."""
    over_http = ws.call("ws_whoami", identity=identity).json()["result"]
    with ws.websocket(identity=identity) as socket:
        assert socket.rpc(1, "ws_whoami") == text({"id": 1, "result": over_http})


def test_ws2_valid_token_switches_identity(ws: Adapter) -> None:
    """The token user is the one `/call/` sees for the same `X-Mizan-Token` (AUTH-5)."""
    token = token_for("9", staff=True)
    body = b'{"fn":"ws_staff_only"}'
    headers = {"X-Mizan-Token": token, "Content-Type": "application/json"}
    token_user = ws.request("POST", f"{API}/call/", body, headers=headers).json()["result"]
    assert token_user.endswith(":9")
    with ws.websocket(identity="alice") as socket:
        assert socket.rpc(1, "ws_whoami") == text({"id": 1, "result": "account:alice"})
        assert socket.ask({"action": "auth", "id": "t", "token": token}) == text({"id": "t", "ok": True})
        assert socket.rpc(2, "ws_staff_only") == text({"id": 2, "result": token_user})


def test_ws2_invalid_token_is_401_and_identity_unchanged(ws: Adapter) -> None:
    with ws.websocket(identity="alice") as socket:
        for token in ("not-a-token", token_for("9")[:-2] + "xx", token_for("9")[:-40]):
            assert socket.ask({"action": "auth", "id": 5, "token": token}) == error(
                5, "UNAUTHORIZED", "Invalid or expired MWT"
            )
            assert socket.rpc(1, "ws_whoami") == text({"id": 1, "result": "account:alice"})
        assert socket.ask({"action": "auth", "id": 6, "token": 3}) == error(
            6, "BAD_REQUEST", "An auth frame needs token, a string"
        )


# --- WS-6, CHAN-7: several calls in flight --------------------------------------------------------


def test_ws6_replies_out_of_order_correlated_by_id(ws: Adapter) -> None:
    with ws.websocket() as socket:
        socket.send_json({"action": "rpc", "id": "ws_slow", "fn": "ws_slow", "args": {"n": 1}})
        assert socket.rpc("ws_fast", "ws_fast", {"n": 2}) == text({"id": "ws_fast", "result": 2})
        ws_functions.GATE.set()
        assert socket.receive_text() == text({"id": "ws_slow", "result": 1})


def test_chan7_in_flight_bound_answers_at_once(ws: Adapter) -> None:
    limit = DEFAULTS.max_in_flight
    with ws.websocket() as socket:
        for n in range(limit):
            socket.send_json({"action": "rpc", "id": n, "fn": "ws_slow", "args": {"n": n}})
        assert socket.rpc("over", "ws_fast", {"n": 0}) == error(
            "over", "BAD_REQUEST", "Too many calls in flight on this socket", {"max_in_flight": limit}
        )
        ws_functions.GATE.set()
        assert sorted(socket.receive_json()["id"] for _ in range(limit)) == list(range(limit))
        assert socket.rpc("after", "ws_fast", {"n": 3}) == text({"id": "after", "result": 3})
