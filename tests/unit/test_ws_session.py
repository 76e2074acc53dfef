"""`mizan.core.ws.Session` driven by a fake transport (CHAN-7, WS-5, WS-6): the bounds that
need a client which never reads, and the session's lifecycle. The frames themselves are
tested through the real FastAPI endpoint (tests/fastapi/test_ws.py)."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any

import pytest

from mizan import client
from mizan.core import registry
from mizan.core.settings import MizanSettings
from mizan.core.tokens import TokenUser
from mizan.core.ws import CLOSE_TRY_AGAIN_LATER, Session, WSLimits

pytestmark = pytest.mark.usefixtures("clean_registry")

MALFORMED = "[]"


class FakeTransport:
    """Records what the session sends and how it closes; `stalled` models a client that
    stopped reading (its first frame's send never completes)."""

    def __init__(self, stalled: bool = False) -> None:
        self.stalled = stalled
        self.sent: list[str] = []
        self.closed: list[int] = []
        self.groups: list[str] = []
        self.frames: asyncio.Queue[str | bytes | None] = asyncio.Queue()

    async def send_text(self, text: str) -> None:
        self.sent.append(text)
        if self.stalled:
            await asyncio.Event().wait()

    async def close(self, code: int) -> None:
        self.closed.append(code)

    def request(self, token_user: TokenUser | None) -> Any:
        return SimpleNamespace(user=token_user)

    async def join(self, group: str, deliver: Any) -> None:
        self.groups.append(group)

    async def leave(self, group: str, deliver: Any) -> None:
        self.groups.remove(group)

    async def receive(self) -> str | bytes | None:
        return await self.frames.get()


def test_chan7_a_client_that_stops_reading_is_closed_with_1013() -> None:
    """The outgoing queue holds `send_queue` frames; the next one closes the socket instead
    of growing memory, and nothing more is sent."""

    async def main() -> FakeTransport:
        transport = FakeTransport(stalled=True)
        session = Session(transport, MizanSettings(), WSLimits(send_queue=3))
        for _ in range(50):
            transport.frames.put_nowait(MALFORMED)
        await asyncio.wait_for(session.serve(transport.receive), 30)  # a hang would fail, not block the suite
        return transport

    transport = asyncio.run(main())
    assert transport.closed == [CLOSE_TRY_AGAIN_LATER]
    assert len(transport.sent) == 1  # the one the client never finished reading


def test_chan7_a_client_that_keeps_up_is_never_closed() -> None:
    async def serve_then_feed() -> FakeTransport:
        transport = FakeTransport()
        session = Session(transport, MizanSettings(), WSLimits(send_queue=3))
        serving = asyncio.ensure_future(session.serve(transport.receive))
        for n in range(50):
            transport.frames.put_nowait(json.dumps({"action": "nope", "id": n}))
            while len(transport.sent) <= n:
                await asyncio.sleep(0)
        transport.frames.put_nowait(None)
        await asyncio.wait_for(serving, 30)
        return transport

    transport = asyncio.run(serve_then_feed())
    assert transport.closed == []
    assert [json.loads(frame)["id"] for frame in transport.sent] == list(range(50))


def test_ws6_calls_still_running_are_cancelled_when_the_client_leaves() -> None:
    seen: list[str] = []

    @client
    async def forever(request: Any) -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    registry.register(forever, "forever")

    async def main() -> FakeTransport:
        transport = FakeTransport()
        session = Session(transport, MizanSettings())
        serving = asyncio.ensure_future(session.serve(transport.receive))
        transport.frames.put_nowait(json.dumps({"action": "rpc", "id": 1, "fn": "forever"}))
        while not session._calls:
            await asyncio.sleep(0)
        await asyncio.sleep(0)  # the call reaches its body
        transport.frames.put_nowait(None)
        await asyncio.wait_for(serving, 30)
        return transport

    transport = asyncio.run(main())
    assert seen == ["cancelled"]
    assert transport.sent == [] and transport.closed == []


def test_ws2_identity_handed_to_calls_is_the_token_user_after_auth(monkeypatch: pytest.MonkeyPatch) -> None:
    """The transport builds each call's request from the session's current token user."""
    user = TokenUser(pk=3, is_staff=False, is_superuser=False)
    monkeypatch.setattr(
        "mizan.core.ws.authenticate_mwt", lambda token, config, check_subject=None: user if token == "good" else None
    )

    @client
    def who(request: Any) -> Any:
        return None if request.user is None else request.user.pk

    registry.register(who, "who")

    async def main() -> list[str]:
        transport = FakeTransport()
        session = Session(transport, MizanSettings())
        serving = asyncio.ensure_future(session.serve(transport.receive))
        for frame in (
            {"action": "rpc", "id": 1, "fn": "who"},
            {"action": "auth", "id": 2, "token": "good"},
            {"action": "rpc", "id": 3, "fn": "who"},
        ):
            transport.frames.put_nowait(json.dumps(frame))
            count = len(transport.sent)
            while len(transport.sent) == count:
                await asyncio.sleep(0.001)
        transport.frames.put_nowait(None)
        await asyncio.wait_for(serving, 30)
        return transport.sent

    assert asyncio.run(main()) == ['{"id":1,"result":null}', '{"id":2,"ok":true}', '{"id":3,"result":3}']
