"""Sockets on one server process see what happens on another (PROTOCOL WS-9, CHAN-5, CHAN-6).

Per adapter, two live servers (Django: Daphne and uvicorn; FastAPI: two uvicorn processes)
share a redis-server started here; the clients are real (`websockets`, `httpx`) and talk
to the servers over loopback. A socket that must receive nothing is checked over a bounded
window and then sent a sentinel it must receive as its very next frame, so that check can
not pass on a socket that has stopped delivering.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Final

import pytest
from websockets.exceptions import ConnectionClosed

from afi.live import ROOT
from mizan.core.tokens import MWTConfig, mint_mwt, permission_key
from tests.live.servers import (
    ANONYMOUS,
    FRAME_TIMEOUT,
    MWT_SECRET,
    Identity,
    Pair,
    Socket,
    call,
    open_socket,
    post,
    serve_pair,
    text,
)
from tests.redis_server import RedisServer


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    """A redis-server of this module's own: the servers' layer outlives no other test's."""
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module", params=["django", "fastapi"])
def pair(
    request: pytest.FixtureRequest, redis: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pair]:
    adapter = str(request.param)
    with serve_pair(adapter, redis.url, Path(tmp_path_factory.mktemp(f"live-{adapter}"))) as started:
        yield started


# How long a socket that must receive nothing is watched, once the frames that had to
# arrive have (so the fan-out has run). Its sentinel, not this window, makes the check sound.
QUIET: Final = 0.5
FORBIDDEN: Final = "Permission denied"  # CHAN-3
SERVERS: Final = {"django": ["daphne", "uvicorn"], "fastapi": ["uvicorn", "uvicorn"]}


def rpc(frame_id: int, fn: str, args: dict[str, object] | None = None) -> dict[str, object]:
    return {"action": "rpc", "id": frame_id, "fn": fn, "args": args or {}}


def test_ws3_rpc_runs_as_the_same_user_on_either_server(pair: Pair) -> None:
    """A Django session made on B is the socket's identity on A (one database); an
    anonymous socket is refused as on /call/; a mutation's reply carries its invalidation."""
    alice = pair.login("alice")
    with open_socket(pair.a, alice) as on_a, open_socket(pair.b, alice) as on_b, open_socket(pair.a, ANONYMOUS) as anon:
        assert on_a.ask(rpc(1, "whoami")) == text({"id": 1, "result": "alice"})
        assert on_b.ask(rpc(2, "whoami")) == text({"id": 2, "result": "alice"})
        assert anon.ask(rpc(3, "whoami")) == text(
            {"id": 3, "error": {"code": "UNAUTHORIZED", "message": "Authentication required"}}
        )
        assert on_b.ask(rpc(4, "touch_note", {"note_id": 7})) == text(
            {"id": 4, "result": 7, "invalidate": [{"context": "notes", "params": {"note_id": 7}}]}
        )
    answers = [call(server, alice, "whoami") for server in (pair.a, pair.b)]
    assert [(answer.status_code, answer.json()) for answer in answers] == [(200, {"result": "alice"})] * 2
    # Evidence of two different server programs for Django (the Channels deployment).
    assert [answer.headers.get("server") for answer in answers] == SERVERS[pair.adapter]


def frame(action: str, frame_id: int, channel: str, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"action": action, "id": frame_id, "channel": channel, "params": params, **extra}


def subscribe(socket: Socket, frame_id: int, channel: str, params: dict[str, Any]) -> None:
    assert socket.ask(frame("subscribe", frame_id, channel, params)) == text({"id": frame_id, "ok": True})


def delivery(channel: str, params: dict[str, Any], message: dict[str, Any]) -> str:
    """CHAN-4's frame."""
    return text({"type": "message", "channel": channel, "params": params, "message": message})


def invalidation(note_id: int) -> str:
    """WS-9's pushed frame for `touch_note(note_id)`."""
    return text({"type": "invalidate", "invalidate": notes(note_id)})


def ok(answer: Any, result: Any = None, **extra: Any) -> None:
    """A 200 from /call/ with exactly `{"result": result, **extra}`."""
    assert (answer.status_code, answer.json()) == (200, {"result": result, **extra}), answer.text


def notes(note_id: int) -> list[dict[str, Any]]:
    return [{"context": "notes", "params": {"note_id": note_id}}]


