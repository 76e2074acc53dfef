"""One WebSocket connection speaking Mizan's frame protocol (PROTOCOL §10.1, §10.2).

Framework-neutral: an adapter accepts the connection, wraps it in a `Transport` (send a
text frame, close with a code, build the request object a call runs with, join and leave
push groups) and hands `Session.serve` a function that receives the next client frame.
The session parses each frame under a size limit and runs each `rpc`, `auth`,
`subscribe`, `unsubscribe` and `send` frame as its own task; an `rpc` goes through
`/call/`'s pipeline (`dispatch_pipeline` driven by `run_async`), so codes, invalidation,
merges and purges are exactly those of HTTP.

Pushes reach the socket through the groups it joined: one per channel subscription's
group, and its user's group, which carries the invalidation of that user's mutations on
any transport (WS-9; `mizan.core.broadcast`).

Every bound is explicit (`WSLimits`, CHAN-7): a frame's size, the frames in flight, the
subscriptions and the frames waiting to be sent. A client that reads too slowly is closed
with 1013 rather than let the outgoing queue grow.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Final, Protocol, TypeGuard

from mizan.core import _backend, broadcast, channels, registry
from mizan.core.auth import UnkeyedIdentity, get_user, identity_key
from mizan.core.errors import BadRequest, Forbidden, InternalError, MizanError, NotImplementedYet, Unauthorized
from mizan.core.executor import (
    HEADER_INVALIDATE,
    MizanResponse,
    as_mizan_error,
    dispatch_pipeline,
    encode,
    error_response,
    run_async,
)
from mizan.core.settings import MizanSettings, WSLimits
from mizan.core.tabs import valid_tab
from mizan.core.tokens import TokenUser, authenticate_mwt

logger = logging.getLogger("mizan")

CLOSE_TRY_AGAIN_LATER: Final = 1013  # RFC 6455 §7.4.1 via the IANA registry: "Try Again Later"
# Ids are echoed to JavaScript clients: integers stay within Number's exact range, strings short.
MAX_ID_INTEGER: Final = 2**53 - 1
MAX_ID_LENGTH: Final = 128
MSG_NOT_JSON: Final = "A frame must be one JSON object"
MSG_BINARY: Final = "Frames must be text"
MSG_ID: Final = "A frame needs an id: a string of at most 128 characters or a number"
MSG_ACTION: Final = "Unknown action"
MSG_FN: Final = "An rpc frame needs fn, a non-empty string"
MSG_ARGS: Final = "args must be an object"
MSG_TOKEN: Final = "An auth frame needs token, a string"
MSG_IN_FLIGHT: Final = "Too many calls in flight on this socket"
MSG_SUBSCRIPTIONS: Final = "Too many subscriptions on this socket"
OK: Final = b'{"ok":true}'
MSG_VIEW: Final = "This function answers with an HTTP response, which a WebSocket cannot carry; call it over /call/"

Id = str | int | float


class Transport(Protocol):
    """What a session needs from its adapter's connection."""

    async def send_text(self, text: str) -> None:
        """Send one text frame."""

    async def close(self, code: int) -> None:
        """Close the connection with `code`."""

    def request(self, token_user: TokenUser | None) -> Any:
        """The request object one RPC runs with: the connection's own identity, adapted as
        the adapter's HTTP requests are, or `token_user` when the socket authenticated
        with a token (WS-2). A fresh object per RPC, so an `auth` frame never changes the
        identity of a call already running."""

    async def join(self, group: str, deliver: broadcast.Deliver) -> None:
        """Start receiving the pushes to `group` (an engine group of mizan.core.broadcast):
        each is handed to `deliver(text, origin)` on the session's event loop."""

    async def leave(self, group: str, deliver: broadcast.Deliver) -> None:
        """Stop receiving the pushes to `group`."""


Receive = Callable[[], Awaitable[str | bytes | None]]
"""The adapter's next client frame: text, bytes for a binary frame, None once the client left."""


