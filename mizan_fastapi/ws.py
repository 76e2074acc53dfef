"""`<prefix>/ws/`: Mizan's WebSocket endpoint on FastAPI (PROTOCOL WS-1, WS-2, FA-3).

The frame protocol is the core's (`mizan.core.ws.Session`); this module accepts the
connection and gives the session its transport. The identity is the one HTTP requests
get: `websocket.state.user` (or `scope["user"]`), put there by the application's ASGI
middleware and adapted by `act_as`, until an `auth` frame's token replaces it.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import HTTPConnection
from starlette.websockets import WebSocket

from mizan.core.broadcast import Deliver
from mizan.core.tabs import scope_tab
from mizan.core.tokens import TokenUser
from mizan.core.ws import Session
from mizan_fastapi.broadcast import Hub, current_hub
from mizan_fastapi.conf import get_settings
from mizan_fastapi.identity import act_as

logger = logging.getLogger("mizan")


class StarletteTransport:
    """A Starlette `WebSocket` as the session's `Transport`."""

    def __init__(self, websocket: WebSocket, hub: Hub) -> None:
        self.websocket = websocket
        self.hub = hub  # the hub of the settings the socket opened with

    async def send_text(self, text: str) -> None:
        await self.websocket.send_text(text)

    async def close(self, code: int) -> None:
        await self.websocket.close(code)

    def request(self, token_user: TokenUser | None) -> Any:
        """A connection over a copy of the socket's scope with its own `state`, so each
        call's identity is set (and the application's user wrapped, FA-3) without touching
        the socket's scope or the calls running beside it."""
        scope = self.websocket.scope
        connection = HTTPConnection({**scope, "state": dict(scope.get("state") or {})})
        act_as(connection, token_user)  # nothing to put back: the copy ends with the call
        return connection

    async def join(self, group: str, deliver: Deliver) -> None:
        await self.hub.join(group, deliver)

    async def leave(self, group: str, deliver: Deliver) -> None:
        await self.hub.leave(group, deliver)

    async def receive(self) -> str | bytes | None:
        """The next client frame; None once the client has left."""
        message = await self.websocket.receive()
        if message["type"] == "websocket.disconnect":
            return None
        text = message.get("text")
        if text is not None:
            return str(text)
        return bytes(message.get("bytes") or b"")


async def websocket_endpoint(websocket: WebSocket) -> None:
    """Accept the connection and serve Mizan's frames on it until either side closes."""
    settings = get_settings()
    await websocket.accept()
    transport = StarletteTransport(websocket, current_hub())
    # WS-9: the tab named on the connect URL does not hear of its own HTTP mutations.
    await Session(transport, settings, tab=scope_tab(websocket.scope)).serve(transport.receive)