class Watch:
    """Sockets that must receive nothing more, each subscribed to a beacon of its own."""

    def __init__(self, pair: Pair, stack: ExitStack) -> None:
        self.pair = pair
        self.stack = stack
        self.sockets: dict[str, Socket] = {}

    def open(self, tag: str, server: str, who: Identity, query: str = "") -> Socket:
        """A socket to server "a" or "b" as `who`, subscribed to beacon `tag`."""
        socket = self.stack.enter_context(open_socket(getattr(self.pair, server), who, query))
        subscribe(socket, 0, "beacon", {"tag": tag})
        self.sockets[tag] = socket
        return socket

    def assert_nothing_for(self, *tags: str) -> None:
        """None of `tags`' sockets receives a frame within QUIET; then each receives, as its
        very next frame, a beacon pushed on B: it was delivering all along."""
        time.sleep(QUIET)
        assert {tag: self.sockets[tag].drain() for tag in tags} == {tag: [] for tag in tags}
        for n, tag in enumerate(tags):
            ok(call(self.pair.b, ANONYMOUS, "ring_beacon", {"tag": tag, "n": n}))
            assert self.sockets[tag].next() == delivery("beacon", {"tag": tag}, {"n": n}), tag


# A process that serves nothing (a management command, a worker): Django set up from the
# live settings; FastAPI configured as a worker would (the broadcast URL from the
# environment) and the channels registered; then one push.
DJANGO_SETUP: Final = "import django\ndjango.setup()\n"
FASTAPI_SETUP: Final = (
    "import mizan_fastapi\nmizan_fastapi.configure()\n"
    "from starlette.responses import Response\n"
    "from tests.live.functions import register_functions\nregister_functions(Response)\n"
)
PUSH: Final = (
    "from tests.live.functions import Inbox\nInbox.push({'owner': 'alice'}, {'text': 'from cron', 'sender': 'cron'})\n"
)


# --- CHAN-5, CHAN-6: a push made on B ------------------------------------------------------------


def test_chan6_push_made_on_b_reaches_the_subscriber_on_a_and_no_one_else(pair: Pair) -> None:
    alice, bob = pair.login("alice"), pair.login("bob")
    with ExitStack() as stack:
        watch = Watch(pair, stack)
        alice_a = watch.open("alice-a", "a", alice)
        bob_a = watch.open("bob-a", "a", bob)
        anon_a = watch.open("anon-a", "a", ANONYMOUS)
        subscribe(alice_a, 1, "inbox", {"owner": "alice"})
        subscribe(bob_a, 1, "inbox", {"owner": "bob"})
        forbidden = text({"id": 2, "error": {"code": "FORBIDDEN", "message": FORBIDDEN}})
        assert bob_a.ask(frame("subscribe", 2, "inbox", {"owner": "alice"})) == forbidden
        assert anon_a.ask(frame("subscribe", 2, "inbox", {"owner": "alice"})) == forbidden

        ok(call(pair.b, bob, "announce", {"owner": "alice", "text": "psst"}))
        assert alice_a.next() == delivery("inbox", {"owner": "alice"}, {"text": "psst", "sender": "bob"})
        watch.assert_nothing_for("alice-a", "bob-a", "anon-a")


def no_pubsub_channels(redis: RedisServer) -> None:
    """Wait until no process is subscribed to any Redis pub/sub channel (FastAPI's engine:
    every socket's groups are gone; Channels' Redis layer uses none)."""
    deadline = time.monotonic() + FRAME_TIMEOUT
    while redis.command(b"PUBSUB", b"CHANNELS") != b"*0\r\n":
        assert time.monotonic() < deadline, redis.command(b"PUBSUB", b"CHANNELS")
        time.sleep(0.05)


def test_chan6_a_server_whose_sockets_all_left_still_delivers_to_new_ones(pair: Pair, redis: RedisServer) -> None:
    """Once a process's last subscriber has left (its engine may stop listening), a new
    socket's subscription listens again."""
    alice = pair.login("alice")
    for attempt in range(2):
        with open_socket(pair.a, alice) as socket:
            subscribe(socket, 1, "inbox", {"owner": "alice"})
            ok(call(pair.b, alice, "announce", {"owner": "alice", "text": f"visit {attempt}"}))
            assert socket.next() == delivery(
                "inbox", {"owner": "alice"}, {"text": f"visit {attempt}", "sender": "alice"}
            )
        no_pubsub_channels(redis)


