"""What each step of the WebSocket transcript must produce on every adapter, written from the
fixture and the spec (WS-2..10, JSON-1) rather than recorded from a run, and the capability
row each step gives evidence for (AFI-14).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

WS_RPC: Final = "WebSocket RPC"
CHANNELS: Final = "Channels"
VIEW: Final = "This function answers with an HTTP response, which a WebSocket cannot carry; call it over /call/"
BAD_ID: Final = "A frame needs an id: a string of at most 128 characters or a number"


def canonical(value: Any) -> str:
    """JSON-1 text by the standard library's encoder (never Mizan's)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


@dataclass(frozen=True)
class ExpectFrames:
    """The frames a step is answered with, as `(socket, value)`, each compared as the exact
    canonical text of `value`."""

    rows: tuple[str, ...]
    frames: tuple[tuple[str, Any], ...]

    def problems(self, received: list[list[str]]) -> list[str]:
        wanted = [[socket, canonical(value)] for socket, value in self.frames]
        return [] if received == wanted else [f"frames {received!r} != {wanted!r}"]


def reply(frame_id: Any, socket: str = "anon", **body: Any) -> ExpectFrames:
    return ExpectFrames((WS_RPC,), ((socket, {"id": frame_id, **body}),))


def result(frame_id: Any, value: Any, socket: str = "anon", **extra: Any) -> ExpectFrames:
    return reply(frame_id, socket, result=value, **extra)


def error(frame_id: Any, code: str, message: str, socket: str = "anon", details: Any = None) -> ExpectFrames:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return reply(frame_id, socket, error=body)


def bad(frame_id: Any, message: str) -> ExpectFrames:
    return error(frame_id, "BAD_REQUEST", message)


def invalid(frame_id: Any, fields: dict[str, list[str]]) -> ExpectFrames:
    return error(frame_id, "VALIDATION_ERROR", "Input validation failed", details={"fields": fields})


def on_channel(*frames: tuple[str, Any], unordered: bool = False) -> ExpectFrames:
    """Channel frames (CHAN-3..5) in the order they are recorded: sorted by socket, then
    text, for an unordered step."""
    listed = sorted(frames, key=lambda item: (item[0], canonical(item[1]))) if unordered else list(frames)
    return ExpectFrames((CHANNELS,), tuple(listed))


def ok(frame_id: Any, socket: str = "anon") -> tuple[str, Any]:
    return (socket, {"id": frame_id, "ok": True})


def channel_error(frame_id: Any, code: str, message: str, details: Any = None) -> ExpectFrames:
    found = error(frame_id, code, message, details=details)
    return ExpectFrames((CHANNELS,), found.frames)


def board(text: str, by: str, socket: str) -> tuple[str, Any]:
    """A delivery on board "b" (CHAN-4)."""
    message = {"text": text, "by": by}
    return (socket, {"type": "message", "channel": "board", "params": {"board": "b"}, "message": message})


def profile(user_id: int, name: str, badges: int = 0) -> dict[str, Any]:
    return {"user_id": user_id, "name": name, "badges": badges}


PROFILE_2: Final = {"context": "profile", "params": {"user_id": 2}}

