"""Hostile frames on both adapters (PROTOCOL WS-3, WS-5, CHAN-7, ERR-8): whatever a client
sends, the answer is a `BAD_REQUEST` frame (or the call's own error), never a crash, a hang
or an `INTERNAL_ERROR`, and the socket still answers a normal call afterwards.

Expected frames are built with the standard library's encoder in canonical form (JSON-1).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, Final

import pytest

from mizan.core.ws import WSLimits
from tests.adapters import ws_functions
from tests.adapters.conftest import Adapter, Socket
from tests.adapters.conftest import frame_text as text
from tests.adapters.ws_channels import News, register_channels, subscribe

pytestmark = pytest.mark.capability("WebSocket RPC", "django", "fastapi")

DEFAULTS: Final = WSLimits()
NOT_JSON: Final = "Invalid request body"
NOT_OBJECT: Final = "A frame must be one JSON object"
BAD_ID: Final = "A frame needs an id: a string of at most 128 characters or a number"
BAD_ACTION: Final = "Unknown action"
BAD_FN: Final = "An rpc frame needs fn, a non-empty string"
BAD_ARGS: Final = "args must be an object"
BAD_TOKEN: Final = "An auth frame needs token, a string"
IN_FLIGHT: Final = "Too many calls in flight on this socket"


def bad(frame_id: Any, message: str) -> str:
    return text({"id": frame_id, "error": {"code": "BAD_REQUEST", "message": message}})


@pytest.fixture
def ws(adapter: Adapter, register: Callable[..., None]) -> Iterator[Adapter]:
    register(**ws_functions.functions(adapter.name))
    ws_functions.GATE.clear()
    yield adapter
    ws_functions.GATE.set()


def still_serves(socket: Socket) -> None:
    """The socket answers a normal call, and nothing else was left waiting before it."""
    assert socket.rpc("next", "ws_fast", {"n": 1}) == text({"id": "next", "result": 1})
    socket.expect_quiet()


def rpc(frame_id: Any, fn: Any = "ws_fast", args: Any = None, **extra: Any) -> str:
    frame = {"action": "rpc", "id": frame_id, "fn": fn, "args": {"n": 1} if args is None else args, **extra}
    return json.dumps(frame)


# --- not JSON, not an object, not UTF-8 (WS-5, ERR-8) ----------------------------------------


@pytest.mark.parametrize(
    "frame",
    [
        "",
        " ",
        "not json",
        "{",
        '{"action":"rpc","id":1,"fn":"ws_fast"',
        '{"action":"rpc","id":1,}',
        "{'action':'rpc'}",
        '{"action":"rpc","id":1,"fn":"ws_fast","args":{"n":NaN}}',
        '{"action":"rpc","id":1,"fn":"ws_fast","args":{"n":Infinity}}',
        '{"action":"rpc","id":1,"fn":"ws_fast","args":{"n":-Infinity}}',
        '{"action":"rpc","id":1,"fn":"ws_fast","args":{"n":1e999}}',
        '{"action":"rpc","id":1,"fn":"ws_fast","args":{"n":9223372036854775808}}',
        '{"action":"rpc","id":1,"fn":"ws_fast","args":{"n":-9223372036854775809}}',
        '{"action":"rpc","id":1,"fn":"ws_fast","fn":"ws_echo","args":{"n":1}}',  # duplicate key
        '{"action":"rpc","id":1,"fn":"ws_fast","args":{"n":1}} {}',  # two values
        '{"action":"rpc","id":1,"fn":"ws_fast","args":{"n":"\\ud800"}}',  # lone surrogate escape
        '{"action":"rpc","id":1,"fn":"ws_fast","args":{"n":"\ud800"}}',  # lone surrogate character
        '{"action":"rpc","id":1,"fn":"ws_fast","args":' + "[" * 65 + "]" * 65 + "}",  # deeper than 64
        "\x00",
        "\ufeff{}",
    ],
    ids=lambda frame: repr(frame[:40]),
)
def test_ws5_not_json(ws: Adapter, frame: str) -> None:
    with ws.websocket() as socket:
        assert socket.ask(frame) == bad(None, NOT_JSON)
        still_serves(socket)


@pytest.mark.parametrize("frame", ["[]", "[1,2]", '"rpc"', "1", "-0.5", "null", "true", "false", '[{"action":"rpc"}]'])
def test_ws5_json_that_is_not_an_object(ws: Adapter, frame: str) -> None:
    with ws.websocket() as socket:
        assert socket.ask(frame) == bad(None, NOT_OBJECT)
        still_serves(socket)


def test_ws5_nesting_up_to_the_limit_is_read(ws: Adapter) -> None:
    """64 levels parse (ERR-8's limit): the call then fails validation, not the frame."""
    with ws.websocket() as socket:
        frame = '{"action":"rpc","id":1,"fn":"ws_fast","args":{"n":' + "[" * 62 + "]" * 62 + "}}"
        reply = json.loads(socket.ask(frame))
        assert (reply["id"], reply["error"]["code"]) == (1, "VALIDATION_ERROR")
        still_serves(socket)


# --- ids (WS-3) --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "frame_id",
    [
        "",
        "x" * 128,
        "é" * 128,  # characters, not bytes
        0,
        -1,
        2**53 - 1,
        -(2**53 - 1),
        1.5,
        -0.25,
        1e300,
        2.0**60,  # a float: what a JavaScript client reads back is what it sent
    ],
    ids=repr,
)
def test_ws3_ids_echoed_exactly(ws: Adapter, frame_id: Any) -> None:
    with ws.websocket() as socket:
        reply = json.loads(socket.ask(rpc(frame_id)))
        assert reply == {"id": frame_id, "result": 1}
        assert type(reply["id"]) is type(frame_id)
        still_serves(socket)


