"""Channels: declarations, their registry extension, and pushes (PROTOCOL §10.2, CHAN-1..5).

A channel is a `ReactChannel` subclass naming up to three Pydantic models and three hooks
(`authorize`, `group`, `receive`). The IR and the registry schema read the declaration;
`mizan.core.ws` serves subscribe/unsubscribe/send frames with the helpers at the end of
this module; `ReactChannel.push` sends a message to a group from any code, through the
engines of `mizan.core.broadcast`.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import threading
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Final

import pydantic

from mizan.core import broadcast, registry
from mizan.core.errors import BadRequest, ConfigError, MizanRegistrationError, NotFound, ValidationError
from mizan.core.signature import model_errors

EXTENSION_NAME: Final = "channels"
CHANNEL_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")  # IR.md §11.4 declaration names
# (class attribute, CHAN-2 schema key): the order the IR writes them in (IR.md §7)
MODEL_SLOTS: Final = (("Params", "params"), ("ReactMessage", "react_message"), ("DjangoMessage", "django_message"))


class Anonymous:
    """The identity of a socket without one (FastAPI's anonymous `state.user` is None):
    falsy, `is_authenticated` False, no key, like Django's `AnonymousUser`."""

    is_authenticated: Final = False
    is_anonymous: Final = True
    is_staff: Final = False
    is_superuser: Final = False
    pk: Final = None
    id: Final = None

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "Anonymous"


ANONYMOUS: Final = Anonymous()


class ReactChannel:
    """Base class of a channel declaration (CHAN-1).

    `Params` identifies a subscription, `ReactMessage` is what the client may send (its
    presence makes the channel bidirectional), `DjangoMessage` is what the server pushes.
    """

    Params: ClassVar[type[pydantic.BaseModel] | None] = None
    ReactMessage: ClassVar[type[pydantic.BaseModel] | None] = None
    DjangoMessage: ClassVar[type[pydantic.BaseModel] | None] = None

    def __init__(self, user: Any = None, request: Any = None) -> None:
        """`user` is the socket's identity as a server function's request sees it
        (Django: the session or token user, `AnonymousUser` when anonymous; FastAPI:
        `request.state.user`), and `ANONYMOUS` when there is none, so that
        `self.user.is_authenticated` reads the same on both adapters; `request` is the
        request object a call on that socket would get (None in `push`)."""
        self.user = ANONYMOUS if user is None else user
        self.request = request

    def authorize(self, params: Any) -> bool | Awaitable[bool]:
        """May this socket subscribe to (or send on) the channel with `params`? The
        default refuses everyone: a channel says who may listen."""
        return False

    def group(self, params: Any) -> str | Awaitable[str]:
        """The group a subscription with `params` joins, and `push(params, ...)` reaches.
        The default is one group per distinct `params`."""
        return "" if params is None else broadcast.encode_frame(params.model_dump(mode="json"))

    def receive(self, params: Any, message: Any) -> Any:
        """A client's `send` (bidirectional channels): the returned message, if any, is
        delivered to the group of `params`. The default delivers nothing."""
        return None

    @classmethod
    def push(cls, params: Any = None, message: Any = None) -> None:
        """Deliver `message` to the subscribers of `group(params)`, in every process
        (CHAN-5, CHAN-6). Callable from any sync code: a view, a signal handler, a worker,
        a management command. `params` and `message` are dicts or model instances.

        Raises:
            pydantic.ValidationError: `params` or `message` does not fit the channel.
            ConfigError: the class is not registered, declares no DjangoMessage, or its
                `group` is async (push from async code with `apush`).
        """
        if inspect.iscoroutinefunction(cls.group):
            raise ConfigError(f"{cls.__qualname__}.group is async: push from async code with `await apush(...)`")
        for name in _names_of(cls):
            params_model = _params_for_push(cls, params)
            group = cls().group(params_model)
            _publish_sync(name, params_model, group, message, cls)

    @classmethod
    async def apush(cls, params: Any = None, message: Any = None) -> None:
        """`push` for async code (CHAN-5)."""
        for name in _names_of(cls):
            params_model = _params_for_push(cls, params)
            group = await call_hook(cls().group, (params_model,))
            text = delivery_frame(name, params_model, as_delivery(cls, message))
            await broadcast.apublish(broadcast.channel_group(name, _group_text(group, cls)), text)


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

    def names_of(self, cls: type[ReactChannel]) -> list[str]:
        with self._lock:
            return sorted(name for name, held in self._channels.items() if held is cls)

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


# --- the runtime: what `push` and the socket's channel frames share ----------------------

Runner = Callable[..., Awaitable[Any]]
"""`await runner(func, *args)`: run sync code off the event loop (default asyncio.to_thread)."""


def lookup(name: Any) -> tuple[str, type[ReactChannel]]:
    """The registered channel called `name` (CHAN-3).

    Raises:
        NotFound: no channel has that name.
    """
    cls = get_channels().get(name) if isinstance(name, str) else None
    if cls is None:
        raise NotFound("Channel not found", details={"channel": name if isinstance(name, str) else None})
    return name, cls


def _names_of(cls: type[ReactChannel]) -> list[str]:
    extension = registry.get_extensions().get(EXTENSION_NAME)
    names = extension.names_of(cls) if isinstance(extension, ChannelRegistry) else []
    if not names:
        raise ConfigError(f"{cls.__qualname__} is not a registered channel: mizan.channels.register() it first")
    return names


def _validate(model: type[pydantic.BaseModel], value: Any, location: str) -> pydantic.BaseModel:
    try:
        return model.model_validate(value)
    except pydantic.ValidationError as exc:
        raise ValidationError([((location, *loc), message) for loc, message in model_errors(exc)]) from None


def parse_params(cls: type[ReactChannel], value: Any) -> pydantic.BaseModel | None:
    """A frame's `params` as the channel's `Params` (absent or null is `{}`).

    Raises:
        ValidationError: they do not fit (422); a channel without `Params` takes none.
    """
    if cls.Params is None:
        if value not in (None, {}):
            raise ValidationError([(("params",), "This channel takes no params")])
        return None
    return _validate(cls.Params, {} if value is None else value, "params")


def parse_message(cls: type[ReactChannel], value: Any) -> pydantic.BaseModel:
    """A `send` frame's `message` as the channel's `ReactMessage`.

    Raises:
        BadRequest: the channel is one-way (no `ReactMessage`, CHAN-3).
        ValidationError: the message does not fit (422).
    """
    if cls.ReactMessage is None:
        raise BadRequest("This channel is one-way: clients cannot send on it")
    return _validate(cls.ReactMessage, value, "message")


def as_delivery(cls: type[ReactChannel], message: Any) -> pydantic.BaseModel:
    """A message to deliver (pushed, or returned by `receive`), as the channel's
    `DjangoMessage`. A wrong one is the server's mistake, never the client's.

    Raises:
        ConfigError: the channel declares no DjangoMessage.
        pydantic.ValidationError: the message does not fit it.
    """
    if cls.DjangoMessage is None:
        raise ConfigError(f"{cls.__qualname__} declares no DjangoMessage: it has nothing to deliver")
    return cls.DjangoMessage.model_validate(message)


def _params_for_push(cls: type[ReactChannel], params: Any) -> pydantic.BaseModel | None:
    if cls.Params is None:
        if params not in (None, {}):
            raise ConfigError(f"{cls.__qualname__} declares no Params: push it with params=None")
        return None
    return cls.Params.model_validate({} if params is None else params)


def _group_text(group: Any, cls: type[ReactChannel]) -> str:
    if not isinstance(group, str):
        raise ConfigError(f"{cls.__qualname__}.group() returned {type(group).__name__}, not a str")
    return group


def delivery_frame(name: str, params: pydantic.BaseModel | None, message: pydantic.BaseModel) -> str:
    """CHAN-4: `{"channel":…,"message":{…},"params":{…},"type":"message"}` (JSON-1 key order)."""
    return broadcast.encode_frame(
        {
            "channel": name,
            "message": message.model_dump(mode="json"),
            "params": {} if params is None else params.model_dump(mode="json"),
            "type": "message",
        }
    )


def _publish_sync(
    name: str, params: pydantic.BaseModel | None, group: Any, message: Any, cls: type[ReactChannel]
) -> None:
    text = delivery_frame(name, params, as_delivery(cls, message))
    broadcast.publish(broadcast.channel_group(name, _group_text(group, cls)), text)


async def call_hook(hook: Callable[..., Any], args: tuple[Any, ...], runner: Runner | None = None) -> Any:
    """A channel hook's value: `async def` hooks awaited, sync ones run off the loop (they
    may query the database)."""
    if inspect.iscoroutinefunction(hook):
        return await hook(*args)
    value = await (runner or asyncio.to_thread)(hook, *args)
    if inspect.isawaitable(value):
        value = await value
    return value


async def engine_group(
    name: str, cls: type[ReactChannel], instance: ReactChannel, params: Any, runner: Runner | None
) -> str:
    """The engine group of a subscription (`broadcast.channel_group` of `group(params)`)."""
    group = await call_hook(instance.group, (params,), runner)
    return broadcast.channel_group(name, _group_text(group, cls))
