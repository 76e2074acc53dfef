"""Channel declarations and their registry extension (PROTOCOL §10.2, CHAN-1, CHAN-2, IR-13).

A channel is a `ReactChannel` subclass naming up to three Pydantic models. This module holds
the declaration side, which the IR and the registry schema read; the socket runtime
(subscribe, send, push) belongs to the WebSocket adapters.
"""

from __future__ import annotations

import re
import threading
from typing import Any, ClassVar, Final

import pydantic

from mizan.core import registry
from mizan.core.errors import MizanRegistrationError

EXTENSION_NAME: Final = "channels"
CHANNEL_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")  # IR.md §11.4 declaration names
# (class attribute, CHAN-2 schema key): the order the IR writes them in (IR.md §7)
MODEL_SLOTS: Final = (("Params", "params"), ("ReactMessage", "react_message"), ("DjangoMessage", "django_message"))


class ReactChannel:
    """Base class of a channel declaration (CHAN-1).

    `Params` identifies a subscription, `ReactMessage` is what the client may send (its
    presence makes the channel bidirectional), `DjangoMessage` is what the server pushes.
    """

    Params: ClassVar[type[pydantic.BaseModel] | None] = None
    ReactMessage: ClassVar[type[pydantic.BaseModel] | None] = None
    DjangoMessage: ClassVar[type[pydantic.BaseModel] | None] = None


class ChannelRegistry:
    """The `channels` registry extension (REG-7): `{name: channel class}`."""

    def __init__(self) -> None:
        self._channels: dict[str, type[ReactChannel]] = {}
        self._lock = threading.Lock()

    def add(self, cls: type[ReactChannel], name: str) -> None:
        with self._lock:
            held = self._channels.get(name)
            if held is not None and held is not cls:
                raise MizanRegistrationError(f"channel name {name!r} is already registered to {held.__qualname__}")
            self._channels[name] = cls

    def channels(self) -> dict[str, type[ReactChannel]]:
        with self._lock:
            return dict(self._channels)

    def schema(self) -> list[dict[str, Any]]:
        """CHAN-2: one record per channel, with the JSON Schemas of its models."""
        records = []
        for name, cls in sorted(self.channels().items()):
            record: dict[str, Any] = {"name": name, "type": "channel", "bidirectional": cls.ReactMessage is not None}
            for attribute, key in MODEL_SLOTS:
                model = getattr(cls, attribute)
                if model is not None:
                    record[key] = model.model_json_schema()
            records.append(record)
        return records

    def clear(self) -> None:
        with self._lock:
            self._channels.clear()


def _check_declaration(cls: object, name: object) -> None:
    if not (isinstance(cls, type) and issubclass(cls, ReactChannel)) or cls is ReactChannel:
        raise MizanRegistrationError(f"a channel must be a ReactChannel subclass, not {cls!r} (CHAN-1)")
    if not isinstance(name, str) or not CHANNEL_NAME.fullmatch(name):
        raise MizanRegistrationError(f"channel name {name!r} is not a valid name (docs/ir.md)")
    for attribute, _ in MODEL_SLOTS:
        model = getattr(cls, attribute)
        if model is not None and not (isinstance(model, type) and issubclass(model, pydantic.BaseModel)):
            raise MizanRegistrationError(f"channel {name!r}: {attribute} must be a Pydantic model, not {model!r}")


def register_channel(cls: type[ReactChannel], name: str) -> None:
    """Register a channel under `name` (CHAN-2). Registering the same class again is a no-op.

    Raises:
        MizanRegistrationError: not a ReactChannel subclass, an invalid name, a slot that is
            not a Pydantic model, or a name held by another class.
    """
    _check_declaration(cls, name)
    channel_registry().add(cls, name)


_install_lock = threading.Lock()


def channel_registry() -> ChannelRegistry:
    """The registry's `channels` extension, added on first use (and again after a clear)."""
    with _install_lock:
        extension = registry.get_extensions().get(EXTENSION_NAME)
        if isinstance(extension, ChannelRegistry):
            return extension
        created = ChannelRegistry()
        registry.register_extension(EXTENSION_NAME, created)
        return created


def get_channels() -> dict[str, type[ReactChannel]]:
    """`{name: channel class}` of every registered channel."""
    extension = registry.get_extensions().get(EXTENSION_NAME)
    return extension.channels() if isinstance(extension, ChannelRegistry) else {}