def test_chan6_push_from_a_fresh_process_reaches_sockets_on_both_servers(pair: Pair) -> None:
    """A push from a process that serves nothing (a management command, a worker)."""
    alice, bob = pair.login("alice"), pair.login("bob")
    script = (DJANGO_SETUP if pair.adapter == "django" else FASTAPI_SETUP) + PUSH
    with ExitStack() as stack:
        watch = Watch(pair, stack)
        alice_a, alice_b = watch.open("alice-a", "a", alice), watch.open("alice-b", "b", alice)
        bob_b = watch.open("bob-b", "b", bob)
        for socket in (alice_a, alice_b):
            subscribe(socket, 1, "inbox", {"owner": "alice"})
        subscribe(bob_b, 1, "inbox", {"owner": "bob"})

        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=pair.env, capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        expected = delivery("inbox", {"owner": "alice"}, {"text": "from cron", "sender": "cron"})
        assert (alice_a.next(), alice_b.next()) == (expected, expected)
        watch.assert_nothing_for("alice-a", "alice-b", "bob-b")


def test_chan3_send_on_a_is_broadcast_to_the_room_on_b_and_unsubscribe_stops_it(pair: Pair) -> None:
    alice, bob, carol = pair.login("alice"), pair.login("bob"), pair.login("carol")
    room = {"room": "lobby"}
    with ExitStack() as stack:
        watch = Watch(pair, stack)
        alice_a, bob_b = watch.open("alice-a", "a", alice), watch.open("bob-b", "b", bob)
        carol_b = watch.open("carol-b", "b", carol)
        subscribe(alice_a, 1, "chat", room)
        subscribe(bob_b, 1, "chat", room)
        subscribe(carol_b, 1, "chat", {"room": "elsewhere"})

        alice_a.send(frame("send", 2, "chat", room, message={"text": "hello"}))
        said = delivery("chat", room, {"text": "hello", "user": "alice"})
        # The sender is in the room too; its reply and the delivery may come in either order.
        assert sorted([alice_a.next(), alice_a.next()]) == sorted([text({"id": 2, "ok": True}), said])
        assert bob_b.next() == said

        assert bob_b.ask(frame("unsubscribe", 3, "chat", room)) == text({"id": 3, "ok": True})
        alice_a.send(frame("send", 4, "chat", room, message={"text": "still there?"}))
        again = delivery("chat", room, {"text": "still there?", "user": "alice"})
        assert sorted([alice_a.next(), alice_a.next()]) == sorted([text({"id": 4, "ok": True}), again])
        watch.assert_nothing_for("bob-b", "carol-b")


# --- WS-9: the invalidation of a mutation made on B ----------------------------------------------


def test_ws9_http_mutation_on_b_is_pushed_to_the_users_sockets_on_both_servers_only(pair: Pair) -> None:
    # Django: alice signed in twice (two browsers, two sessions), one user all the same.
    alice, alice_elsewhere, bob = pair.login("alice"), pair.login("alice"), pair.login("bob")
    with ExitStack() as stack:
        watch = Watch(pair, stack)
        alice_a, alice_b = watch.open("alice-a", "a", alice), watch.open("alice-b", "b", alice_elsewhere)
        bob_a = watch.open("bob-a", "a", bob)
        watch.open("anon-a", "a", ANONYMOUS)

        ok(call(pair.b, alice, "touch_note", {"note_id": 7}), 7, invalidate=notes(7))
        assert (alice_a.next(), alice_b.next()) == (invalidation(7), invalidation(7))
        watch.assert_nothing_for("bob-a", "anon-a")

        ok(call(pair.b, bob, "touch_note", {"note_id": 8}), 8, invalidate=notes(8))  # and the other way round
        assert bob_a.next() == invalidation(8)
        watch.assert_nothing_for("alice-a", "alice-b", "anon-a")

        page = post(pair.b, alice, "/live/notes/12/touch/", {})  # the view path is HTTP too
        assert (page.status_code, page.text) == (200, "touched")
        assert (alice_a.next(), alice_b.next()) == (invalidation(12), invalidation(12))
        watch.assert_nothing_for("bob-a", "anon-a")


def test_ws9_the_tab_an_http_mutation_names_is_skipped_on_every_server(pair: Pair) -> None:
    """The tab id travels with the push between processes (channels_redis, Redis pub/sub):
    a mutation on B naming tab T is not pushed to the socket on A opened with `?tab=T`."""
    alice = pair.login("alice")
    tabbed = dataclasses.replace(alice, headers={**alice.headers, "X-Mizan-Tab": "live-tab-1"})
    with ExitStack() as stack:
        watch = Watch(pair, stack)
        watch.open("alice-a-tab", "a", alice, "tab=live-tab-1")
        alice_b = watch.open("alice-b", "b", alice)
        ok(call(pair.b, tabbed, "touch_note", {"note_id": 15}), 15, invalidate=notes(15))
        assert alice_b.next() == invalidation(15)
        watch.assert_nothing_for("alice-a-tab")


