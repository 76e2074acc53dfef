"""Mizan Tasks on Django, beyond what its FastAPI twin shares (test_demo_twins.py): the
origin cache the settings turn on, `seed_demo` run again, the system checks, the static
files served under ASGI, and MIZAN_DEMO_REDIS_URL (the cache and the Channels layer in
Redis, shared by two server processes).

Each server is a real uvicorn subprocess on loopback (tests/examples/demo_servers.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.examples.demo_servers import DEMO_DIR, DemoServer, Session, running
from tests.redis_server import RedisServer

pytestmark = pytest.mark.django_adapter

BUNDLE = DEMO_DIR / "demo_app" / "static" / "demo" / "board.js"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("django-demo")


@pytest.fixture(scope="module")
def server(workdir: Path) -> Iterator[DemoServer]:
    with running("django", workdir) as demo:
        yield demo


def manage(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`manage.py <args>` against the server's database."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(MIZAN_DEMO_DB=str(workdir / "django.sqlite3"), MIZAN_DEMO_MEDIA=str(workdir / "media"))
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=DEMO_DIR, env=env, capture_output=True, text=True, timeout=300
    )


def inbox(session: Session) -> int:
    lists = session.ctx("lists").json()["my_lists"]
    list_id: int = lists[0]["id"]
    return list_id


def test_origin_cache_is_per_user_and_purged_by_mutations(server: DemoServer) -> None:
    alice, bob = server.session("alice"), server.session("bob")
    list_id = inbox(alice)
    first = alice.ctx("board", list_id=list_id)
    assert first.headers["x-mizan-cache"] == "MISS"
    again = alice.ctx("board", list_id=list_id)
    assert again.headers["x-mizan-cache"] == "HIT" and again.content == first.content
    # Another user's answer is never served from alice's entry: a NOT_FOUND of their own.
    refused = bob.ctx("board", list_id=list_id)
    assert refused.status_code == 404 and "x-mizan-cache" not in refused.headers

    added = alice.call("add_task", {"list_id": list_id, "title": "Purges the cache"}).json()["result"]
    after = alice.ctx("board", list_id=list_id)
    assert after.headers["x-mizan-cache"] == "MISS"
    assert added in after.json()["board_tasks"]


def test_seed_demo_again_keeps_the_data(server: DemoServer, workdir: Path) -> None:
    alice = server.session("alice")
    list_id = inbox(alice)
    alice.call("add_task", {"list_id": list_id, "title": "Survives a reseed"})
    before = alice.ctx("board", list_id=list_id).json()["board_tasks"]

    seeded = manage(workdir, "seed_demo")
    assert seeded.returncode == 0, seeded.stderr
    bob_list = inbox(server.session("bob"))
    assert seeded.stdout.splitlines() == [f"updated alice (list {list_id})", f"updated bob (list {bob_list})"]
    fresh = server.session("alice")  # the password still works
    assert fresh.ctx("lists").json()["my_lists"] == [{"id": list_id, "name": "Inbox"}]
    assert fresh.ctx("board", list_id=list_id).json()["board_tasks"] == before


def test_system_checks_pass(workdir: Path) -> None:
    checked = manage(workdir, "check", "--fail-level", "WARNING")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_static_files_are_served_under_asgi(server: DemoServer) -> None:
    http = server.client()
    runtime = http.get("/static/mizan/client.js")
    assert runtime.status_code == 200
    assert "javascript" in runtime.headers["content-type"]
    assert "export function createClient" in runtime.text or "createClient" in runtime.text
    assert http.get("/static/demo/demo.css").status_code == 200
    assert http.get("/static/demo/nope.js").status_code == 404


@pytest.mark.skipif(not BUNDLE.is_file(), reason="the demo's bundle is not built (make demo-assets)")
def test_board_bundle_is_served(server: DemoServer) -> None:
    bundle = server.client().get("/static/demo/board.js")
    assert bundle.status_code == 200 and "javascript" in bundle.headers["content-type"]
    assert bundle.content == BUNDLE.read_bytes()


def test_redis_shares_the_cache_and_the_pushes_between_processes(redis_server: RedisServer, tmp_path: Path) -> None:
    redis = {"MIZAN_DEMO_REDIS_URL": redis_server.url}
    with running("django", tmp_path, redis, "-a") as first, running("django", tmp_path, redis, "-b") as second:
        alice_first, alice_second = first.session("alice"), second.session("alice")
        list_id = inbox(alice_first)
        assert alice_first.ctx("board", list_id=list_id).headers["x-mizan-cache"] == "MISS"
        # The other process answers from the entry the first one stored in Redis.
        assert alice_second.ctx("board", list_id=list_id).headers["x-mizan-cache"] == "HIT"

        with alice_second.socket() as socket:
            assert socket.request("subscribe", channel="chat", params={"list_id": list_id})["ok"] is True
            reply = alice_first.call("add_task", {"list_id": list_id, "title": "Across processes"})
            assert reply.status_code == 200, reply.text
            entry = [{"context": "board", "params": {"list_id": list_id}}]
            assert socket.receive() == {"invalidate": entry, "type": "invalidate"}
            assert alice_second.ctx("board", list_id=list_id).headers["x-mizan-cache"] == "MISS"
