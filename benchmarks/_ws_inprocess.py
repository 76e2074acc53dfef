"""Instructions per call in-process for benchmarks.ws: one rpc frame through Mizan's
WebSocket endpoint against one `POST /call/` through the same FastAPI application, both
over the ASGI interface with no socket, both calling the `async def` function (a `def`
one hops to a worker thread, which under valgrind is slow and not repeatable).

The WebSocket is one ASGI connection kept open for the whole count: each call puts one
`websocket.receive` message in its queue and runs the loop until the reply frame is sent.
The HTTP request is a whole ASGI request, as a keep-alive connection delivers it. Both run
through `loop.run_until_complete`, so the loop's own cost is in both.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import MutableMapping
from typing import Any

from benchmarks import _callgrind
from benchmarks._call_workload import BODY, RESULT
from benchmarks._ws_apps import CALL_PATH, WS_PATH

CALLS = 20  # per callgrind interval (x4 served)
NOTE = (
    "callgrind Ir per call (PYTHONHASHSEED=0, the empty loop subtracted), both through "
    "loop.run_until_complete on one asyncio loop: the HTTP row is a whole ASGI request to /call/ "
    "(scope, body message, response start and body); the WebSocket row one rpc frame on a connection "
    "kept open (one websocket.receive message in, one websocket.send out). Neither counts a server's "
    "protocol parsing (uvicorn's) or the kernel."
)
ASYNC_BODY = BODY.replace(b"update_profile", b"aupdate_profile")
_SCOPE_BASE: dict[str, Any] = {
    "asgi": {"version": "3.0", "spec_version": "2.4"},
    "http_version": "1.1",
    "server": ("127.0.0.1", 8000),
    "client": ("127.0.0.1", 50000),
    "root_path": "",
    "query_string": b"",
    "state": {},
}


class Socket:
    """One in-process ASGI WebSocket connection to `app`, accepted."""

    def __init__(self, app: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outgoing: asyncio.Queue[MutableMapping[str, Any]] = asyncio.Queue()
        scope = {
            **_SCOPE_BASE,
            "type": "websocket",
            "scheme": "ws",
            "path": WS_PATH,
            "raw_path": WS_PATH.encode(),
            "headers": [(b"host", b"127.0.0.1:8000"), (b"origin", b"http://127.0.0.1:8000")],
            "subprotocols": [],
        }
        self.incoming.put_nowait({"type": "websocket.connect"})
        self.task = loop.create_task(app(scope, self.incoming.get, self.outgoing.put))
        accepted = loop.run_until_complete(self.outgoing.get())
        if accepted["type"] != "websocket.accept":
            raise SystemExit(f"benchmarks.ws: the in-process handshake answered {accepted!r}")

    def call(self, text: str) -> str:
        """One frame in, the next frame out."""
        self.incoming.put_nowait({"type": "websocket.receive", "text": text})
        message = self.loop.run_until_complete(self.outgoing.get())
        return str(message["text"])


def post(app: Any, loop: asyncio.AbstractEventLoop, body: bytes) -> bytes:
    """One `POST /call/` of `body` through `app`; the response body (raises unless 200)."""
    scope = {
        **_SCOPE_BASE,
        "type": "http",
        "scheme": "http",
        "method": "POST",
        "path": CALL_PATH,
        "raw_path": CALL_PATH.encode(),
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    sent: list[MutableMapping[str, Any]] = []
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    loop.run_until_complete(app(scope, receive, send))
    if sent[0].get("status") != 200:
        raise SystemExit(f"benchmarks.ws: the in-process /call/ answered {sent!r}")
    return b"".join(message.get("body", b"") for message in sent[1:])


def namespace() -> dict[str, Any]:
    """The FastAPI app, a loop, an open socket and the two calls, each checked once:
    `ws()` and `http()` in the statements."""
    from benchmarks._ws_apps import fastapi_app
    from benchmarks._ws_client import rpc_frame

    app, loop = fastapi_app(), asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    socket = Socket(app, loop)
    frame = rpc_frame(1, "aupdate_profile", json.loads(BODY)["args"])
    if json.loads(socket.call(frame)) != {"id": 1, **RESULT} or json.loads(post(app, loop, ASYNC_BODY)) != RESULT:
        raise SystemExit("benchmarks.ws: the in-process calls did not answer the expected result")
    return {"ws": lambda: socket.call(frame), "http": lambda: post(app, loop, ASYNC_BODY)}


SETUP = "from benchmarks._ws_inprocess import namespace\nglobals().update(namespace())\n"


def counts(names: tuple[str, ...] = ("ws", "http")) -> dict[str, float]:
    """Ir per call of each of `names` (`ws`, `http`; C extension), in one callgrind child."""
    return _callgrind.measure(SETUP, {name: f"{name}()" for name in names}, CALLS, {"MIZAN_PURE": "0"})