class FrameError(Exception):
    """A malformed frame (WS-5): answered with BAD_REQUEST and `id` (None when unknown)."""

    def __init__(self, message: str, frame_id: Id | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.frame_id = frame_id


class Session:
    """One socket: frames in, reply and push frames out through a bounded queue."""

    def __init__(
        self,
        transport: Transport,
        settings: MizanSettings,
        limits: WSLimits | None = None,
        *,
        check_subject: Callable[[str], object] | None = None,
        in_thread: channels.Runner | None = None,
        tab: str | None = None,
    ) -> None:
        """`check_subject` is the adapter's test of an MWT subject, as on its HTTP
        endpoints (Django: the subject parses as the user model's primary key);
        `in_thread(func, *args)` runs sync user code off the loop (default
        `asyncio.to_thread`; Django closes stale database connections around it);
        `tab` the client's tab id from the connect URL (mizan.core.tabs), ignored unless
        valid."""
        self.transport = transport
        self.settings = settings
        self.limits = limits or settings.ws
        self.check_subject = check_subject
        self.in_thread = in_thread
        self.token_user: TokenUser | None = None  # set by a valid `auth` frame (WS-2)
        # WS-9: this socket's own mutations are not pushed back to it, nor (with a tab id)
        # its tab's mutations over HTTP.
        self.origin = valid_tab(tab) or secrets.token_hex(8)
        self._outgoing: asyncio.Queue[str] = asyncio.Queue(self.limits.send_queue)
        self._calls: set[asyncio.Task[None]] = set()
        self._overflow = asyncio.Event()
        # (channel, canonical params) -> engine group; engine group -> how many hold it
        self._subscriptions: dict[tuple[str, str], str] = {}
        self._groups: dict[str, int] = {}
        self._user_group: str | None = None
        self._membership = asyncio.Lock()

    # --- lifecycle -----------------------------------------------------------------------

    async def serve(self, receive: Receive) -> None:
        """Run the socket until the client leaves, a send fails, or the outgoing queue
        overflows (then close with 1013). Calls still running are cancelled and every
        group is left on the way out."""
        tasks = [
            asyncio.ensure_future(self._read_loop(receive)),
            asyncio.ensure_future(self._send_loop()),
            asyncio.ensure_future(self._overflow.wait()),
        ]
        try:
            await self._follow_user()
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            pending = tasks + list(self._calls)
            for task in pending:
                task.cancel()
            # `wait`, not `gather`: when the server cancels this task meanwhile (Starlette's
            # test client does), its own CancelledError must be the one that propagates.
            await asyncio.wait(pending)
            await self._leave_all()
        for task in tasks[:2]:
            if not task.cancelled() and task.exception() is not None:
                logger.debug("Mizan WebSocket ended", exc_info=task.exception())
        if self._overflow.is_set():
            logger.warning("Mizan closed a WebSocket whose client read too slowly (send_queue full)")
            with contextlib.suppress(Exception):  # the client may be gone already
                await self.transport.close(CLOSE_TRY_AGAIN_LATER)

    async def _read_loop(self, receive: Receive) -> None:
        while True:
            frame = await receive()
            if frame is None:
                return
            if isinstance(frame, str):
                self.receive_text(frame)
            else:
                self._send_error(None, BadRequest(MSG_BINARY))

    async def _send_loop(self) -> None:
        while True:
            text = await self._outgoing.get()
            await self.transport.send_text(text)

    def _send(self, text: str) -> None:
        """Queue a frame; a full queue means the client falls behind: close it (CHAN-7)."""
        if self._overflow.is_set():
            return
        try:
            self._outgoing.put_nowait(text)
        except asyncio.QueueFull:
            self._overflow.set()

    def deliver(self, text: str, origin: str | None) -> None:
        """A push to one of this socket's groups (CHAN-4, WS-9), on the session's loop;
        the invalidation of this socket's own mutation is skipped (its reply has it)."""
        if origin is None or origin != self.origin:
            self._send(text)

    # --- frames --------------------------------------------------------------------------

    def receive_text(self, text: str) -> None:
        """Handle one client frame; every answer, including errors, goes out as a frame
        and the socket stays open (WS-5)."""
        try:
            self._handle(self._parse(text))
        except FrameError as error:
            self._send_error(error.frame_id, BadRequest(error.message))

    def _parse(self, text: str) -> dict[str, Any]:
        limit = self.limits.max_frame_bytes
        # A character is at least one byte: a text longer than the limit is refused unencoded.
        if len(text) > limit:
            raise FrameError(BadRequest.default_message)
        try:
            frame = _backend.parse_json(text.encode("utf-8", "surrogatepass"), limit, self.settings.max_depth)
        except MizanError as error:
            raise FrameError(error.message) from None
        if not isinstance(frame, dict):
            raise FrameError(MSG_NOT_JSON)
        return frame

    def _handle(self, frame: dict[str, Any]) -> None:
        frame_id = frame.get("id")
        if not _valid_id(frame_id):
            raise FrameError(MSG_ID)
        action = frame.get("action")
        if action == "rpc":
            fn, args = _rpc_target(frame_id, frame)
            self._start(frame_id, self._call(frame_id, fn, args))
        elif action == "auth":
            token = frame.get("token")
            if not isinstance(token, str):
                raise FrameError(MSG_TOKEN, frame_id)
            self._start(frame_id, self._auth(frame_id, token))
        elif action in ("subscribe", "unsubscribe", "send"):
            self._start(frame_id, self._channel(frame_id, action, frame))
        else:
            raise FrameError(MSG_ACTION, frame_id)

    def _start(self, frame_id: Id, work: Coroutine[Any, Any, None]) -> None:
        """One task per frame (WS-6), at most `max_in_flight` at once: one more is
        answered at once rather than queued."""
        if len(self._calls) >= self.limits.max_in_flight:
            work.close()
            self._send_error(frame_id, BadRequest(MSG_IN_FLIGHT, details={"max_in_flight": self.limits.max_in_flight}))
            return
        task = asyncio.ensure_future(work)
        self._calls.add(task)
        task.add_done_callback(self._calls.discard)

    async def _auth(self, frame_id: Id, token: str) -> None:
        """WS-2: a valid MWT switches the identity of the calls that follow (and the user
        whose pushed invalidations this socket receives); an invalid one is a 401 frame
        and changes nothing."""
        try:
            user = authenticate_mwt(token, self.settings.mwt, check_subject=self.check_subject)
        except Unauthorized as error:
            self._send_error(frame_id, error)
            return
        self.token_user = user
        await self._follow_user()
        self._send(_frame(frame_id, OK))

    async def _call(self, frame_id: Id, fn: str, args: dict[str, Any]) -> None:
        broadcast.ORIGIN.set(self.origin)  # this task's context only
        try:
            if _declared_view(fn):
                response = error_response(NotImplementedYet(MSG_VIEW))
            else:
                request = self.transport.request(self.token_user)
                response = await run_async(dispatch_pipeline(request, fn, args), self.in_thread)
            if response.passthrough is not None:
                self._send(_undeclared_view(frame_id, fn, response))
                return
        except Exception:
            logger.exception("Mizan could not answer the WebSocket call of %s", fn[:200])
            response = error_response(InternalError())
        self._send(_frame(frame_id, response.body))

    def _send_error(self, frame_id: Id | None, error: MizanError) -> None:
        self._send(_frame(frame_id, encode(error.envelope())))

    # --- channels (CHAN-3) ---------------------------------------------------------------

    async def _channel(self, frame_id: Id, action: str, frame: dict[str, Any]) -> None:
        """subscribe / unsubscribe / send, answered `{"id":…,"ok":true}` or with the
        error frame: unknown channel 404, one-way `send` 400, bad params or message 422,
        `authorize` false 403, too many subscriptions 400."""
        try:
            name, cls = channels.lookup(frame.get("channel"))
            message = channels.parse_message(cls, frame.get("message")) if action == "send" else None
            params = channels.parse_params(cls, frame.get("params"))
            key = (name, "" if params is None else broadcast.encode_frame(params.model_dump(mode="json")))
            if action == "unsubscribe":
                await self._unsubscribe(key)
            else:
                if action == "subscribe" and key not in self._subscriptions:
                    self._check_subscription_room()
                request = self.transport.request(self.token_user)
                instance = cls(get_user(request), request)
                if not await channels.call_hook(instance.authorize, (params,), self.in_thread):
                    raise Forbidden()
                group = await channels.engine_group(name, cls, instance, params, self.in_thread)
                if action == "subscribe":
                    await self._subscribe(key, group)
                else:
                    reply = await channels.call_hook(instance.receive, (params, message), self.in_thread)
                    if reply is not None:
                        delivery = channels.as_delivery(cls, reply)
                        await broadcast.apublish(group, channels.delivery_frame(name, params, delivery))
        except Exception as exc:
            self._send_error(frame_id, as_mizan_error(exc))
            return
        self._send(_frame(frame_id, OK))

    def _check_subscription_room(self) -> None:
        limit = self.limits.max_subscriptions
        if len(self._subscriptions) >= limit:
            raise BadRequest(MSG_SUBSCRIPTIONS, details={"max_subscriptions": limit})

    async def _subscribe(self, key: tuple[str, str], group: str) -> None:
        async with self._membership:
            if key in self._subscriptions:
                return  # subscribing again is a no-op
            self._check_subscription_room()  # again: others may have been added meanwhile
            self._subscriptions[key] = group
            await self._join(group)

    async def _unsubscribe(self, key: tuple[str, str]) -> None:
        async with self._membership:
            group = self._subscriptions.pop(key, None)
            if group is not None:  # unsubscribing what was never subscribed is a no-op
                await self._leave(group)

    async def _follow_user(self) -> None:
        """Hold the group of the socket's current authenticated user, and only it (WS-9).
        An engine that fails (Redis down) costs the pushed invalidations, never the socket."""
        try:
            key = identity_key(get_user(self.transport.request(self.token_user)))
        except UnkeyedIdentity:
            key = None  # never shares a group with anyone
        group = None if key is None else broadcast.user_group(key)
        try:
            async with self._membership:
                if group == self._user_group:
                    return
                if self._user_group is not None:
                    await self._leave(self._user_group)
                self._user_group = group
                if group is not None:
                    await self._join(group)
        except Exception:
            logger.exception("Mizan could not subscribe a WebSocket to its user's invalidations")

    async def _join(self, group: str) -> None:
        held = self._groups.get(group, 0)
        self._groups[group] = held + 1
        if not held:
            await self.transport.join(group, self.deliver)

    async def _leave(self, group: str) -> None:
        held = self._groups.pop(group, 0)
        if held > 1:
            self._groups[group] = held - 1
        elif held == 1:
            await self.transport.leave(group, self.deliver)

    async def _leave_all(self) -> None:
        groups, self._groups = list(self._groups), {}
        self._subscriptions.clear()
        self._user_group = None
        for group in groups:
            try:
                await self.transport.leave(group, self.deliver)
            except Exception:
                logger.debug("Mizan could not leave a push group", exc_info=True)


def _rpc_target(frame_id: Id, frame: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """WS-3: `fn` and `args` as `/call/` reads them (RPC-1: `args` absent or null is `{}`)."""
    fn = frame.get("fn")
    if not isinstance(fn, str) or not fn:
        raise FrameError(MSG_FN, frame_id)
    args = frame.get("args")
    if args is None:
        return fn, {}
    if not isinstance(args, dict):
        raise FrameError(MSG_ARGS, frame_id)
    return fn, args


def _valid_id(value: Any) -> TypeGuard[Id]:
    """WS-3 ids: a string of at most MAX_ID_LENGTH characters, or a number an ECMAScript
    client reads back exactly (bools are JSON's true/false, never ids)."""
    if isinstance(value, str):
        return len(value) <= MAX_ID_LENGTH
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -MAX_ID_INTEGER <= value <= MAX_ID_INTEGER
    return isinstance(value, float)  # finite: the parser refuses NaN and Infinity


def _frame(frame_id: Id | None, envelope: bytes) -> str:
    """A reply frame (WS-4): the envelope of `/call/` with `id` added in canonical key
    order (JSON-1). The envelope's keys are `error`, or among `invalidate`, `merge`,
    `result` and `ok`, so `id` goes after `error` and before the others."""
    encoded_id = encode(frame_id)
    if envelope.startswith(b'{"error":'):
        body = envelope[:-1] + b',"id":' + encoded_id + b"}"
    else:
        body = b'{"id":' + encoded_id + (b"," + envelope[1:] if envelope != b"{}" else b"}")
    return body.decode("utf-8")


def _declared_view(name: str) -> bool:
    """A public function declared to return a framework response (SIG-8) takes the view
    path, which has no WebSocket form: refused before it runs (its guard included), so a
    mutation never happens without its answer being deliverable."""
    fn_class = registry.get_function(name)
    return (
        fn_class is not None
        and not fn_class._options.private
        and bool(fn_class._meta.get("view_path"))
        and not registry.cached_registry_problems()
    )


def _undeclared_view(frame_id: Id, name: str, response: MizanResponse) -> str:
    """A function that returned a framework response without declaring it has already
    run: its frame is the 501 error plus the invalidation its success caused, so the
    client still drops what it changed."""
    logger.warning("Mizan function %s returned an HTTP response to a WebSocket call", name[:200])
    frame: dict[str, Any] = {"id": frame_id, **NotImplementedYet(MSG_VIEW).envelope()}
    header = response.headers.get(HEADER_INVALIDATE)
    if header:
        frame["invalidate"] = _backend.parse_invalidate_header(header)
    return encode(frame).decode("utf-8")
