"""WebSocket behaviour particular to Django (PROTOCOL WS-1, WS-2, WS-9, CHAN-1, CHAN-5): frames
through `mizan.wrap_asgi(get_asgi_application())` with Channels' `WebsocketCommunicator`, the
identity being the connection's Django session user (AuthMiddlewareStack), an MWT subject
that must be a primary key, handshakes from another site refused (AllowedHostsOriginValidator,
ALLOWED_HOSTS), Channels imported only when asked for, channel hooks seeing the session's
user model instance, pushes through the Channels layer, and live invalidation waiting for the
commit. What both adapters share is in tests/adapters/test_ws.py, test_ws_hostile.py and
test_channels.py.

Expected frames are built with the standard library's encoder in canonical form (JSON-1).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.core.asgi import get_asgi_application
from django.db import transaction
from django.test import Client
from pydantic import BaseModel

import mizan
from mizan import ReactContext, client
from mizan.channels import ReactChannel, register
from mizan.core import registry
from mizan.core.tokens import MWTConfig, mint_mwt, permission_key

WS = "/api/mizan/ws/"
SECRET = "mwt-secret-for-the-django-websocket-tests-0123"
SAME_SITE = (b"origin", b"http://testserver")
APPLICATION = mizan.wrap_asgi(get_asgi_application())
# Channels' consumers close stale database connections around every message, and the
# session user is read in the auth middleware's thread: the database is real, committed.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.capability("WebSocket RPC", "django")]


def text(value: Any) -> str:
    """JSON-1 text computed independently of Mizan's encoder."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def error(frame_id: Any, code: str, message: str, details: dict[str, Any] | None = None) -> str:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return text({"id": frame_id, "error": body})


def rpc(frame_id: Any, fn: str, args: Any = None) -> str:
    frame: dict[str, Any] = {"action": "rpc", "id": frame_id, "fn": fn}
    if args is not None:
        frame["args"] = args
    return json.dumps(frame)


Conversation = Callable[[WebsocketCommunicator], Awaitable[None]]


