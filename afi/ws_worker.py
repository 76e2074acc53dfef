"""Send the WebSocket transcript (`afi.ws_transcript`) to one adapter and record what came back.

In process, both adapters are driven through Starlette's `TestClient.websocket_connect`:
FastAPI's app as `afi.worker` builds it, and the Django project as a project serves it,
`mizan.wrap_asgi(get_asgi_application())` (Channels' session auth and Origin check
included). Each adapter supplies a `Connect`: a user of the script to an open socket.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, Final, Protocol

from afi.ws_transcript import QUIET_PROBE, WS_PATH, WSStep, user_of, ws_script

SAME_SITE: Final = {"Origin": "http://testserver"}  # Django refuses another site's handshake (WS-2)
# How long a socket waits for a frame before the run fails instead of hanging: a guard, not
# a measurement (every reply the script waits for takes milliseconds).
RECEIVE_GUARD_SECONDS: Final = 30.0


class Socket(Protocol):
    def send(self, frame: str | bytes) -> None:
        """Send a text frame (str) or a binary one (bytes)."""

    def receive(self) -> str:
        """The next text frame; fails when the server closed or sent something else."""

    def close(self) -> None:
        """Leave."""


Connect = Callable[[str], Socket]
"""Open a socket as `user` (a key of `afi.transcript.USERS`: "anon" has no identity, any
other is connected with its native identity)."""


class TestClientSocket:
    """A socket of Starlette's `TestClient` as a `Socket`."""

    def __init__(self, session: Any, stack: contextlib.ExitStack) -> None:
        self.session = session
        self.stack = stack

    def send(self, frame: str | bytes) -> None:
        if isinstance(frame, bytes):
            self.session.send_bytes(frame)
        else:
            self.session.send_text(frame)

    def receive(self) -> str:
        import anyio  # here: the original's worker imports this module without Starlette

        async def within() -> dict[str, Any]:
            with anyio.fail_after(RECEIVE_GUARD_SECONDS):
                message: dict[str, Any] = await self.session._send_rx.receive()
                return message

        message = self.session.portal.call(within)
        if message["type"] != "websocket.send" or "text" not in message:
            raise RuntimeError(f"afi.ws_worker: expected a text frame, got {message!r}")
        return str(message["text"])

    def close(self) -> None:
        self.stack.close()


def test_client_connect(client: Any, headers_for: Callable[[str], dict[str, str]]) -> Connect:
    """A `Connect` over an entered `TestClient`: `headers_for(name)` are the handshake's."""

    def connect(name: str) -> Socket:
        stack = contextlib.ExitStack()
        session = stack.enter_context(client.websocket_connect(WS_PATH, headers={**SAME_SITE, **headers_for(name)}))
        return TestClientSocket(session, stack)

    return connect


def without_lifespan(application: Any) -> Any:
    """`application` answering ASGI lifespan events itself: Django's ASGI handler (and so
    a Channels router) has none, and an entered `TestClient` starts with one."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await application(scope, receive, send)
            return
        while True:
            phase = (await receive())["type"].removeprefix("lifespan.")
            await send({"type": f"lifespan.{phase}.complete"})
            if phase == "shutdown":
                return

    return app


@contextlib.contextmanager
def open_sockets(connect: Connect) -> Iterator[dict[str, Socket]]:
    """The script's sockets by name, opened on first use; all closed on exit."""
    sockets: dict[str, Socket] = {}
    try:
        yield sockets
    finally:
        for socket in sockets.values():
            socket.close()


def run_ws_script(connect: Connect, steps: list[WSStep] | None = None) -> dict[str, Any]:
    """Play the script (the WebSocket transcript unless `steps` is given); one record per
    step with the frames received after it as `[socket, text]`, then what each socket
    answers to a final probe: anything still queued would come before its reply."""
    from afi import fixture

    fixture.reset()
    records = []
    with open_sockets(connect) as sockets:
        for step in ws_script() if steps is None else steps:
            for name in (step.socket, *step.listeners):
                if name not in sockets:
                    sockets[name] = connect(user_of(name))
            sockets[step.socket].send(step.frame)
            frames = [[name, sockets[name].receive()] for name in step.listeners]
            records.append({"label": step.label, "frames": sorted(frames) if step.unordered else frames})
        quiet = {}
        for name, socket in sorted(sockets.items()):
            socket.send(QUIET_PROBE)
            quiet[name] = socket.receive()
    return {"steps": records, "quiet": quiet}
