"""Where FastAPI's pushes travel (PROTOCOL CHAN-6, WS-9).

Without a broadcast URL, pushes stay in the process: `LocalHub` hands each one to the
sockets of this process that joined its group. With `broadcast_url`
(`configure(broadcast_url=...)` or `MIZAN_BROADCAST_URL`), `RedisHub` publishes every
push to Redis (redis-py's asyncio client, the `redis` extra) and each process subscribes
to the groups its own sockets joined, so a push made in any process (a server, a worker, a
script) reaches the sockets of every process. Redis pub/sub is at-most-once: a process
that is disconnected from Redis misses what was published meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from typing import Any, Final

from mizan.core import broadcast, notify
from mizan.core.broadcast import Deliver
from mizan.core.errors import ConfigError

logger = logging.getLogger("mizan")

RECONNECT_DELAY: Final = 1.0  # seconds between attempts to re-subscribe after Redis failed
_SEPARATOR: Final = "\n"  # payload: "<origin>\n<frame>"; an origin (hex, or a tab id of [A-Za-z0-9_-]) has no newline


class LocalHub:
    """Groups of this process's sockets; every push is delivered in the process."""

    def __init__(self) -> None:
        # group -> {deliver: the loop it runs on}; sockets of one process may live on
        # several loops (a test client runs its app on a loop of its own)
        self._groups: dict[str, dict[Deliver, asyncio.AbstractEventLoop]] = {}
        self._lock = threading.Lock()

    def reaches(self, group: str) -> bool:
        return group in self._groups

    async def join(self, group: str, deliver: Deliver) -> bool:
        """Add a member; True when it is the group's first in the process."""
        with self._lock:
            members = self._groups.setdefault(group, {})
            members[deliver] = asyncio.get_running_loop()
            return len(members) == 1

    async def leave(self, group: str, deliver: Deliver) -> bool:
        """Remove a member; True when the group has no member left in the process."""
        with self._lock:
            members = self._groups.get(group)
            if members is None:
                return False
            members.pop(deliver, None)
            if members:
                return False
            del self._groups[group]
            return True

    def deliver_here(self, group: str, text: str, origin: str | None) -> None:
        """Hand a push to every member of `group` in this process, each on its own loop."""
        with self._lock:
            members = list(self._groups.get(group, {}).items())
        try:
            current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        for deliver, loop in members:
            if loop is current:
                deliver(text, origin)
            else:
                try:
                    loop.call_soon_threadsafe(deliver, text, origin)
                except RuntimeError:  # that loop has closed: its socket is gone
                    pass

    async def apublish(self, group: str, text: str, origin: str | None) -> None:
        self.deliver_here(group, text, origin)

    def publish(self, group: str, text: str, origin: str | None) -> None:
        self.deliver_here(group, text, origin)


class _Subscriber:
    """One Redis pub/sub connection of one event loop, for the groups joined on it."""

    def __init__(self, hub: RedisHub, loop: asyncio.AbstractEventLoop) -> None:
        import redis.asyncio

        self.hub = hub
        self.client: Any = redis.asyncio.Redis.from_url(hub.url)
        self.pubsub: Any = self.client.pubsub(ignore_subscribe_messages=True)
        self.groups: set[str] = set()
        self.reader: asyncio.Task[None] | None = None
        self.loop = loop

    async def subscribe(self, group: str) -> None:
        self.groups.add(group)
        await self.pubsub.subscribe(group)
        # redis-py's listen() ends once nothing is subscribed (this loop's last socket left):
        # the next subscription needs a reader again.
        if self.reader is None or self.reader.done():
            self.reader = asyncio.ensure_future(self._read())

    async def unsubscribe(self, group: str) -> None:
        self.groups.discard(group)
        await self.pubsub.unsubscribe(group)

    async def _read(self) -> None:
        while True:
            try:
                async for message in self.pubsub.listen():
                    if message.get("type") == "message":
                        self._dispatch(message)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("Mizan lost its Redis pub/sub connection; re-subscribing")
                await asyncio.sleep(RECONNECT_DELAY)
                await self._resubscribe()

    async def _resubscribe(self) -> None:
        try:
            await self.pubsub.aclose()
        except Exception:
            logger.debug("closing the failed pub/sub connection failed", exc_info=True)
        self.pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        if self.groups:
            await self.pubsub.subscribe(*self.groups)

    def _dispatch(self, message: dict[str, Any]) -> None:
        channel = message["channel"]
        group = channel.decode() if isinstance(channel, bytes) else str(channel)
        data = message["data"]
        payload = data.decode("utf-8") if isinstance(data, bytes) else str(data)
        origin, _, text = payload.partition(_SEPARATOR)
        self.hub.local.deliver_here(group, text, origin or None)


class RedisHub:
    """Pushes through Redis pub/sub, so that they reach the sockets of every process."""

    def __init__(self, url: str) -> None:
        try:
            import redis  # noqa: F401  (the `redis` extra)
        except ImportError:
            raise ConfigError("broadcast_url needs redis-py: pip install 'mizan[fastapi,redis]'") from None
        self.url = url
        self.local = LocalHub()
        self._subscribers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Subscriber] = (
            weakref.WeakKeyDictionary()
        )
        self._publishers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()
        self._sync_client: Any = None
        self._lock = threading.Lock()

    def reaches(self, group: str) -> bool:
        return True  # other processes' members are unknown here

    def _subscriber(self) -> _Subscriber:
        loop = asyncio.get_running_loop()
        subscriber = self._subscribers.get(loop)
        if subscriber is None:
            subscriber = self._subscribers[loop] = _Subscriber(self, loop)
        return subscriber

    async def join(self, group: str, deliver: Deliver) -> None:
        if await self.local.join(group, deliver):
            await self._subscriber().subscribe(group)

    async def leave(self, group: str, deliver: Deliver) -> None:
        if await self.local.leave(group, deliver):
            await self._subscriber().unsubscribe(group)

    async def apublish(self, group: str, text: str, origin: str | None) -> None:
        loop = asyncio.get_running_loop()
        client = self._publishers.get(loop)
        if client is None:
            import redis.asyncio

            client = self._publishers[loop] = redis.asyncio.Redis.from_url(self.url)
        await client.publish(group, (origin or "") + _SEPARATOR + text)

    def publish(self, group: str, text: str, origin: str | None) -> None:
        if broadcast.in_event_loop():
            broadcast.schedule(self.apublish(group, text, origin), "publish a push to Redis")
            return
        with self._lock:
            if self._sync_client is None:
                import redis

                self._sync_client = redis.Redis.from_url(self.url)
            client = self._sync_client
        client.publish(group, (origin or "") + _SEPARATOR + text)


Hub = LocalHub | RedisHub

_hub: Hub | None = None
_hub_url: str | None = None
_hub_lock = threading.Lock()


def hub_for(url: str | None) -> Hub:
    """The process's hub for the configured broadcast URL (a new one when it changed)."""
    global _hub, _hub_url
    with _hub_lock:
        if _hub is None or url != _hub_url:
            _hub = RedisHub(url) if url else LocalHub()
            _hub_url = url
        return _hub


def current_hub() -> Hub:
    """The hub of the settings in force."""
    from mizan_fastapi.conf import broadcast_url

    return hub_for(broadcast_url())


def install() -> None:
    """Register the hub as the FastAPI publisher and the WS-9 push hook (unless another
    adapter in this process installed its own, which pushes through every publisher)."""
    broadcast.register_publisher("fastapi", current_hub)
    if notify.get_push_hook() is None:
        notify.set_push_hook(broadcast.push_invalidation)
