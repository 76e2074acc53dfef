"""Server pushes to groups of sockets, in this process and others (CHAN-5, CHAN-6, WS-9).

A push is one text frame sent to a *group*: the subscribers of a channel's group, or every
socket of one authenticated user. The adapters supply the engine through `Publisher`s
(Django: the Channels layer; FastAPI: an in-process hub, or Redis pub/sub), registered here
under the adapter's name; a push goes through every registered publisher, so code that
pushes never needs to know which adapter serves the sockets.

Group names are derived here, hashed into the alphabet and length every engine accepts
(Channels: ASCII letters, digits, `-_.`, under 100 characters), so neither a user's group
string nor an identity key ever has to be valid for an engine.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import logging
from collections.abc import Callable, Sequence
from typing import Any, Final, Protocol

from pydantic_core import to_jsonable_python

from mizan.core import _backend
from mizan.core.auth import UnkeyedIdentity, get_user, identity_key
from mizan.core.errors import ConfigError
from mizan.core.tabs import request_tab

logger = logging.getLogger("mizan")

CHANNEL_GROUP_PREFIX: Final = "mizan.c."
USER_GROUP_PREFIX: Final = "mizan.u."
_HASH_LENGTH: Final = 40  # hex digits: 160 bits, and 48 characters with the prefix

Deliver = Callable[[str, "str | None"], None]
"""`deliver(text, origin)`: hand one pushed frame to a socket, from its event loop."""

# The socket a mutation came from (WS-9 skips it: its reply carries the invalidation).
# Set by the WebSocket session around each call; copied into the threads sync code runs in.
# An HTTP mutation names its tab in a header instead (mizan.core.tabs).
ORIGIN: contextvars.ContextVar[str | None] = contextvars.ContextVar("mizan_ws_origin", default=None)


class Publisher(Protocol):
    """One engine that carries pushes to sockets."""

    def reaches(self, group: str) -> bool:
        """False only when a push to `group` certainly reaches nobody (an in-process hub
        without members), so that building the frame can be skipped."""

    async def apublish(self, group: str, text: str, origin: str | None) -> None:
        """Push from async code."""

    def publish(self, group: str, text: str, origin: str | None) -> None:
        """Push from sync code: from a thread, blocking until handed to the engine; from an
        event loop's thread, scheduled on that loop (and never blocking it)."""


_publishers: dict[str, Callable[[], Publisher | None]] = {}
_background: set[asyncio.Task[None]] = set()


def register_publisher(name: str, resolve: Callable[[], Publisher | None]) -> None:
    """Register an adapter's engine; `resolve()` returns the publisher in force (its
    settings may change) or None when it has none. Registering a name again replaces it."""
    _publishers[name] = resolve


def unregister_publisher(name: str) -> None:
    _publishers.pop(name, None)


def publishers() -> list[Publisher]:
    """The publishers in force, one per adapter that registered one."""
    found = []
    for resolve in list(_publishers.values()):
        publisher = resolve()
        if publisher is not None:
            found.append(publisher)
    return found


def channel_group(channel: str, group: str) -> str:
    """The engine group of a channel's `group(params)`: channels never share a group."""
    digest = hashlib.sha256(f"{channel}\x00{group}".encode("utf-8", "surrogatepass")).hexdigest()
    return CHANNEL_GROUP_PREFIX + digest[:_HASH_LENGTH]


def user_group(key: str) -> str:
    """The engine group of every socket of the user with identity key `key` (WS-9)."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return USER_GROUP_PREFIX + digest[:_HASH_LENGTH]


def encode_frame(frame: Any) -> str:
    """A server frame's text: canonical JSON (JSON-1), models converted as results are."""
    return bytes(_backend.encode_json(frame, to_jsonable_python)).decode("utf-8")


MSG_NO_ENGINE: Final = (
    "nothing carries pushes in this process: on Django install the `channels` extra and the "
    'app ("mizan" in INSTALLED_APPS); on FastAPI import mizan_fastapi (and configure() it with '
    "the broadcast_url of the servers) before pushing"
)


def _engines() -> list[Publisher]:
    """The publishers in force; a push that nothing could carry is an error, never a
    silent loss (a worker that pushes without importing its adapter)."""
    engines = publishers()
    if not engines:
        raise ConfigError(MSG_NO_ENGINE)
    return engines


def publish(group: str, text: str, origin: str | None = None) -> None:
    """Push `text` to `group` through every publisher, from sync code.

    Raises:
        ConfigError: no adapter registered a publisher in this process.
    """
    for publisher in _engines():
        publisher.publish(group, text, origin)


async def apublish(group: str, text: str, origin: str | None = None) -> None:
    """Push `text` to `group` through every publisher, from async code.

    Raises:
        ConfigError: no adapter registered a publisher in this process.
    """
    for publisher in _engines():
        await publisher.apublish(group, text, origin)


def in_event_loop() -> bool:
    """True on a thread that is running an event loop (sync code there must not block)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def schedule(awaitable: Any, what: str) -> None:
    """Run a coroutine on this thread's loop without waiting for it; its failure is logged.
    The task is held until done (the loop keeps only weak references)."""

    async def run() -> None:
        try:
            await awaitable
        except Exception:
            logger.exception("Mizan could not %s", what)

    task = asyncio.ensure_future(run())
    _background.add(task)
    task.add_done_callback(_background.discard)


def invalidation_targets(
    invalidate: Sequence[str | dict[str, Any]], merge: Sequence[dict[str, Any]]
) -> list[str | dict[str, Any]]:
    """What another socket must drop after a mutation: its invalidation entries, and for
    each merge the member it updated (another tab cannot splice a merge into data it may
    not hold, so it refetches that member instead)."""
    targets: list[str | dict[str, Any]] = list(invalidate)
    for item in merge:
        target: dict[str, Any] = {"context": item["context"], "function": item["slot"]}
        if item.get("params") is not None:
            target["params"] = item["params"]
        if target not in targets:
            targets.append(target)
    return targets


def pending_invalidation(
    request: Any,
    invalidate: Sequence[str | dict[str, Any]],
    merge: Sequence[dict[str, Any]],
    origin: str | None,
) -> Callable[[], None] | None:
    """WS-9: what pushes `{"invalidate":[...],"type":"invalidate"}` to every socket of the
    request's authenticated user except `origin`, to be run when the mutation is final;
    None when there is nobody to tell. Anonymous requests push nothing (no socket may be
    told what another anonymous visitor changed), nor does an identity without a key.

    `origin` is the socket a WebSocket call came from (`ORIGIN`); None over HTTP, where
    the request's `X-Mizan-Tab` names the tab to skip, if any (mizan.core.tabs)."""
    if not (invalidate or merge) or not _publishers:
        return None
    try:
        key = identity_key(get_user(request))
    except UnkeyedIdentity:
        return None
    if key is None:
        return None
    group = user_group(key)
    engines = [publisher for publisher in publishers() if publisher.reaches(group)]
    if not engines:
        return None
    if origin is None:
        origin = request_tab(request)  # read only when a push goes out: free otherwise
    text = encode_frame({"invalidate": invalidation_targets(invalidate, merge), "type": "invalidate"})

    def push() -> None:
        for publisher in engines:
            try:
                publisher.publish(group, text, origin)
            except Exception:
                logger.exception("Mizan could not push an invalidation to the user's sockets")

    return push


def push_invalidation(request: Any, invalidate: Sequence[Any], merge: Sequence[dict[str, Any]]) -> None:
    """The push hook of adapters without transactions: push at once (WS-9)."""
    push = pending_invalidation(request, invalidate, merge, ORIGIN.get())
    if push is not None:
        push()