def converse(talk: Conversation, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Open a socket with `headers` (a same-site Origin by default), run `talk` on it,
    then close it; the handshake must succeed."""

    async def go() -> None:
        communicator = WebsocketCommunicator(APPLICATION, WS, headers=[SAME_SITE] if headers is None else headers)
        connected, _ = await communicator.connect()
        assert connected
        try:
            await talk(communicator)
        finally:
            await communicator.disconnect()

    async_to_sync(go)()


def handshake(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether a handshake with `headers` is accepted."""

    async def go() -> bool:
        communicator = WebsocketCommunicator(APPLICATION, WS, headers=headers)
        connected, _ = await communicator.connect()
        await communicator.disconnect()
        return bool(connected)

    return bool(async_to_sync(go)())


async def ask(communicator: WebsocketCommunicator, frame: str) -> str:
    await communicator.send_to(text_data=frame)
    reply = await communicator.receive_from()
    assert isinstance(reply, str)
    return reply


def session_cookie(username: str, staff: bool = False) -> tuple[bytes, bytes]:
    """A new user logged in with Django's test Client: the `Cookie` header of its session."""
    return logged_in(username, staff)[1]


def logged_in(username: str, staff: bool = False) -> tuple[Client, tuple[bytes, bytes]]:
    """A new user logged in with Django's test Client: the client, and the `Cookie` header
    of its session."""
    user = get_user_model().objects.create_user(username=username, password="pw", is_staff=staff)
    browser = Client()
    browser.force_login(user)
    return browser, (b"cookie", f"sessionid={browser.cookies['sessionid'].value}".encode())


async def next_frame(ws: WebsocketCommunicator) -> str:
    """The next frame; a failure rather than a hang when none comes (a guard, not a measure)."""
    frame = await ws.receive_from(timeout=30)
    assert isinstance(frame, str)
    return frame


async def quiet(ws: WebsocketCommunicator) -> None:
    """Nothing is waiting: the reply to an unknown action (answered at once, WS-5) comes next."""
    assert await ask(ws, '{"action":"quiet-probe","id":"q"}') == error("q", "BAD_REQUEST", "Unknown action")


# --- WS-2: identity -------------------------------------------------------------------------------


def test_ws2_guard_sees_the_session_user() -> None:
    async def talk(ws: WebsocketCommunicator) -> None:
        assert await ask(ws, rpc(1, "whoami")) == text({"id": 1, "result": {"username": "alice"}})
        assert await ask(ws, rpc(2, "staff_only")) == error(2, "FORBIDDEN", "Staff access required")

    converse(talk, [SAME_SITE, session_cookie("alice")])


def test_ws2_anonymous_connection_is_401() -> None:
    async def talk(ws: WebsocketCommunicator) -> None:
        assert await ask(ws, rpc(1, "whoami")) == error(1, "UNAUTHORIZED", "Authentication required")

    converse(talk)
    converse(talk, [SAME_SITE, (b"cookie", b"sessionid=not-a-session")])


def test_ws2_mwt_subject_must_be_a_primary_key(settings: Any) -> None:
    """As on `/call/` (AUTH-4): a token whose subject the user model cannot parse is refused."""
    settings.MIZAN_MWT_SECRET = SECRET
    token = mint_mwt(
        MWTConfig(secret=SECRET), "abc", pkey=permission_key((), False, False), is_staff=False, is_superuser=False
    )

    async def talk(ws: WebsocketCommunicator) -> None:
        frame = json.dumps({"action": "auth", "id": 1, "token": token})
        assert await ask(ws, frame) == error(1, "UNAUTHORIZED", "Invalid or expired MWT")

    converse(talk)


# --- channels and live invalidation through the Channels layer ----------------------------------

Notes = ReactContext("django_ws_notes")


class Lobby(ReactChannel):
    """Session users only; `receive` names the Django user who sent."""

    class Params(BaseModel):
        room: str

    class ReactMessage(BaseModel):
        text: str

    class DjangoMessage(BaseModel):
        text: str
        user: str

    def authorize(self, params: Any) -> bool:
        return bool(self.user.is_authenticated)

    def receive(self, params: Any, message: Any) -> Any:
        return self.DjangoMessage(text=message.text, user=self.user.get_username())


@client(context=Notes)
def django_ws_note(request: Any, note_id: int) -> str:
    return "note"


@client(affects=Notes)
def django_ws_edit(request: Any, note_id: int) -> bool:
    return True


@pytest.fixture
def lobby() -> Any:
    """`Lobby` as channel "lobby" and the two functions above; the registry restored after."""
    saved = registry.get_all_functions()
    register(Lobby, "lobby")
    registry.register(django_ws_note, "django_ws_note")
    registry.register(django_ws_edit, "django_ws_edit")
    yield
    registry.clear_registry()
    for name, fn_class in saved.items():
        registry.register(fn_class, name)


def subscribe(frame_id: int, room: str) -> str:
    return json.dumps({"action": "subscribe", "id": frame_id, "channel": "lobby", "params": {"room": room}})


@pytest.mark.capability("Channels", "django")
def test_chan1_hooks_see_the_session_user_and_push_goes_through_the_layer(lobby: None) -> None:
    cookie = session_cookie("alice")

    async def talk(ws: WebsocketCommunicator) -> None:
        assert await ask(ws, subscribe(1, "r")) == text({"id": 1, "ok": True})
        send = {"action": "send", "id": 2, "channel": "lobby", "params": {"room": "r"}, "message": {"text": "hi"}}
        await ws.send_to(text_data=json.dumps(send))
        said = text(
            {"type": "message", "channel": "lobby", "params": {"room": "r"}, "message": {"text": "hi", "user": "alice"}}
        )
        assert sorted([await next_frame(ws), await next_frame(ws)]) == sorted([text({"id": 2, "ok": True}), said])
        # Pushed from sync code on another thread, as a view or a worker pushes.
        await sync_to_async(Lobby.push)({"room": "r"}, {"text": "from a view", "user": "server"})
        pushed = {
            "type": "message",
            "channel": "lobby",
            "params": {"room": "r"},
            "message": {"text": "from a view", "user": "server"},
        }
        assert await next_frame(ws) == text(pushed)
        await quiet(ws)

    converse(talk, [SAME_SITE, cookie])

    async def anonymous(ws: WebsocketCommunicator) -> None:
        assert await ask(ws, subscribe(1, "r")) == error(1, "FORBIDDEN", "Permission denied")

    converse(anonymous)


@pytest.mark.capability("WebSocket RPC", "django")
def test_ws9_the_push_waits_for_the_commit(lobby: None) -> None:
    """A mutation over /call/ by the socket's session user inside a transaction that rolls
    back pushes nothing; the same mutation committed pushes once the commit happened."""
    browser, cookie = logged_in("alice")

    def mutate(note_id: int, roll_back: bool) -> None:
        with transaction.atomic():
            answer = browser.post(
                "/api/mizan/call/", {"fn": "django_ws_edit", "args": {"note_id": note_id}}, "application/json"
            )
            assert answer.status_code == 200, answer.content
            transaction.set_rollback(roll_back)

    async def talk(ws: WebsocketCommunicator) -> None:
        await quiet(ws)  # the socket has joined its user's group
        await sync_to_async(mutate)(1, True)
        await sync_to_async(mutate)(2, False)
        pushed = {"type": "invalidate", "invalidate": [{"context": "django_ws_notes", "params": {"note_id": 2}}]}
        assert await next_frame(ws) == text(pushed)  # had the rolled-back one pushed, it would come first
        await quiet(ws)

    converse(talk, [SAME_SITE, cookie])


def assert_push_skips_the_named_tab(cookie: tuple[bytes, bytes], tab: str, act: Any, pushed: Any) -> None:
    """Open one socket with `?tab=<tab>` and another without, run `act()` (which names
    `tab` on its request): the other socket hears `pushed`, the named one nothing."""

    async def go() -> None:
        own_tab = WebsocketCommunicator(APPLICATION, f"{WS}?tab={tab}", headers=[SAME_SITE, cookie])
        other = WebsocketCommunicator(APPLICATION, WS, headers=[SAME_SITE, cookie])
        assert (await own_tab.connect())[0] and (await other.connect())[0]
        try:
            await quiet(own_tab)  # both sockets have joined their user's group
            await quiet(other)
            await sync_to_async(act)()
            assert await next_frame(other) == text(pushed)
            await quiet(own_tab)
            await quiet(other)
        finally:
            await own_tab.disconnect()
            await other.disconnect()

    async_to_sync(go)()


@pytest.mark.capability("WebSocket RPC", "django")
def test_ws9_a_committed_mutation_naming_its_tab_skips_that_tab(lobby: None) -> None:
    """The push that waits for the commit still skips the tab the request named in
    `X-Mizan-Tab` (the socket opened with `?tab=` of that id); the user's other socket hears."""
    browser, cookie = logged_in("alice")

    def mutate() -> None:
        with transaction.atomic():
            answer = browser.post(
                "/api/mizan/call/",
                {"fn": "django_ws_edit", "args": {"note_id": 3}},
                "application/json",
                headers={"X-Mizan-Tab": "commit-tab"},
            )
            assert answer.status_code == 200, answer.content

    pushed = {"type": "invalidate", "invalidate": [{"context": "django_ws_notes", "params": {"note_id": 3}}]}
    assert_push_skips_the_named_tab(cookie, "commit-tab", mutate, pushed)


@pytest.mark.capability("WebSocket RPC", "django")
def test_ws9_a_route_mutation_naming_its_tab_skips_that_tab(lobby: None) -> None:
    """`route=` views (which the both-adapter harness does not mount) name their tab too."""
    browser, cookie = logged_in("alice")

    def update() -> None:
        answer = browser.post("/profile/5/update/", headers={"X-Mizan-Tab": "route-tab"})
        assert answer.status_code == 302 and answer["X-Mizan-Invalidate"] == "user;user_id=5, notifications"

    pushed = {"type": "invalidate", "invalidate": [{"context": "user", "params": {"user_id": 5}}, "notifications"]}
    assert_push_skips_the_named_tab(cookie, "route-tab", update, pushed)


# --- WS-2: cross-site WebSocket hijacking ---------------------------------------------------------


def test_ws2_cross_site_origin_refused_at_the_handshake() -> None:
    """A page on another site opening the socket with the victim's session cookie gets no
    connection; the same cookie from the site itself does."""
    cookie = session_cookie("victim")
    assert not handshake([(b"origin", b"https://evil.example"), cookie])
    assert not handshake([(b"origin", b"http://testserver.evil.example"), cookie])
    assert not handshake([cookie])  # no Origin: ALLOWED_HOSTS has no "*"
    assert handshake([SAME_SITE, cookie])
    assert handshake([(b"origin", b"https://localhost:8443"), cookie])


# --- packaging ----------------------------------------------------------------------------------


def test_ws1_import_mizan_does_not_import_channels() -> None:
    """`wrap_asgi` is lazy: a project without the `channels` extra still imports mizan."""
    script = (
        "import sys, django, mizan\n"
        "assert 'channels' not in sys.modules\n"
        "django.setup()\n"
        "assert callable(mizan.wrap_asgi) and 'channels' in sys.modules\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.django.project.settings"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
