"""The Channels consumer of `<prefix>/ws/` (PROTOCOL WS-1, WS-2, CHAN-6).

The frame protocol is the core's (`mizan.core.ws.Session`); this module gives the session
its transport. The identity of a call is the connection's session user, which Channels'
`AuthMiddlewareStack` put in `scope["user"]`, set on the call's request exactly as
Mizan's HTTP views see `request.user`, until an `auth` frame's MWT replaces it.

Pushes arrive through the Channels layer (`CHANNEL_LAYERS`): the socket's groups are layer
groups, and each push is a `mizan.deliver` event (mizan.channels.layer publishes them).
"""

from __future__ import annotations

import asyncio
import io
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.contrib.auth.models import AnonymousUser
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest

from mizan.authentication import check_pk, set_user
from mizan.channels.layer import layer_slot, warn_without_layer
from mizan.conf import get_settings
from mizan.core.broadcast import Deliver
from mizan.core.tabs import scope_tab
from mizan.core.tokens import TokenUser
from mizan.core.ws import Session


class ChannelsTransport:
    """A Channels consumer as the session's `Transport`."""

    def __init__(self, consumer: AsyncWebsocketConsumer) -> None:
        self.consumer = consumer

    async def send_text(self, text: str) -> None:
        await self.consumer.send(text_data=text)

    async def close(self, code: int) -> None:
        await self.consumer.close(code)

    def request(self, token_user: TokenUser | None) -> HttpRequest:
        """A Django request over the handshake's scope (the handshake is an HTTP GET,
        RFC 6455 §4.1: its path, headers, cookies and client address), fresh for each call,
        with the session and the session user the auth middleware resolved, or the token's
        identity (AUTH-5 as on `/call/`)."""
        scope = self.consumer.scope
        request = ASGIRequest({**scope, "method": "GET"}, io.BytesIO())
        if "session" in scope:
            request.session = scope["session"]
        set_user(request, token_user if token_user is not None else scope.get("user") or AnonymousUser())
        return request

    async def join(self, group: str, deliver: Deliver) -> None:
        layer = self.consumer.channel_layer
        if layer is None:
            warn_without_layer()
            return
        async with layer_slot():
            await layer.group_add(group, self.consumer.channel_name)

    async def leave(self, group: str, deliver: Deliver) -> None:
        layer = self.consumer.channel_layer
        if layer is not None:
            async with layer_slot():
                await layer.group_discard(group, self.consumer.channel_name)


async def in_thread(func: Any, *args: Any) -> Any:
    """Sync user code off the event loop, as Channels runs database code: each call in a
    worker thread, with stale connections closed before and after (CONN_MAX_AGE holds)."""
    return await database_sync_to_async(func, thread_sensitive=False)(*args)


class MizanConsumer(AsyncWebsocketConsumer):
    """Serves Mizan's frames on one connection until either side closes."""

    _frames: asyncio.Queue[str | bytes | None]
    _session: asyncio.Task[None] | None = None
    _core: Session | None = None

    async def connect(self) -> None:
        await self.accept()
        # Unbounded but never long: the session's read loop takes each frame as soon as the
        # event loop runs it, and answers it (or starts its call) without awaiting.
        self._frames = asyncio.Queue()
        session = Session(
            ChannelsTransport(self),
            get_settings(),
            check_subject=check_pk,
            in_thread=in_thread,
            tab=scope_tab(self.scope),  # WS-9: the tab's own HTTP mutations are not pushed back
        )
        self._core = session
        self._session = asyncio.ensure_future(session.serve(self._frames.get))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self._session is None or self._session.done():
            return  # the session closed the socket (1013); the client's disconnect follows
        self._frames.put_nowait(text_data if text_data is not None else bytes_data or b"")

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch without its `close_old_connections` before every message,
        which costs a hop to the shared sync thread per frame and per delivery: this
        consumer runs no database code itself, and user code runs through `in_thread`,
        which closes stale connections around each call."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def mizan_deliver(self, event: dict[str, Any]) -> None:
        """A push to one of the socket's layer groups (`DELIVER_EVENT`)."""
        if self._core is not None and self._session is not None and not self._session.done():
            self._core.deliver(str(event["text"]), event.get("origin"))

    async def disconnect(self, code: Any) -> None:
        """The client left: the session cancels the calls still running and ends."""
        if self._session is not None:
            self._frames.put_nowait(None)
            await self._session
