"""Mizan Tasks on Django, beyond what its FastAPI twin shares (test_demo_twins.py, which
also holds the origin cache, the static files and MIZAN_DEMO_REDIS_URL for both):
`seed_demo` run again and the system checks.

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

pytestmark = pytest.mark.django_adapter


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
