"""Django's pushes through the Channels layer (PROTOCOL CHAN-6, WS-9).

Every push is a `group_send` of a `mizan.deliver` event to a layer group; the consumers of
the sockets that joined the group (in any process sharing the layer) hand it to their
session. Which layer is a project setting, `CHANNEL_LAYERS`: `channels_redis` across
processes in production, `channels.layers.InMemoryChannelLayer` for one development
process. Without a layer, sockets still serve calls, but nothing can be pushed to them.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import weakref
from typing import Any, Final

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from mizan.core import broadcast

logger = logging.getLogger("mizan")

DELIVER_EVENT: Final = "mizan.deliver"  # handled by MizanConsumer.mizan_deliver
# Layer calls at once per event loop. channels_redis takes a pooled Redis connection per
# call and its pool refuses (MaxConnectionsError) rather than waits when a burst of
# subscribes (a reconnect storm after a deploy) asks for more than it holds.
LAYER_CALLS: Final = 50
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def layer_slot() -> asyncio.Semaphore:
    """This loop's bound on concurrent layer calls (LAYER_CALLS)."""
    loop = asyncio.get_running_loop()
    slot = _slots.get(loop)
    if slot is None:
        slot = _slots[loop] = asyncio.Semaphore(LAYER_CALLS)
    return slot


MSG_NO_LAYER: Final = (
    "Mizan cannot push to WebSockets: CHANNEL_LAYERS has no default layer. Set one "
    "(channels_redis.core.RedisChannelLayer across processes, "
    "channels.layers.InMemoryChannelLayer for one development process)."
)


@functools.lru_cache(maxsize=1)
def warn_without_layer() -> None:
    """Say once per process that pushes cannot be delivered."""
    logger.warning(MSG_NO_LAYER)


def _event(text: str, origin: str | None) -> dict[str, Any]:
    return {"type": DELIVER_EVENT, "text": text, "origin": origin}


class ChannelLayerPublisher:
    """`mizan.core.broadcast.Publisher` over the default Channels layer."""

    def reaches(self, group: str) -> bool:
        return True  # the layer alone knows its groups' members, in every process

    async def apublish(self, group: str, text: str, origin: str | None) -> None:
        layer = get_channel_layer()
        if layer is None:
            warn_without_layer()
            return
        async with layer_slot():
            await layer.group_send(group, _event(text, origin))

    def publish(self, group: str, text: str, origin: str | None) -> None:
        if broadcast.in_event_loop():
            broadcast.schedule(self.apublish(group, text, origin), "push through the Channels layer")
            return
        if get_channel_layer() is None:
            warn_without_layer()
            return
        # From a thread: on the server's loop when the thread is one of asgiref's (a sync
        # view under ASGI), else on a loop of its own (WSGI, workers, commands).
        async_to_sync(self.apublish)(group, text, origin)


PUBLISHER: Final = ChannelLayerPublisher()


def resolve_publisher() -> ChannelLayerPublisher:
    return PUBLISHER
