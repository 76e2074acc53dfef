"""Sockets on one server process see what happens on another (PROTOCOL WS-9, CHAN-5, CHAN-6).

Per adapter, two live servers (Django: Daphne and uvicorn; FastAPI: two uvicorn processes)
share a redis-server started here; the clients are real (`websockets`, `httpx`) and talk
to the servers over loopback. A socket that must receive nothing is checked over a bounded
window and then sent a sentinel it must receive as its very next frame, so that check can
not pass on a socket that has stopped delivering.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live.servers import ANONYMOUS, Pair, call, open_socket, serve_pair, text
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


SERVERS = {"django": ["daphne", "uvicorn"], "fastapi": ["uvicorn", "uvicorn"]}


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
