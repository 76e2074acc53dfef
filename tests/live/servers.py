"""Two live servers of one adapter sharing a redis-server, and the clients the tests drive
them with: `httpx` for HTTP, the `websockets` library's synchronous client for sockets.

Django runs as it is deployed with Channels: process A under Daphne, process B under
uvicorn, both on one SQLite file (migrated once, before either starts) and one
`channels_redis` layer. FastAPI runs as two uvicorn processes whose `MIZAN_BROADCAST_URL`
names the redis-server. Servers inherit this environment, so `MIZAN_PURE=1` reaches them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from afi.live import REQUEST_TIMEOUT, LiveServer, LiveServerError, run_asgi, run_setup
from tests.live.functions import USER_HEADER

PREFIX: Final = "/api/mizan/"
CALL: Final = PREFIX + "call/"
SESSION: Final = PREFIX + "session/"
LOGIN: Final = "/live-test/login/"  # tests/live/django_site/views.py
DJANGO_SETTINGS: Final = "tests.live.django_site.settings"
# How long an expected frame may take on a loaded machine: generous, never a measurement.
FRAME_TIMEOUT: Final = 30.0
OPEN_TIMEOUT: Final = 30.0
MWT_SECRET: Final = "mwt-secret-of-the-live-websocket-tests-0123456789"


def text(value: Any) -> str:
    """JSON-1 text computed independently of Mizan's encoder."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


@dataclass(frozen=True)
class Identity:
    """Who a client is: the Django session cookie, or FastAPI's identity header; neither
    for an anonymous client."""

    name: str | None
    cookies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


ANONYMOUS: Final = Identity(None)


@dataclass
class Pair:
    """Two servers of `adapter` and what a fresh process needs to act like them."""

    adapter: str
    a: LiveServer
    b: LiveServer
    env: dict[str, str]

    def login(self, name: str) -> Identity:
        """`name`'s identity. Django: a session made by logging in on B, stored in the
        database both servers read (so the same cookie is `name` on A too)."""
        if self.adapter == "fastapi":
            return Identity(name, headers={USER_HEADER: name})
        with httpx.Client(base_url=self.b.base_url, timeout=REQUEST_TIMEOUT) as browser:
            answer = browser.post(LOGIN, data={"username": name})
            if answer.status_code != 204:
                raise LiveServerError(f"login as {name!r} answered {answer.status_code}:\n{self.b.stderr()}")
            return Identity(name, cookies={"sessionid": browser.cookies["sessionid"]})


def post(server: LiveServer, who: Identity, path: str, body: Any) -> httpx.Response:
    """A JSON POST to `path` on `server` as `who`, with the CSRF token of `/session/` when
    the adapter has one (SESS-1)."""
    with httpx.Client(
        base_url=server.base_url, cookies=who.cookies, headers=who.headers, timeout=REQUEST_TIMEOUT
    ) as browser:
        token = browser.get(SESSION).json()["csrfToken"]
        headers = {"X-CSRFToken": token} if token is not None else {}
        return browser.post(path, json=body, headers=headers)


def call(server: LiveServer, who: Identity, fn: str, args: dict[str, Any] | None = None) -> httpx.Response:
    """`POST /call/` on `server` as `who`."""
    return post(server, who, CALL, {"fn": fn, "args": args or {}})


class Socket:
    """One client WebSocket on `<prefix>/ws/`, frames compared as exact text."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    def send(self, frame: dict[str, Any]) -> None:
        self.connection.send(json.dumps(frame))

    def next(self, timeout: float = FRAME_TIMEOUT) -> str:
        """The next frame; fails when none comes within `timeout` seconds."""
        try:
            frame = self.connection.recv(timeout=timeout)
        except TimeoutError:
            raise AssertionError(f"no frame within {timeout}s") from None
        assert isinstance(frame, str), frame
        return frame

    def ask(self, frame: dict[str, Any]) -> str:
        """Send `frame` and return the next frame (its reply, when nothing else is due)."""
        self.send(frame)
        return self.next()

    def drain(self) -> list[str]:
        """The frames received and not read yet, without waiting for more."""
        frames: list[str] = []
        try:
            while True:
                frames.append(str(self.connection.recv(timeout=0)))
        except TimeoutError:
            return frames


@contextmanager
def open_socket(server: LiveServer, who: Identity, query: str = "") -> Iterator[Socket]:
    """A socket to `server` as `who`, from the server's own origin (WS-2's Origin check),
    `query` (without its `?`) on the connect URL."""
    headers = dict(who.headers)
    if who.cookies:
        headers["Cookie"] = "; ".join(f"{key}={value}" for key, value in who.cookies.items())
    url = f"ws://{server.base_url.removeprefix('http://')}{PREFIX}ws/" + (f"?{query}" if query else "")
    with connect(
        url, origin=Origin(server.base_url), additional_headers=headers, open_timeout=OPEN_TIMEOUT
    ) as connection:
        yield Socket(connection)


def _migrate(env: dict[str, str]) -> None:
    run_setup(["-m", "django", "migrate", "--verbosity", "0"], env, "migrate")


def server_env(adapter: str, redis_url: str, workdir: Path) -> dict[str, str]:
    """This environment plus the live project's: the MWT secret; Django's settings module
    (pytest-django exports the suite's own), database file and redis URL; FastAPI's
    broadcast URL."""
    env = dict(os.environ, MIZAN_MWT_SECRET=MWT_SECRET)
    if adapter == "django":
        env.update(
            DJANGO_SETTINGS_MODULE=DJANGO_SETTINGS,
            MIZAN_LIVE_DATABASE=str(workdir / "live.sqlite3"),
            MIZAN_LIVE_REDIS_URL=redis_url,
        )
    else:
        env["MIZAN_BROADCAST_URL"] = redis_url
    return env


@contextmanager
def serve_pair(adapter: str, redis_url: str, workdir: Path) -> Iterator[Pair]:
    """Two servers of `adapter` on free loopback ports, both answering, stopped on exit."""
    env = server_env(adapter, redis_url, workdir)
    with ExitStack() as stack:
        if adapter == "django":
            _migrate(env)
            target = "tests.live.django_site.asgi:application"
            a = stack.enter_context(run_asgi("django-a", target, env, workdir, server="daphne"))
            b = stack.enter_context(run_asgi("django-b", target, env, workdir, lifespan=False))
        else:
            target = "tests.live.fastapi_app:app"
            a = stack.enter_context(run_asgi("fastapi-a", target, env, workdir))
            b = stack.enter_context(run_asgi("fastapi-b", target, env, workdir))
        yield Pair(adapter, a, b, env)
