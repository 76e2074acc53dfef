"""Servers of the Mizan Tasks demo for the tests: each twin in its own subprocess, on a
free loopback port, with its own SQLite database in a temporary directory.

`DemoServer.session(username)` signs in through the login form, as a browser does, and
gives an HTTP client holding that session, plus WebSocket connections carrying the same
cookie. A twin is one entry of `TWINS`: the tests parametrised over it run against each.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

DEMO_DIR = Path(__file__).resolve().parents[2] / "examples" / "demo"
STARTUP_TIMEOUT = 90.0  # seconds; generous for the sanitizer pass on a loaded 2-core box
TIMEOUT = 30.0
PASSWORD = "demo-pass"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Session:
    """One browser's session with the demo: an HTTP client and its cookies."""

    server: DemoServer
    http: httpx.Client
    csrf: str | None = None

    def call(self, fn: str, args: dict[str, Any] | None = None, **extra: Any) -> httpx.Response:
        """`POST /api/mizan/call/` as JSON (or multipart when `files=` is given)."""
        headers = {"X-CSRFToken": self.csrf} if self.csrf else {}
        if "files" in extra:
            data = {"fn": fn, "args": json.dumps(args or {})}
            return self.http.post("/api/mizan/call/", data=data, files=extra["files"], headers=headers)
        return self.http.post("/api/mizan/call/", json={"fn": fn, "args": args or {}}, headers=headers)

    def ctx(self, name: str, **params: Any) -> httpx.Response:
        return self.http.get(f"/api/mizan/ctx/{name}/", params=params)

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())

    @contextmanager
    def socket(self, origin: str | None = None) -> Iterator[Socket]:
        """A WebSocket to `/api/mizan/ws/` with this session's cookie."""
        headers = {"Cookie": self.cookie_header(), "Origin": origin or self.server.base}
        url = self.server.base.replace("http://", "ws://") + "/api/mizan/ws/"
        with connect(url, additional_headers=headers, open_timeout=TIMEOUT) as ws:
            yield Socket(ws)


@dataclass
class Socket:
    """A Mizan WebSocket: frames are JSON objects; replies are matched by id."""

    ws: ClientConnection
    pending: list[dict[str, Any]] = field(default_factory=list)
    next_id: int = 1

    def send(self, action: str, **frame: Any) -> int:
        frame_id = self.next_id
        self.next_id += 1
        self.ws.send(json.dumps({"action": action, "id": frame_id, **frame}))
        return frame_id

    def receive(self) -> dict[str, Any]:
        if self.pending:
            return self.pending.pop(0)
        frame: dict[str, Any] = json.loads(self.ws.recv(timeout=TIMEOUT))
        return frame

    def reply(self, frame_id: int) -> dict[str, Any]:
        """The reply to `frame_id`; pushes met on the way are kept for `receive`."""
        seen: list[dict[str, Any]] = []
        while True:
            frame: dict[str, Any] = json.loads(self.ws.recv(timeout=TIMEOUT))
            if frame.get("id") == frame_id:
                self.pending.extend(seen)
                return frame
            seen.append(frame)

    def request(self, action: str, **frame: Any) -> dict[str, Any]:
        return self.reply(self.send(action, **frame))


