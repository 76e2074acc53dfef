"""The demo app (examples/demo) served for the browser tests by uvicorn on a free loopback
port, with a fresh SQLite file: the Django demo (migrated and seeded by `manage.py`
first) or its FastAPI twin (examples/demo/fastapi_demo, which seeds itself at start).
Both serve the same pages, test ids and bundle, so every scenario runs against each.

The server inherits this environment (so `MIZAN_PURE` reaches it) with the demo's own
Django settings module (pytest-django exports the suite's). The page bundle must have been
built by the demo's frontend build: a missing bundle fails the run with the command to
build it, rather than letting every test time out waiting for hydration.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import httpx

from afi.live import LiveServer, LiveServerError, run_asgi, run_setup

ROOT: Final = Path(__file__).resolve().parents[2]
DEMO_DIR: Final = ROOT / "examples" / "demo"
SETTINGS: Final = "demo_project.settings"
# The ASGI applications: mizan.wrap_asgi around Django (HTTP and the socket), and FastAPI.
TARGETS: Final = {"django": "demo_project.asgi:application", "fastapi": "fastapi_demo.app:app"}
SESSION_PATH: Final = "/api/mizan/session/"
BUNDLE_PATH: Final = "/static/demo/board.js"
CLIENT_PATH: Final = "/static/mizan/client.js"
USERS: Final = ("alice", "bob")
PASSWORD: Final = "demo-pass"
DATABASE: Final = "demo.sqlite3"


@dataclass(frozen=True)
class DemoServer:
    """A running demo and the database file it writes."""

    live: LiveServer
    database: Path

    @property
    def base_url(self) -> str:
        return self.live.base_url

    def stderr(self) -> str:
        return self.live.stderr()


def demo_env(workdir: Path) -> dict[str, str]:
    """This environment, pointed at the demo's settings and package directory, with its
    database and attachments in `workdir`."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = SETTINGS
    env["MIZAN_DEMO_DB"] = str(workdir / DATABASE)
    env["MIZAN_DEMO_FASTAPI_DB"] = str(workdir / DATABASE)
    env["MIZAN_DEMO_MEDIA"] = str(workdir / "media")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(DEMO_DIR), str(ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _check_served(server: LiveServer, path: str, missing: str) -> None:
    """Fail with `missing` when `path` does not answer 200 with a body."""
    with httpx.Client(base_url=server.base_url, timeout=30.0) as probe:
        answer = probe.get(path)
    if answer.status_code != 200 or not answer.content:
        raise LiveServerError(f"GET {path} answered {answer.status_code}: {missing}\n{server.stderr()}")


@contextmanager
def serve_demo(adapter: str, workdir: Path) -> Iterator[DemoServer]:
    """Serve the `adapter` twin of the demo ("django" or "fastapi") on a new database in
    `workdir`, check that its runtime and page bundle are served, and stop it on exit.

    Raises:
        LiveServerError: a setup step failed, the server did not answer, or the bundle
            or runtime is not served; the message says which, with the server's output.
    """
    env = demo_env(workdir)
    if adapter == "django":
        manage = str(DEMO_DIR / "manage.py")
        run_setup([manage, "migrate", "--noinput", "--verbosity", "0"], env, "manage.py migrate")
        run_setup([manage, "seed_demo"], env, "manage.py seed_demo")
    # Django's ASGI handler has no lifespan; FastAPI's app does its setup at import.
    lifespan = adapter != "django"
    with run_asgi(
        f"demo-{adapter}", TARGETS[adapter], env, workdir, lifespan=lifespan, ready_path=SESSION_PATH
    ) as live:
        _check_served(live, CLIENT_PATH, "the Mizan runtime (mizan/static/mizan/client.js) is not served")
        _check_served(
            live,
            BUNDLE_PATH,
            "the demo's frontend bundle is not built: run `make demo-assets` "
            "(tsc and esbuild in examples/demo/frontend) before the browser tests",
        )
        yield DemoServer(live, workdir / DATABASE)