@pytest.mark.parametrize(
    "frame_id",
    [True, False, None, [], [1], {}, {"id": 1}, "x" * 129, "é" * 129, "x" * 60_000, 2**53, -(2**53), 2**63 - 1, 2**64],
    ids=lambda value: repr(value)[:30],
)
def test_ws3_unreadable_ids_answered_with_null(ws: Adapter, frame_id: Any) -> None:
    with ws.websocket() as socket:
        frame = rpc(frame_id)
        expected = bad(None, NOT_JSON if frame_id == 2**64 else BAD_ID)  # past int64: ERR-8
        assert socket.ask(frame) == expected
        still_serves(socket)


def test_ws3_missing_id(ws: Adapter) -> None:
    with ws.websocket() as socket:
        assert socket.ask('{"action":"rpc","fn":"ws_fast","args":{"n":1}}') == bad(None, BAD_ID)
        assert socket.ask("{}") == bad(None, BAD_ID)
        still_serves(socket)


# --- every field of every frame, of the wrong type --------------------------------------------

WRONG: Final = [None, True, 0, 1.5, "", [], ["ws_fast"], {}, {"fn": "ws_fast"}]


@pytest.mark.parametrize(
    "action", [value for value in WRONG if value != ""] + ["RPC", "Rpc", " rpc", "rpc\x00", "x" * 10_000]
)
def test_ws5_unknown_actions(ws: Adapter, action: Any) -> None:
    with ws.websocket() as socket:
        assert socket.ask(json.dumps({"action": action, "id": 3, "fn": "ws_fast", "args": {"n": 1}})) == bad(
            3, BAD_ACTION
        )
        assert socket.ask(json.dumps({"id": 4})) == bad(4, BAD_ACTION)
        still_serves(socket)


@pytest.mark.parametrize(
    "fn", [*WRONG, "x" * 10_000, "ws fast", "../ws_fast", "ws_fast\x00"], ids=lambda v: repr(v)[:30]
)
def test_ws5_bad_fn(ws: Adapter, fn: Any) -> None:
    """Not a non-empty string: a malformed frame. A string no function has: what `/call/`
    answers for it (NOT_FOUND), with the frame's id."""
    with ws.websocket() as socket:
        reply = socket.ask(rpc(5, fn))
        if isinstance(fn, str) and fn:
            over_http = ws.call(fn, {"n": 1})
            assert over_http.status == 404
            assert reply == text({"id": 5, **over_http.json()})
        else:
            assert reply == bad(5, BAD_FN)
        still_serves(socket)