WS_TRANSCRIPT: Final[dict[str, ExpectFrames]] = {
    "ws echo": result("a", {"text": "héhé", "times": 2}),
    "ws none return": result(2, None),
    "ws async": result(3.5, 42),
    "ws websocket fn": result("live", 2),
    "ws validation": invalid(5, {"text": ["Input should be a valid string"]}),
    "ws unknown function": error(6, "NOT_FOUND", "Function not found", details={"function": "nope"}),
    "ws private": error(7, "FORBIDDEN", "Function is not client-callable"),
    "ws not implemented": error(8, "NOT_IMPLEMENTED", "later"),
    "ws permission error": error(9, "FORBIDDEN", "no"),
    "ws unexpected exception": error(10, "INTERNAL_ERROR", "Internal server error"),
    "ws raised MizanError": error(11, "BAD_REQUEST", "rejected: because"),
    "ws upload": invalid(12, {"file": ["Input should be an instance of Upload"]}),
    "ws view path": error(13, "NOT_IMPLEMENTED", VIEW),
    "ws scoped": result(14, profile(1, "Ada L."), invalidate=[{"context": "profile", "params": {"user_id": 1}}]),
    "ws merge": result(
        15,
        profile(2, "B."),
        merge=[{"context": "profile", "params": {"user_id": 2}, "slot": "profile", "value": profile(2, "B.")}],
    ),
    "ws broad": result(16, None, invalidate=["profile", "items", "global"]),
    "ws auth anon": error(17, "UNAUTHORIZED", "Authentication required"),
    "ws subscribe anonymous": channel_error(18, "FORBIDDEN", "Permission denied"),
    "ws subscribe one-way": on_channel(ok(19)),
    "ws not JSON": bad(None, "Invalid request body"),
    "ws not an object": bad(None, "A frame must be one JSON object"),
    "ws unknown action": bad(20, "Unknown action"),
    "ws bad id": bad(None, BAD_ID),
    "ws id too large": bad(None, BAD_ID),
    "ws bad fn": bad(21, "An rpc frame needs fn, a non-empty string"),
    "ws bad args": bad(22, "args must be an object"),
    "ws duplicate keys": bad(None, "Invalid request body"),
    "ws binary frame": bad(None, "Frames must be text"),
    "ws oversize": bad(None, "Invalid request body"),
    "ws after malformed": result(25, None),
    "ws bad token": error("t1", "UNAUTHORIZED", "Invalid or expired MWT"),
    "ws token not a string": bad("t2", "An auth frame needs token, a string"),
    "ws auth frame": reply("t3", ok=True),
    "ws auth user": result(26, "1"),
    "ws staff as user": error(27, "FORBIDDEN", "Staff access required"),
    "ws native user": result(28, "2", "user2"),
    "ws native custom guard": result(29, "two", "user2"),
    "ws native staff": result(30, "staff:3", "staff"),
    "ws native super refused": error(31, "FORBIDDEN", "Superuser access required", "staff"),
    "ws native mutation": result(
        32,
        1,
        "staff",
        invalidate=[{"context": "profile", "function": "profile_badges", "params": {"user_id": 1}}],
    ),
    "ws subscribe": on_channel(ok(40)),
    "ws subscribe again": on_channel(ok(41)),
    "ws subscribe native": on_channel(ok(42, "user2")),
    "ws subscribe other board": on_channel(ok(43, "staff")),
    "ws unknown channel": channel_error(44, "NOT_FOUND", "Channel not found", {"channel": "nowhere"}),
    "ws bad params": channel_error(
        45,
        "VALIDATION_ERROR",
        "Input validation failed",
        {"fields": {"params.board": ["Input should be a valid string"]}},
    ),
    "ws send one-way": channel_error(46, "BAD_REQUEST", "This channel is one-way: clients cannot send on it"),
    "ws bad message": channel_error(
        47, "VALIDATION_ERROR", "Input validation failed", {"fields": {"message.text": ["Field required"]}}
    ),
    # user 2 sends: its reply and its own delivery (in either order), and user 1's
    "ws send": on_channel(ok(48, "user2"), board("hé", "2", "user2"), board("hé", "2", "anon"), unordered=True),
    "ws push": on_channel(
        ("staff", {"id": 49, "result": 15}),
        board("from the server", "server", "anon"),
        board("from the server", "server", "user2"),
    ),
    "ws unsubscribe": on_channel(ok(50, "user2")),
    "ws unsubscribe never subscribed": on_channel(ok(51, "user2")),
    "ws push after unsubscribe": on_channel(("staff", {"id": 52, "result": 5}), board("again", "server", "anon")),
    "ws live invalidation": ExpectFrames(
        (WS_RPC,),
        (
            ("user2", {"id": 53, "invalidate": [PROFILE_2], "result": profile(2, "Brook")}),
            ("user2#2", {"type": "invalidate", "invalidate": [PROFILE_2]}),
        ),
    ),
}

# What every socket answers to the script's final probe: nothing else was waiting before it.
QUIET: Final = canonical({"id": "quiet", "error": {"code": "BAD_REQUEST", "message": "Unknown action"}})
