"""One behaviour, one test body, both adapters: the `adapter` fixture runs each test in
this directory against Django (the test project, through Django's test `Client`) and
against FastAPI (an app mounting `mizan_fastapi.router`, through `TestClient`).
WebSocket tests drive both through Starlette's `TestClient.websocket_connect`: FastAPI's
app as above, Django's as a project serves it (`mizan.wrap_asgi(get_asgi_application())`,
Channels' session auth and Origin check included).

Each side is set up as a project of its own would be: Django reads `MIZAN_*` settings
(`override_settings`) and purges on commit; FastAPI is configured with
`mizan_fastapi.configure()` and purges before the response. Identities come from a
middleware reading `X-Test-Identity` (tests/adapters/identities.py), on HTTP requests and
WebSocket handshakes alike.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import anyio
import httpx
import pytest
from starlette.testclient import TestClient, WebSocketTestSession

from mizan.core import cache, notify, registry
from tests.adapters import identities

API: Final = "/api/mizan"
WS: Final = f"{API}/ws/"
# The page's own site: Django refuses a handshake from any other (WS-2); FastAPI ignores it.
SAME_SITE: Final = {"Origin": "http://testserver"}
# How long a socket waits for a frame before the test fails instead of hanging: a guard,
# not a measurement (no reply the tests wait for takes more than milliseconds).
RECEIVE_GUARD_SECONDS: Final = 30.0


@dataclass
class Answer:
    """An adapter's response: status, headers with lower-case names, body bytes."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def wire(value: str) -> bytes:
    """A header value as a client puts it on the wire (non-ASCII text as UTF-8)."""
    return value.encode("utf-8")