@dataclass
class DemoServer:
    name: str
    base: str
    log: Path
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self) -> httpx.Client:
        """A new HTTP client (closed when the server stops)."""
        # trust_env=False: loopback traffic must never go through a configured proxy.
        http = httpx.Client(base_url=self.base, timeout=TIMEOUT, trust_env=False, follow_redirects=False)
        self.clients.append(http)
        return http

    def close_clients(self) -> None:
        for http in self.clients:
            http.close()

    def login(self, http: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
        """Post the login form as a browser does (with Django's CSRF field when the page has one)."""
        page = http.get("/login/")
        assert page.status_code == 200, page.text
        form = {"username": username, "password": password}
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if token:
            form["csrfmiddlewaretoken"] = token.group(1)
        return http.post("/login/", data=form, headers={"Origin": self.base, "Referer": self.base + "/login/"})

    def logout(self, http: httpx.Client) -> httpx.Response:
        """`POST /logout/` as the page's form does (with the CSRF token when there is one)."""
        csrf = http.cookies.get("csrftoken")
        headers = {"Origin": self.base, "Referer": self.base + "/"}
        return http.post("/logout/", data={"csrfmiddlewaretoken": csrf} if csrf else {}, headers=headers)

    def session(self, username: str | None) -> Session:
        """A signed-in session (`None`: an anonymous one)."""
        http = self.client()
        http.headers["Origin"] = self.base
        if username is not None:
            answer = self.login(http, username)
            assert answer.status_code in (302, 303), answer.text
        csrf = http.get("/api/mizan/session/").json()["csrfToken"]
        return Session(self, http, csrf)


def _wait_ready(server: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    with httpx.Client(timeout=2, trust_env=False) as http:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                pytest.fail(f"demo server exited with {server.returncode}:\n{log.read_text()}")
            try:
                if http.get(base + "/login/").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    pytest.fail(f"demo server not ready after {STARTUP_TIMEOUT}s:\n{log.read_text()}")


def fastapi_command(port: int, tmp: Path) -> tuple[list[str], dict[str, str]]:
    """uvicorn serving `fastapi_demo.app:app` (the command `make demo-fastapi` runs)."""
    # Fixed secrets, so several processes sharing `tmp` accept each other's session
    # cookies and find each other's cache entries (a process alone makes random ones).
    env = {
        "MIZAN_DEMO_FASTAPI_DB": str(tmp / "fastapi.sqlite3"),
        "MIZAN_DEMO_SESSION_SECRET": "demo-test-session-secret-of-32-bytes",
        "MIZAN_MWT_SECRET": "demo-test-mwt-secret-of-at-least-32-bytes",
        "MIZAN_CACHE_SECRET": "demo-test-cache-secret-of-at-least-32-bytes",
    }
    command = [sys.executable, "-m", "uvicorn", "fastapi_demo.app:app", "--host", "127.0.0.1", "--port", str(port)]
    return command, env


def django_command(port: int, tmp: Path) -> tuple[list[str], dict[str, str]]:
    """`manage.py migrate` and `seed_demo` into a new database, then uvicorn serving
    `demo_project.asgi:application` (what `make demo` runs)."""
    env = {"MIZAN_DEMO_DB": str(tmp / "django.sqlite3"), "MIZAN_DEMO_MEDIA": str(tmp / "media")}
    setup_env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"} | env
    for step in (["migrate", "--noinput", "--verbosity", "0"], ["seed_demo"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *step],
            cwd=DEMO_DIR,
            env=setup_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"manage.py {step[0]} failed:\n{done.stdout}{done.stderr}"
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "demo_project.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    return command, env


# The twins: name -> (command, environment additions) for a port and a temporary directory.
TWINS: dict[str, Callable[[int, Path], tuple[list[str], dict[str, str]]]] = {
    "django": django_command,
    "fastapi": fastapi_command,
}
# The marker of each twin's adapter (conftest's django_adapter / fastapi_adapter).
TWIN_MARKS = {"django": "django_adapter", "fastapi": "fastapi_adapter"}


@contextmanager
def running(name: str, tmp: Path, more_env: dict[str, str] | None = None, label: str = "") -> Iterator[DemoServer]:
    """Start twin `name` and stop it afterwards; it inherits MIZAN_PURE, so each pass of
    `make test` exercises its own backend. `more_env` adds to its environment; `label`
    names its log when several servers share `tmp` (and so their database)."""
    port = free_port()
    command, extra = TWINS[name](port, tmp)
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)  # pytest-django's; the demo uses its own
    env.update(extra, PYTHONUNBUFFERED="1")
    env.update(more_env or {})
    base = f"http://127.0.0.1:{port}"
    log = tmp / f"{name}{label}.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            command, cwd=DEMO_DIR, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        _wait_ready(server, base, log)
        demo = DemoServer(name, base, log)
        try:
            yield demo
        finally:
            demo.close_clients()
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)