def test_ws5_missing_fn(ws: Adapter) -> None:
    with ws.websocket() as socket:
        assert socket.ask('{"action":"rpc","id":6}') == bad(6, BAD_FN)
        still_serves(socket)


@pytest.mark.parametrize("args", [True, 0, 1.5, "", "x", [], [1], [{"n": 1}]], ids=repr)
def test_ws5_bad_args(ws: Adapter, args: Any) -> None:
    with ws.websocket() as socket:
        assert socket.ask(rpc(7, args=args)) == bad(7, BAD_ARGS)
        still_serves(socket)


@pytest.mark.parametrize(
    "args",
    [{"n": None}, {"n": "x"}, {"n": []}, {"n": {}}, {"n": 1.5}, {"n": "1e3"}, {"m": 1}, {"n": "9" * 5000}],
    ids=lambda v: repr(v)[:30],
)
def test_ws4_bad_argument_values_are_validation_errors(ws: Adapter, args: Any) -> None:
    with ws.websocket() as socket:
        reply = json.loads(socket.ask(rpc(8, args=args)))
        assert (reply["id"], reply["error"]["code"]) == (8, "VALIDATION_ERROR"), reply
        still_serves(socket)


@pytest.mark.parametrize("token", [None, 0, True, [], {}, ["a.b.c"]], ids=repr)
def test_ws2_bad_token_fields(ws: Adapter, token: Any) -> None:
    with ws.websocket() as socket:
        assert socket.ask(json.dumps({"action": "auth", "id": 9, "token": token})) == bad(9, BAD_TOKEN)
        assert socket.ask('{"action":"auth","id":10}') == bad(10, BAD_TOKEN)
        still_serves(socket)


@pytest.mark.parametrize("token", ["", "x" * 60_000, "a.b.c", "...", "é.é.é", "\x00"], ids=lambda v: repr(v)[:20])
def test_ws2_garbage_tokens_are_401(ws: Adapter, token: str) -> None:
    with ws.websocket() as socket:
        reply = socket.ask(json.dumps({"action": "auth", "id": 11, "token": token}))
        assert reply == text({"id": 11, "error": {"code": "UNAUTHORIZED", "message": "Invalid or expired MWT"}})
        still_serves(socket)


# --- size and binary frames (CHAN-7, WS-1) -----------------------------------------------------


def test_chan7_frames_over_the_size_limit(ws: Adapter) -> None:
    limit = DEFAULTS.max_frame_bytes
    with ws.websocket() as socket:
        head = '{"action":"rpc","id":1,"fn":"ws_echo","args":{"text":"'
        fits = head + "a" * (limit - len(head) - 3) + '"}}'
        assert len(fits.encode()) == limit
        assert socket.ask(fits) == text({"id": 1, "result": {"message": "echo: " + "a" * (limit - len(head) - 3)}})
        over = head + "é" * ((limit - len(head)) // 2) + '"}}'  # fewer characters than bytes
        assert len(over) <= limit < len(over.encode())
        assert socket.ask(over) == bad(None, NOT_JSON)
        assert socket.ask("x" * (limit + 1)) == bad(None, NOT_JSON)
        assert socket.ask(rpc(2, args={"n": 1, "pad": "p" * (4 * limit)})) == bad(None, NOT_JSON)
        assert socket.ask("[" * (limit + 1)) == bad(None, NOT_JSON)
        still_serves(socket)


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00", b"\xff\xfe", rpc(1).encode(), b"x" * (DEFAULTS.max_frame_bytes * 2)],
    ids=lambda v: repr(v)[:20],
)
def test_ws1_binary_frames_are_bad_requests(ws: Adapter, data: bytes) -> None:
    with ws.websocket() as socket:
        socket.send_bytes(data)
        assert socket.receive_text() == bad(None, "Frames must be text")
        still_serves(socket)


