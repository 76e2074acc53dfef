"""End to end: the demo project (examples/demo) served by `runserver`, driven over HTTP.

The server runs as a subprocess on a free loopback port with its own SQLite database in a
temporary directory (MIZAN_DEMO_DB), so the test never touches examples/demo/db.sqlite3.
It inherits MIZAN_PURE, so each pass of `make test` exercises its own backend. The
requests are the README's curl round trip (SESS-1, RPC-1/3/4, BND-1..4, AUTH-6, EP-3).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

DEMO_DIR = Path(__file__).resolve().parents[2] / "examples" / "demo"
STARTUP_TIMEOUT = 90.0  # seconds; generous for the sanitizer pass on a loaded 2-core box
REQUEST_TIMEOUT = 30.0


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Demo:
    base: str
    opener: urllib.request.OpenerDirector
    cookies: http.cookiejar.CookieJar

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Reply:
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=REQUEST_TIMEOUT) as resp:
                return Reply(resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read())
        except urllib.error.HTTPError as err:
            with err:
                return Reply(err.code, {k.lower(): v for k, v in err.headers.items()}, err.read())

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _opener() -> tuple[urllib.request.OpenerDirector, http.cookiejar.CookieJar]:
    jar = http.cookiejar.CookieJar()
    # ProxyHandler({}): loopback traffic must never go through a configured proxy.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(jar))
    return opener, jar


def _demo_env(db_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    # pytest-django exported the test project's settings; the demo must use its own.
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["MIZAN_DEMO_DB"] = str(db_path)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _wait_ready(server: subprocess.Popen[bytes], base: str, log: Path) -> None:
    opener, _ = _opener()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"demo server exited with {server.returncode}:\n{log.read_text()}")
        try:
            with opener.open(base + "/api/mizan/session/", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    pytest.fail(f"demo server not ready after {STARTUP_TIMEOUT}s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    tmp = tmp_path_factory.mktemp("demo")
    env = _demo_env(tmp / "db.sqlite3")
    manage = [sys.executable, "manage.py"]
    migrate = subprocess.run(
        [*manage, "migrate", "--noinput"], cwd=DEMO_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=DEMO_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_ready(server, base, log)
        opener, jar = _opener()
        yield Demo(base, opener, jar)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)


def _csrf(demo: Demo) -> str:
    reply = demo.request("GET", "/api/mizan/session/")
    assert reply.status == 200
    token: str = json.loads(reply.body)["csrfToken"]
    return token


def _call(demo: Demo, payload: bytes, token: str | None) -> Reply:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["X-CSRFToken"] = token
    return demo.request("POST", "/api/mizan/call/", payload, headers)


def test_session_sets_csrf_cookie_and_returns_token(demo: Demo) -> None:
    reply = demo.request("GET", "/api/mizan/session/")
    assert reply.status == 200
    assert reply.headers["content-type"] == "application/json"
    assert reply.headers["cache-control"] == "no-store"
    token = json.loads(reply.body)["csrfToken"]
    assert isinstance(token, str) and token
    assert reply.body == b'{"csrfToken":"' + token.encode() + b'"}'
    assert demo.cookie("csrftoken")


def test_echo_round_trip(demo: Demo) -> None:
    token = _csrf(demo)
    reply = _call(demo, b'{"fn":"echo","args":{"text":"hi"}}', token)
    assert reply.status == 200
    assert reply.body == b'{"result":{"message":"echo: hi"}}'
    assert reply.headers["cache-control"] == "no-store"
    assert reply.headers["content-type"] == "application/json"


def test_context_bundle(demo: Demo) -> None:
    reply = demo.request("GET", "/api/mizan/ctx/user/?user_id=5")
    assert reply.status == 200
    assert reply.body == b'{"user_orders":{"count":50},"user_profile":{"name":"user_5"}}'
    assert reply.headers["cache-control"] == "no-store"
    assert reply.headers["content-type"] == "application/json"


def test_update_then_refetch(demo: Demo) -> None:
    token = _csrf(demo)
    reply = _call(demo, b'{"fn":"update_profile","args":{"user_id":7,"name":"Ada"}}', token)
    assert reply.status == 200
    assert reply.headers["cache-control"] == "no-store"
    # INV-3: the mutation names the scoped context in the body and in the header.
    assert reply.body == b'{"invalidate":[{"context":"user","params":{"user_id":7}}],"result":{"ok":true}}'
    assert reply.headers["x-mizan-invalidate"] == "user;user_id=7"
    bundle = demo.request("GET", "/api/mizan/ctx/user/?user_id=7")
    assert bundle.status == 200
    assert bundle.body == b'{"user_orders":{"count":70},"user_profile":{"name":"Ada"}}'


def test_post_without_csrf_token_is_refused(demo: Demo) -> None:
    _csrf(demo)  # the cookie alone is not enough (AUTH-6)
    reply = _call(demo, b'{"fn":"echo","args":{"text":"hi"}}', None)
    assert reply.status == 403
    assert reply.body == b'{"error":{"code":"FORBIDDEN","message":"CSRF verification failed"}}'
    assert reply.headers["cache-control"] == "no-store"


def test_validation_error_and_unknown_names(demo: Demo) -> None:
    token = _csrf(demo)
    invalid = _call(demo, b'{"fn":"echo","args":{}}', token)
    assert invalid.status == 422
    assert json.loads(invalid.body)["error"]["code"] == "VALIDATION_ERROR"
    unknown_fn = _call(demo, b'{"fn":"nope","args":{}}', token)
    assert unknown_fn.status == 404
    unknown_ctx = demo.request("GET", "/api/mizan/ctx/nope/")
    assert unknown_ctx.status == 404
    for reply in (invalid, unknown_fn, unknown_ctx):
        assert reply.headers["cache-control"] == "no-store"


def test_wrong_method(demo: Demo) -> None:
    reply = demo.request("GET", "/api/mizan/call/")
    assert reply.status == 405
    assert reply.headers["allow"] == "POST"
    assert json.loads(reply.body)["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert reply.headers["cache-control"] == "no-store"
