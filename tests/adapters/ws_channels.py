"""Channels of the WebSocket tests in this directory (CHAN-1..5), registered per test by
`register_channels` (the adapter fixture's registry restore drops them afterwards).

- `room`: two-way, authenticated users only, one group per room; `receive` signs the text
  with who sent it, and delivers nothing for "silence".
- `news`: one-way, anyone may listen, the default group (one per distinct params).
- `async_news`: two-way with `async def` hooks and one group for every topic.
- `closed`: no Params and the default `authorize`, which refuses everyone.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from mizan.channels import ReactChannel, register
from tests.adapters.identities import describe


class Room(ReactChannel):
    class Params(BaseModel):
        room: str

    class ReactMessage(BaseModel):
        text: str

    class DjangoMessage(BaseModel):
        text: str
        user: str

    def authorize(self, params: Any) -> bool:
        return bool(self.user.is_authenticated) and params.room != "locked"  # on both adapters

    def group(self, params: Any) -> str:
        return f"room_{params.room}"

    def receive(self, params: Any, message: Any) -> Any:
        if message.text == "silence":
            return None
        return self.DjangoMessage(text=message.text, user=describe(self.user))


class News(ReactChannel):
    class Params(BaseModel):
        topic: str

    class DjangoMessage(BaseModel):
        headline: str

    def authorize(self, params: Any) -> bool:
        return True


class AsyncNews(ReactChannel):
    class Params(BaseModel):
        topic: str

    class ReactMessage(BaseModel):
        text: str

    class DjangoMessage(BaseModel):
        text: str

    async def authorize(self, params: Any) -> bool:
        return bool(params.topic.startswith("a"))

    async def group(self, params: Any) -> str:
        return "every-topic"

    async def receive(self, params: Any, message: Any) -> Any:
        return {"text": message.text.upper()}


class Closed(ReactChannel):
    class DjangoMessage(BaseModel):
        n: int


CHANNELS = {"room": Room, "news": News, "async_news": AsyncNews, "closed": Closed}


def register_channels() -> None:
    for name, cls in CHANNELS.items():
        register(cls, name)


def subscribe(
    frame_id: Any, channel: Any, params: Any = None, action: str = "subscribe", **extra: Any
) -> dict[str, Any]:
    """A subscribe (or unsubscribe/send) frame; `params` left out when None."""
    frame: dict[str, Any] = {"action": action, "id": frame_id, "channel": channel, **extra}
    if params is not None:
        frame["params"] = params
    return frame


def send(frame_id: Any, channel: Any, params: Any, message: Any) -> dict[str, Any]:
    return subscribe(frame_id, channel, params, "send", message=message)


def unsubscribe(frame_id: Any, channel: Any, params: Any = None) -> dict[str, Any]:
    return subscribe(frame_id, channel, params, "unsubscribe")