# --- floods (WS-6, CHAN-7) ---------------------------------------------------------------------


def test_chan7_a_flood_of_slow_calls_is_bounded(ws: Adapter) -> None:
    """1,000 calls that cannot finish: `max_in_flight` of them run, every other one is
    refused at once; once they may finish, each runs to its reply and nothing is lost."""
    count, bound = 1000, DEFAULTS.max_in_flight
    with ws.websocket() as socket:
        for n in range(count):
            socket.send_text(rpc(n, "ws_slow", {"n": n}))
        refused = [socket.receive_text() for _ in range(count - bound)]
        assert refused == [bad_in_flight(n) for n in range(bound, count)]
        socket.expect_quiet()
        ws_functions.GATE.set()
        assert sorted(socket.receive_json()["id"] for _ in range(bound)) == list(range(bound))
        still_serves(socket)


def bad_in_flight(frame_id: int) -> str:
    error = {"code": "BAD_REQUEST", "message": IN_FLIGHT, "details": {"max_in_flight": DEFAULTS.max_in_flight}}
    return text({"id": frame_id, "error": error})


def test_chan7_a_flood_of_fast_calls_gets_one_reply_each(ws: Adapter) -> None:
    """2,000 quick calls sent without reading: each gets exactly one reply, its result or
    the in-flight refusal (how many overlap depends on scheduling), and nothing else."""
    count = 2000
    with ws.websocket() as socket:
        for n in range(count):
            socket.send_text(rpc(n, "ws_fast", {"n": n}))
        replies = [socket.receive_json() for _ in range(count)]
        assert sorted(reply["id"] for reply in replies) == list(range(count))
        for reply in replies:
            assert reply in ({"id": reply["id"], "result": reply["id"]}, json.loads(bad_in_flight(reply["id"])))
        still_serves(socket)


def test_ws5_a_flood_of_malformed_frames(ws: Adapter) -> None:
    """2,000 malformed frames of five kinds, answered in order, one each."""
    kinds = ["nope", "[]", '{"id":1}', '{"action":"rpc","id":2,"fn":5}', '{"action":"rpc","id":3,"fn":"f","args":1}']
    expected = [
        bad(None, NOT_JSON),
        bad(None, NOT_OBJECT),
        bad(1, BAD_ACTION),
        bad(2, BAD_FN),
        bad(3, BAD_ARGS),
    ]
    count = 2000
    with ws.websocket() as socket:
        for n in range(count):
            socket.send_text(kinds[n % len(kinds)])
        for n in range(count):
            assert socket.receive_text() == expected[n % len(kinds)]
        still_serves(socket)


# --- channel frames (CHAN-3, CHAN-7) -------------------------------------------------------------

CHANNEL_HOSTILE: Final = pytest.mark.capability("Channels", "django", "fastapi")


@pytest.fixture
def channels(ws: Adapter) -> Adapter:
    register_channels()
    return ws


def not_found(frame_id: Any, channel: Any) -> str:
    details = {"channel": channel if isinstance(channel, str) else None}
    return text({"id": frame_id, "error": {"code": "NOT_FOUND", "message": "Channel not found", "details": details}})


@CHANNEL_HOSTILE
@pytest.mark.parametrize("action", ["subscribe", "unsubscribe", "send"])
@pytest.mark.parametrize("channel", [*WRONG, "NEWS", "news\x00", "x" * 10_000], ids=lambda v: repr(v)[:20])
def test_chan3_channels_that_are_no_channel(channels: Adapter, action: str, channel: Any) -> None:
    with channels.websocket() as socket:
        frame = {"action": action, "id": 1, "channel": channel, "params": {"topic": "a"}, "message": {"text": "x"}}
        assert socket.ask(frame) == not_found(1, channel)
        still_serves(socket)


