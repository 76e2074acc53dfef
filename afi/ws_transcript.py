"""The scripted WebSocket transcript both adapters are sent (WS-1..10; AFI-10 for sockets).

A script is a fixed sequence of frames, each sent on one of a few sockets opened when first
used and kept open to the end: `anon` (no identity; it switches to user 1 with an `auth`
frame's MWT halfway), and sockets named after a user of `afi.transcript.USERS` connected with
that user's native identity (a Django session cookie; FastAPI's `request.state.user`);
`user2#2` is a second socket (another tab) of user 2. Each step records the frames that
follow it on the sockets it names, and the script ends by checking that no socket has
anything more to say.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from afi import settings as shared
from afi.transcript import mwt_for

WS_PATH: Final = "/api/mizan/ws/"
QUIET_PROBE: Final = '{"action":"afi-quiet","id":"quiet"}'  # an unknown action: answered at once (WS-5)


@dataclass(frozen=True)
class WSStep:
    """One frame of the script: sent on `socket`, then the next frame of each socket in
    `receive` (by default the sender's own; a socket named twice gives two frames) is
    recorded. `unordered`: the frames are recorded sorted, for a step whose frames on one
    socket may come in either order (a `send`'s reply and its own delivery)."""

    label: str
    socket: str
    frame: str | bytes
    receive: tuple[str, ...] = ()
    unordered: bool = False

    @property
    def listeners(self) -> tuple[str, ...]:
        return self.receive or (self.socket,)


def frame(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def user_of(socket: str) -> str:
    """The user (a key of `afi.transcript.USERS`) a socket of the script connects as."""
    return socket.partition("#")[0]


def rpc(
    label: str, frame_id: Any, fn: str, args: Any = None, *, socket: str = "anon", receive: tuple[str, ...] = ()
) -> WSStep:
    body: dict[str, Any] = {"action": "rpc", "id": frame_id, "fn": fn}
    if args is not None:
        body["args"] = args
    return WSStep(label, socket, frame(body), receive)


def channel(
    label: str,
    action: str,
    frame_id: Any,
    name: Any,
    params: Any,
    message: Any = None,
    *,
    socket: str = "anon",
    receive: tuple[str, ...] = (),
    unordered: bool = False,
) -> WSStep:
    body: dict[str, Any] = {"action": action, "id": frame_id, "channel": name, "params": params}
    if message is not None:
        body["message"] = message
    return WSStep(label, socket, frame(body), receive, unordered)


def raw(label: str, text: str | bytes, *, socket: str = "anon") -> WSStep:
    return WSStep(label, socket, text)


def ws_script() -> list[WSStep]:
    """The WebSocket transcript, in order (state carries from step to step)."""
    oversize = '{"action":"rpc","id":"big","fn":"echo","args":{"text":"' + "x" * shared.WS_MAX_FRAME_BYTES + '"}}'
    return [
        # WS-3/4: dispatch as /call/
        rpc("ws echo", "a", "echo", {"text": "hé", "times": 2}),
        rpc("ws none return", 2, "ping"),
        rpc("ws async", 3.5, "add", {"a": 2, "b": 40}),
        rpc("ws websocket fn", "live", "live_count"),
        rpc("ws validation", 5, "echo", {"text": 5}),
        rpc("ws unknown function", 6, "nope"),
        rpc("ws private", 7, "internal_job"),
        rpc("ws not implemented", 8, "not_ready"),
        rpc("ws permission error", 9, "refuse"),
        rpc("ws unexpected exception", 10, "explode"),
        rpc("ws raised MizanError", 11, "reject", {"reason": "because"}),
        rpc("ws upload", 12, "attach", {"file": "x.txt"}),  # WS-10
        rpc("ws view path", 13, "report", {"user_id": 7}),
        rpc("ws scoped", 14, "rename", {"user_id": 1, "name": "Ada L."}),
        rpc("ws merge", 15, "set_profile", {"user_id": 2, "name": "B."}),
        rpc("ws broad", 16, "reset_all"),
        rpc("ws auth anon", 17, "whoami"),
        channel("ws subscribe anonymous", "subscribe", 18, "board", {"board": "b"}),  # authorize refuses
        channel("ws subscribe one-way", "subscribe", 19, "ticker", {"symbol": "MZN"}),
        # WS-5: malformed frames, the socket stays open
        raw("ws not JSON", "not json"),
        raw("ws not an object", "[1,2]"),
        raw("ws unknown action", '{"action":"dance","id":20}'),
        raw("ws bad id", '{"action":"rpc","id":true,"fn":"ping"}'),
        raw("ws id too large", '{"action":"rpc","id":9007199254740992,"fn":"ping"}'),
        raw("ws bad fn", '{"action":"rpc","id":21,"fn":""}'),
        raw("ws bad args", '{"action":"rpc","id":22,"fn":"echo","args":[1]}'),
        raw("ws duplicate keys", '{"action":"rpc","id":23,"fn":"ping","fn":"echo"}'),
        raw("ws binary frame", b'{"action":"rpc","id":24,"fn":"ping"}'),
        raw("ws oversize", oversize),
        rpc("ws after malformed", 25, "ping"),
        # WS-2: auth frames, native identities
        raw("ws bad token", frame({"action": "auth", "id": "t1", "token": "not.a.token"})),
        raw("ws token not a string", frame({"action": "auth", "id": "t2", "token": 5})),
        raw("ws auth frame", frame({"action": "auth", "id": "t3", "token": mwt_for("user1")})),
        rpc("ws auth user", 26, "whoami"),
        rpc("ws staff as user", 27, "staff_report"),
        rpc("ws native user", 28, "whoami", socket="user2"),
        rpc("ws native custom guard", 29, "only_user_two", socket="user2"),
        rpc("ws native staff", 30, "staff_report", socket="staff"),
        rpc("ws native super refused", 31, "super_report", socket="staff"),
        rpc("ws native mutation", 32, "award_badge", {"user_id": 1}, socket="staff"),
        # CHAN-3..5: channels
        channel("ws subscribe", "subscribe", 40, "board", {"board": "b"}),
        channel("ws subscribe again", "subscribe", 41, "board", {"board": "b"}),
        channel("ws subscribe native", "subscribe", 42, "board", {"board": "b"}, socket="user2"),
        channel("ws subscribe other board", "subscribe", 43, "board", {"board": "c"}, socket="staff"),
        channel("ws unknown channel", "subscribe", 44, "nowhere", {}),
        channel("ws bad params", "subscribe", 45, "board", {"board": 5}),
        channel("ws send one-way", "send", 46, "ticker", {"symbol": "MZN"}, {"price": 1}),
        channel("ws bad message", "send", 47, "board", {"board": "b"}, {"txt": "x"}),
        channel(
            "ws send",
            "send",
            48,
            "board",
            {"board": "b"},
            {"text": "hé"},
            socket="user2",
            receive=("user2", "user2", "anon"),
            unordered=True,
        ),
        rpc(
            "ws push",
            49,
            "announce",
            {"board": "b", "text": "from the server"},
            socket="staff",
            receive=("staff", "anon", "user2"),
        ),
        channel("ws unsubscribe", "unsubscribe", 50, "board", {"board": "b"}, socket="user2"),
        channel("ws unsubscribe never subscribed", "unsubscribe", 51, "board", {"board": "z"}, socket="user2"),
        rpc(
            "ws push after unsubscribe",
            52,
            "announce",
            {"board": "b", "text": "again"},
            socket="staff",
            receive=("staff", "anon"),
        ),
        # WS-9: a mutation reaches the same user's other socket, as an invalidate frame
        rpc(
            "ws live invalidation",
            53,
            "rename",
            {"user_id": 2, "name": "Brook"},
            socket="user2",
            receive=("user2", "user2#2"),
        ),
    ]