def frame_text(value: Any) -> str:
    """JSON-1 text computed independently of Mizan's encoder: what a server frame must be."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


class Socket:
    """A synchronous client of one open WebSocket (Starlette's test session underneath)."""

    _probes = itertools.count()

    def __init__(self, session: WebSocketTestSession) -> None:
        self.session = session

    def send_text(self, text: str) -> None:
        self.session.send_text(text)

    def send_bytes(self, data: bytes) -> None:
        self.session.send_bytes(data)

    def send_json(self, value: Any) -> None:
        self.session.send_text(json.dumps(value, ensure_ascii=False))

    def receive(self) -> dict[str, Any]:
        """The next ASGI message the server sent (`websocket.send` or `websocket.close`)."""

        async def within() -> dict[str, Any]:
            with anyio.fail_after(RECEIVE_GUARD_SECONDS):
                message: dict[str, Any] = await self.session._send_rx.receive()
                return message

        return self.session.portal.call(within)

    def receive_text(self) -> str:
        message = self.receive()
        assert message["type"] == "websocket.send" and "text" in message, message
        return str(message["text"])

    def receive_json(self) -> Any:
        return json.loads(self.receive_text())

    def ask(self, frame: Any) -> str:
        """Send `frame` (text as is, anything else JSON-encoded) and return the next frame."""
        self.send_text(frame if isinstance(frame, str) else json.dumps(frame, ensure_ascii=False))
        return self.receive_text()

    def rpc(self, frame_id: Any, fn: str, args: Any = None) -> str:
        """An `rpc` frame (WS-3) and the frame that follows it."""
        frame: dict[str, Any] = {"action": "rpc", "id": frame_id, "fn": fn}
        if args is not None:
            frame["args"] = args
        return self.ask(frame)

    def expect_quiet(self) -> None:
        """Assert the server sent nothing that has not been received. A probe frame goes
        out (an unknown action, answered at once, WS-5); frames are answered in order, so
        anything already queued would arrive before the probe's reply."""
        probe = f"quiet-{next(self._probes)}"
        reply = self.ask({"action": "quiet-probe", "id": probe})
        expected = {"error": {"code": "BAD_REQUEST", "message": "Unknown action"}, "id": probe}
        assert reply == frame_text(expected), f"an unexpected frame arrived: {reply}"

    def close(self, code: int = 1000) -> None:
        self.session.close(code)


class Adapter:
    """The wire protocol spoken to one adapter; subclasses supply `_send` and `configure`."""

    name: str

    def configure(self, **settings: Any) -> None:
        """Apply settings given by their Django names (`MIZAN_CACHE_SECRET=...`) on top of
        those applied before in this test, as a further `override_settings` does."""
        raise NotImplementedError

    def another(self) -> Adapter:
        """An adapter speaking to the same application through a client another thread may
        use while this one is in use."""
        raise NotImplementedError

    def together(self, count: int, action: Callable[[Adapter], Answer]) -> list[Answer]:
        """`action` on `count` threads at once, each with a client of its own made
        beforehand; a barrier releases them together, so every request is in flight at the
        same time however loaded the machine is. The answers, in thread order."""
        clients = [self.another() for _ in range(count)]
        ready = threading.Barrier(count)

        def run(client: Adapter) -> Answer:
            ready.wait(timeout=60)
            return action(client)

        with ThreadPoolExecutor(max_workers=count) as pool:
            return list(pool.map(run, clients))

    def run_elsewhere(self, code: str, tmp_path: Path, **settings: Any) -> str:
        """Run `code` in a fresh Python process set up as another process of the same
        project would be (a worker, a management command) with these settings, before it
        serves anything; its stdout."""
        raise NotImplementedError

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Answer:
        raise NotImplementedError

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        *,
        identity: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        all_headers = dict(headers or {})
        if identity is not None:
            all_headers[identities.HEADER] = identity
        return self._send(method, path, body, all_headers)

    def call(
        self, fn: str, args: Any = None, *, identity: str | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        payload: dict[str, Any] = {"fn": fn}
        if args is not None:
            payload["args"] = args
        body = json.dumps(payload).encode()
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        return self.request("POST", f"{API}/call/", body, identity=identity, headers=all_headers)

    def upload(
        self,
        fn: str,
        args: Any = None,
        files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
        *,
        identity: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """`/call/` as `multipart/form-data`, the body encoded by a real client (httpx):
        `files` are `(part name, (filename, content, content type))`, in order."""
        body, content_type = multipart_body(fn, args, files or [])
        all_headers = {"Content-Type": content_type, **(headers or {})}
        return self.request("POST", f"{API}/call/", body, identity=identity, headers=all_headers)

    def ctx(self, name: str, query: str = "", *, identity: str | None = None) -> Answer:
        return self.request("GET", f"{API}/ctx/{name}/" + (f"?{query}" if query else ""), identity=identity)

    def _asgi_client(self) -> TestClient:
        """The `TestClient` (entered: one event loop for every socket of the test) that
        speaks to the adapter's ASGI application."""
        raise NotImplementedError

    @contextlib.contextmanager
    def websocket(
        self, identity: str | None = None, headers: dict[str, str] | None = None, *, query: str = ""
    ) -> Iterator[Socket]:
        """An open socket on `<prefix>/ws/` (WS-1), handshake made from the site itself,
        with the named identity as the application supplies it (WS-2), `query` (without
        its `?`) on the connect URL; closed on exit."""
        all_headers = {**SAME_SITE, **(headers or {})}
        if identity is not None:
            all_headers[identities.HEADER] = identity
        url = f"{WS}?{query}" if query else WS
        with self._asgi_client().websocket_connect(url, headers=all_headers) as session:
            yield Socket(session)


def multipart_body(fn: str, args: Any, files: list[tuple[str, tuple[str, bytes, str]]]) -> tuple[bytes, str]:
    """The body and `Content-Type` httpx sends for this upload form (UPL-2)."""
    # Text parts as httpx's filename-less file fields, so a form without files is still
    # multipart (httpx sends `data` alone url-encoded).
    text: list[tuple[str, Any]] = [("fn", (None, fn.encode()))]
    if args is not None:
        text.append(("args", (None, json.dumps(args).encode())))
    request = httpx.Request("POST", "http://testserver/", files=[*text, *files])
    return request.read(), request.headers["content-type"]


class DjangoAdapter(Adapter):
    name = "django"

    def __init__(self, stack: contextlib.ExitStack) -> None:
        from django.conf import settings
        from django.test import Client, override_settings

        self._stack = stack
        self._override = override_settings
        middleware = [*settings.MIDDLEWARE, "tests.adapters.identities.DjangoIdentityMiddleware"]
        stack.enter_context(override_settings(MIDDLEWARE=middleware))
        self.client = Client()  # CSRF is not under test here (tests/django covers AUTH-6)
        self._asgi: dict[str, TestClient] = {}  # made on first use, shared with `another()`

    def configure(self, **settings: Any) -> None:
        self._stack.enter_context(self._override(**settings))

    def another(self) -> Adapter:
        from django.test import Client

        other = copy.copy(self)  # the same settings; a test Client of its own (it keeps cookies)
        other.client = Client()
        return other

    def _asgi_client(self) -> TestClient:
        if "client" not in self._asgi:
            from django.core.asgi import get_asgi_application

            import mizan

            application = mizan.wrap_asgi(get_asgi_application())
            identities.install_channels_identity(application)
            self._asgi["client"] = self._stack.enter_context(TestClient(without_lifespan(application)))
        return self._asgi["client"]

    def run_elsewhere(self, code: str, tmp_path: Path, **settings: Any) -> str:
        lines = ["from tests.django.project.settings import *  # noqa: F403"]
        lines += [f"{name} = {value!r}" for name, value in settings.items()]
        (tmp_path / "elsewhere_settings.py").write_text("\n".join(lines) + "\n")
        prelude = "import django\ndjango.setup()\n"
        env = {"DJANGO_SETTINGS_MODULE": "elsewhere_settings", "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"}
        return python(prelude + code, env)

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Answer:
        # WSGI hands header bytes over decoded as latin-1 (PEP 3333).
        meta = {
            "HTTP_" + name.upper().replace("-", "_"): wire(value).decode("latin-1") for name, value in headers.items()
        }
        content_type = meta.pop("HTTP_CONTENT_TYPE", "application/octet-stream")
        if "HTTP_CONTENT_LENGTH" in meta:
            meta["CONTENT_LENGTH"] = meta.pop("HTTP_CONTENT_LENGTH")
        response = self.client.generic(method, path, body or b"", content_type=content_type, **meta)
        return Answer(response.status_code, {k.lower(): v for k, v in response.items()}, response.content)


class FastAPIAdapter(Adapter):
    name = "fastapi"

    def __init__(self, stack: contextlib.ExitStack) -> None:
        from fastapi import FastAPI
        from fastapi.testclient import TestClient

        import mizan_fastapi
        from mizan.core.cache import purge_entry
        from mizan_fastapi.conf import reset_settings
        from mizan_fastapi.startup import configure_cache

        self._configure = mizan_fastapi.configure
        self._settings: dict[str, Any] = {}
        previous_hook, previous_configurer = notify.get_purge_hook(), cache.get_configurer()
        notify.set_purge_hook(purge_entry)
        cache.set_configurer(configure_cache)
        reset_settings()

        def restore() -> None:
            reset_settings()
            notify.set_purge_hook(previous_hook)
            cache.set_configurer(previous_configurer)

        stack.callback(restore)
        app = FastAPI()
        app.add_middleware(identities.ASGIIdentityMiddleware)
        app.include_router(mizan_fastapi.router, prefix=API)
        self.client = stack.enter_context(TestClient(app))

    def configure(self, **settings: Any) -> None:
        # `mizan_fastapi.configure()` replaces the whole configuration: hand it everything
        # this test has set so far, as an application configuring once would.
        self._settings.update({name.removeprefix("MIZAN_").lower(): value for name, value in settings.items()})
        self._configure(**self._settings)

    def another(self) -> Adapter:
        return self  # TestClient sends each request through its portal: threads may share it

    def _asgi_client(self) -> TestClient:
        return self.client

    def run_elsewhere(self, code: str, tmp_path: Path, **settings: Any) -> str:
        env = {name: str(value) for name, value in settings.items()}
        env["PYTHONPATH"] = str(ROOT)
        return python("import mizan_fastapi  # noqa: F401\n" + code, env)

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Answer:
        raw = {name: wire(value) for name, value in headers.items()}
        response = self.client.request(method, path, content=body, headers=raw)
        return Answer(response.status_code, dict(response.headers), response.content)


def without_lifespan(application: Any) -> Any:
    """`application` answering ASGI lifespan events itself: Django's ASGI handler (and so a
    Channels router) has none, and an entered `TestClient` starts with one."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await application(scope, receive, send)
            return
        while True:
            message = await receive()
            phase = message["type"].removeprefix("lifespan.")
            await send({"type": f"lifespan.{phase}.complete"})
            if phase == "shutdown":
                return

    return app


ADAPTERS: Final = ("django", "fastapi")
ROOT: Final = Path(__file__).resolve().parents[2]


def python(code: str, env: dict[str, str]) -> str:
    """Run `python -c code` with the environment's MIZAN_* and Django variables replaced."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MIZAN_CACHE", "MIZAN_MWT", "DJANGO_"))}
    if "MIZAN_PURE" in os.environ:
        base["MIZAN_PURE"] = os.environ["MIZAN_PURE"]
    done = subprocess.run(
        [sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(params=[pytest.param(name, marks=getattr(pytest.mark, f"{name}_adapter")) for name in ADAPTERS])
def adapter(request: pytest.FixtureRequest) -> Iterator[Adapter]:
    """The adapter under test, with the registry, the cache and the settings restored
    afterwards. Django's side runs with real commits (purges run on commit, CPUR-3)."""
    saved = registry.get_all_functions()
    cache.reset_cache()
    with contextlib.ExitStack() as stack:
        if request.param == "django":
            # pytest-django picks a transactional database only from a marker or a fixture
            # the test names; asked for here alone, `transactional_db` would give a TestCase
            # transaction that never commits, and on-commit purges would never run.
            request.applymarker(pytest.mark.django_db(transaction=True))
            request.getfixturevalue("transactional_db")
            made: Adapter = DjangoAdapter(stack)
        else:
            made = FastAPIAdapter(stack)
        try:
            yield made
        finally:
            backend = cache.get_cache()
            if backend is not None:
                backend.clear()
    cache.reset_cache()
    registry.clear_registry()
    for name, fn_class in saved.items():
        registry.register(fn_class, name)  # type: ignore[arg-type]


@pytest.fixture
def register() -> Callable[..., None]:
    """`register(name=fn_class, ...)`: add functions for this test (the adapter fixture
    restores the registry afterwards)."""

    def add(**functions: Any) -> None:
        for name, fn_class in functions.items():
            registry.register(fn_class, name)

    return add