def test_ws9_an_anonymous_mutation_is_pushed_to_no_socket(pair: Pair) -> None:
    """Anonymous callers share no identity: their mutations are pushed to nobody, not to
    every anonymous socket."""
    alice = pair.login("alice")
    with ExitStack() as stack:
        watch = Watch(pair, stack)
        watch.open("anon-a", "a", ANONYMOUS)
        watch.open("anon-b", "b", ANONYMOUS)
        watch.open("alice-a", "a", alice)
        ok(call(pair.b, ANONYMOUS, "touch_note_anyone", {"note_id": 14}), 14, invalidate=notes(14))
        watch.assert_nothing_for("anon-a", "anon-b", "alice-a")


def test_ws9_socket_mutation_on_b_is_pushed_to_the_users_other_sockets(pair: Pair) -> None:
    """The socket that made the mutation has it in its reply (WS-4) and gets no push."""
    alice, bob = pair.login("alice"), pair.login("bob")
    with ExitStack() as stack:
        watch = Watch(pair, stack)
        alice_a, alice_b = watch.open("alice-a", "a", alice), watch.open("alice-b", "b", alice)
        watch.open("bob-a", "a", bob)
        watch.open("anon-b", "b", ANONYMOUS)

        assert alice_b.ask(rpc(1, "touch_note", {"note_id": 9})) == text({"id": 1, "result": 9, "invalidate": notes(9)})
        assert alice_a.next() == invalidation(9)
        watch.assert_nothing_for("alice-b", "bob-a", "anon-b")


def test_ws9_an_auth_frame_moves_the_socket_to_its_tokens_user(pair: Pair) -> None:
    """A socket opened as bob that switches to alice with an MWT (WS-2) receives alice's
    pushes from then on, and bob's no longer."""
    alice, bob = pair.login("alice"), pair.login("bob")
    answer = call(pair.b, alice, "my_pk")
    assert answer.status_code == 200, answer.text
    alice_pk = answer.json()["result"]
    token = mint_mwt(
        MWTConfig(secret=MWT_SECRET),
        alice_pk,
        pkey=permission_key((), False, False),
        is_staff=False,
        is_superuser=False,
    )
    with ExitStack() as stack:
        watch = Watch(pair, stack)
        switched = watch.open("switched-a", "a", bob)
        assert switched.ask({"action": "auth", "id": 1, "token": token}) == text({"id": 1, "ok": True})
        assert switched.ask(rpc(2, "my_pk")) == text({"id": 2, "result": alice_pk})

        ok(call(pair.b, alice, "touch_note", {"note_id": 10}), 10, invalidate=notes(10))
        assert switched.next() == invalidation(10)
        ok(call(pair.b, bob, "touch_note", {"note_id": 11}), 11, invalidate=notes(11))
        watch.assert_nothing_for("switched-a")


# --- CHAN-6 with Redis restarted (last: it restarts the module's redis-server) -------------------


def test_chan6_after_a_redis_restart_no_socket_stays_open_and_deaf(pair: Pair, redis: RedisServer) -> None:
    """While Redis is down a mutation still succeeds (its WS-9 push is lost, never its
    answer); once Redis is back, a socket that was subscribed either receives pushes again
    (FastAPI re-subscribes) or has been closed (Channels closes it with 1011, and the client
    reconnects); a socket opened afterwards is delivered to."""
    alice = pair.login("alice")
    inbox = {"owner": "alice"}
    with open_socket(pair.a, alice) as socket:
        subscribe(socket, 1, "inbox", inbox)
        redis.stop()
        try:
            ok(call(pair.b, alice, "touch_note", {"note_id": 13}), 13, invalidate=notes(13))
        finally:
            redis.start()
        deadline = time.monotonic() + FRAME_TIMEOUT
        sent: list[str] = []
        while True:
            sent.append(delivery("inbox", inbox, {"text": f"after {len(sent)}", "sender": "alice"}))
            # B's own connection may not be back yet: such a push fails with its function.
            call(pair.b, alice, "announce", {"owner": "alice", "text": f"after {len(sent) - 1}"})
            try:
                frames = socket.drain()
            except ConnectionClosed as closed:
                assert closed.rcvd is not None and closed.rcvd.code == 1011, closed
                break
            if frames:
                assert set(frames) <= set(sent), frames
                break
            assert time.monotonic() < deadline, "the socket stayed open and received no push"
            time.sleep(0.2)
    with open_socket(pair.a, alice) as fresh:
        subscribe(fresh, 1, "inbox", inbox)
        ok(call(pair.b, alice, "announce", {"owner": "alice", "text": "welcome back"}))
        assert fresh.next() == delivery("inbox", inbox, {"text": "welcome back", "sender": "alice"})