@CHANNEL_HOSTILE
@pytest.mark.parametrize("params", [True, 0, 1.5, "", "topic", [], ["a"], {"topic": None}, {"topic": ["a"]}], ids=repr)
def test_chan3_params_of_the_wrong_type(channels: Adapter, params: Any) -> None:
    with channels.websocket() as socket:
        for action in ("subscribe", "send"):
            frame = {"action": action, "id": 2, "channel": "async_news", "params": params, "message": {"text": "x"}}
            reply = json.loads(socket.ask(json.dumps(frame)))
            assert (reply["id"], reply["error"]["code"]) == (2, "VALIDATION_ERROR"), reply
            assert all(field.startswith("params") for field in reply["error"]["details"]["fields"]), reply
        still_serves(socket)


@CHANNEL_HOSTILE
@pytest.mark.parametrize("message", [None, True, 0, "", "text", [], [{"text": "x"}], {}, {"text": None}], ids=repr)
def test_chan3_messages_of_the_wrong_type(channels: Adapter, message: Any) -> None:
    with channels.websocket() as socket:
        frame = {"action": "send", "id": 3, "channel": "async_news", "params": {"topic": "a"}, "message": message}
        reply = json.loads(socket.ask(json.dumps(frame)))
        assert (reply["id"], reply["error"]["code"]) == (3, "VALIDATION_ERROR"), reply
        assert all(field.startswith("message") for field in reply["error"]["details"]["fields"]), reply
        still_serves(socket)


@CHANNEL_HOSTILE
@pytest.mark.parametrize(
    "topic", ["", " ", "é ü/\\:*?", "\x00\x01", "\ud7ff\ue000\U0010ffff", "t" * 60_000], ids=lambda v: repr(v)[:20]
)
def test_chan4_any_params_text_makes_a_working_group(channels: Adapter, topic: str) -> None:
    """Group names come from client text: whatever it is, the engines take the group
    (Channels' layer allows only short ASCII names) and deliveries reach it."""
    with channels.websocket() as socket:
        assert socket.ask(subscribe(1, "news", {"topic": topic})) == text({"id": 1, "ok": True})
        News.push({"topic": topic}, {"headline": "reached"})
        expected = {
            "channel": "news",
            "message": {"headline": "reached"},
            "params": {"topic": topic},
            "type": "message",
        }
        assert socket.receive_text() == text(expected)
        still_serves(socket)


@CHANNEL_HOSTILE
def test_chan7_ten_thousand_subscribes_on_one_socket(channels: Adapter) -> None:
    """10,000 subscribe frames sent without reading: each gets one reply, `ok` or a
    refusal (too many in flight, or too many subscriptions); at most `max_subscriptions`
    are held, exactly that many once the socket is filled one frame at a time, and the
    socket still delivers and answers."""
    count, limit = 10_000, DEFAULTS.max_subscriptions
    over = {
        "code": "BAD_REQUEST",
        "message": "Too many subscriptions on this socket",
        "details": {"max_subscriptions": limit},
    }
    busy = json.loads(bad_in_flight(0))["error"]
    with channels.websocket() as socket:
        for n in range(count):
            socket.send_json(subscribe(n, "news", {"topic": f"t{n}"}))
        replies = [socket.receive_json() for _ in range(count)]
        assert sorted(reply["id"] for reply in replies) == list(range(count))
        held = [reply["id"] for reply in replies if reply.get("ok") is True]
        assert all(reply.get("ok") is True or reply["error"] in (over, busy) for reply in replies)
        assert len(held) <= limit
        n = count
        while socket.ask(subscribe(n, "news", {"topic": f"t{n}"})) == text({"id": n, "ok": True}):
            held.append(n)
            n += 1
        assert len(held) == limit
        News.push({"topic": f"t{held[-1]}"}, {"headline": "still delivered"})
        expected = {"channel": "news", "message": {"headline": "still delivered"}, "params": {"topic": f"t{held[-1]}"}}
        assert socket.receive_json() == {**expected, "type": "message"}
        still_serves(socket)
