"""Send the transcript to one adapter, in this process, and print what came back as JSON.

`python -m afi.worker django` drives the Django project through its test `Client` (URL
routing, sessions, CSRF and auth middleware); `python -m afi.worker fastapi` drives the
FastAPI app through its `TestClient` (AFI-1). Then each is sent the WebSocket transcript
(`afi.ws_worker`). Each adapter runs in its own process, so each
registers the fixture its own way (AFI-7). `MIZAN_PURE=1` in the environment selects the
pure twins (AFI-6).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import sys
from collections.abc import Callable
from typing import Any

from afi.transcript import COMPARED_HEADERS, SESSION, USERS, Step, auth_grid, mwt_for, script
from afi.ws_worker import Connect, run_ws_script, test_client_connect, without_lifespan

Send = Callable[[Step, dict[str, str]], tuple[int, dict[str, str], bytes]]


class RecordingCache:
    """Wraps the configured origin-cache backend and records the keys written (AFI-11)."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.stored: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.backend, name)

    def set(self, key: str, value: bytes, /, ttl: float | None = None) -> None:
        self.stored.add(key)
        self.backend.set(key, value, ttl)


def _record_cache() -> RecordingCache:
    from mizan.core import cache

    backend = cache.get_cache()
    if backend is None:
        raise SystemExit("afi.worker: the origin cache is not configured")
    recorder = RecordingCache(backend)
    cache.set_cache(recorder, cache.active_secret(), cache.default_ttl())
    return recorder


# One in-memory database for every thread: Channels reads the socket's session on a thread
# of its own, and a plain ":memory:" database is a new, empty one per connection.
WORKER_DATABASE = "file:afi-worker?mode=memory&cache=shared"


def django_sender() -> Send:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "afi.django_site.settings")
    os.environ.setdefault("AFI_DATABASE", WORKER_DATABASE)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from mizan.conf import get_settings

    call_command("migrate", verbosity=0, run_syncdb=True)
    users = get_user_model()
    for name, spec in USERS.items():
        if spec is not None:
            pk, staff, superuser = spec
            users.objects.create(pk=pk, username=name, is_staff=staff, is_superuser=superuser)
    get_settings()  # opens the configured cache before it is wrapped
    anonymous = Client(enforce_csrf_checks=True)
    csrf = json.loads(anonymous.get(SESSION).content)["csrfToken"]
    sessions: dict[str, tuple[Client, str]] = {}

    def session_for(user: str) -> tuple[Client, str]:
        if user not in sessions:
            client = Client(enforce_csrf_checks=True)
            client.force_login(users.objects.get(username=user))
            sessions[user] = (client, json.loads(client.get(SESSION).content)["csrfToken"])
        return sessions[user]

    def send(step: Step, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        client, token = session_for(step.user) if step.native and USERS[step.user] else (anonymous, csrf)
        extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
        extra["HTTP_X_CSRFTOKEN"] = token  # what a browser sends; token identities ignore it
        response = client.generic(
            step.method, step.path, data=step.body or b"", content_type=step.content_type or "", **extra
        )
        return response.status_code, {k.lower(): v for k, v in response.items()}, response.content

    return send


def django_connect(stack: contextlib.ExitStack) -> Connect:
    """Sockets to the Django project as its `asgi.py` serves it; a user's socket carries the
    session cookie of a login (its native identity), the anonymous one none. After
    `django_sender`, which set Django up."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from starlette.testclient import TestClient

    from afi.django_site.asgi import application

    client = stack.enter_context(TestClient(without_lifespan(application)))
    cookies: dict[str, str] = {}

    def headers_for(name: str) -> dict[str, str]:
        if USERS[name] is None:
            return {}
        if name not in cookies:
            browser = Client()
            browser.force_login(get_user_model().objects.get(username=name))
            cookies[name] = browser.cookies["sessionid"].value
        return {"Cookie": f"sessionid={cookies[name]}"}

    return test_client_connect(client, headers_for)


_fastapi_client: Any = None  # the app's entered TestClient, shared by HTTP and WebSocket runs


def fastapi_sender() -> Send:
    global _fastapi_client
    from fastapi.testclient import TestClient

    from afi.fastapi_site import create_app, native_header

    client = _fastapi_client = TestClient(create_app())
    client.__enter__()  # runs the router's lifespan, as a server would

    def send(step: Step, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if step.native:
            headers.update(native_header(step.user))
        if step.content_type:
            headers["Content-Type"] = step.content_type
        response = client.request(step.method, step.path, content=step.body, headers=headers)
        return response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.content

    return send


def run_script(send: Send, steps: list[Step] | None = None) -> list[dict[str, Any]]:
    """Send every step (the transcript unless `steps` is given) through `send`; one record
    per step (AFI-10)."""
    from afi import fixture

    fixture.reset()
    records = []
    for step in script() if steps is None else steps:
        headers = dict(step.headers)
        token = mwt_for(step.user) if not step.native else None
        if token is not None:
            headers["X-Mizan-Token"] = token
        status, response_headers, body = send(step, headers)
        records.append(
            {
                "label": step.label,
                "status": status,
                "headers": {name: response_headers.get(name) for name in COMPARED_HEADERS},
                "body": base64.b64encode(body).decode(),
            }
        )
    return records


def fastapi_connect(stack: contextlib.ExitStack) -> Connect:
    """Sockets to the FastAPI app `fastapi_sender` made; a user's socket names the user in
    the header the app's identity middleware reads (its native identity)."""
    from afi.fastapi_site import native_header

    return test_client_connect(_fastapi_client, native_header)


def run(adapter: str) -> dict[str, Any]:
    """The transcript's outcome in this process: one record per step, the keys the origin
    cache stored, the auth grid, the pinned key vectors, then the WebSocket transcript."""
    send = {"django": django_sender, "fastapi": fastapi_sender}[adapter]()
    recorder = _record_cache()
    steps = run_script(send)
    stored = sorted(recorder.stored)
    outcome = {
        "steps": steps,
        "stored_keys": stored,
        "auth": run_script(send, auth_grid()),
        "vectors": pinned_vectors(),
    }
    with contextlib.ExitStack() as stack:
        connect = {"django": django_connect, "fastapi": fastapi_connect}[adapter](stack)
        outcome["ws"] = run_ws_script(connect)
    return outcome


def pinned_vectors() -> list[str]:
    """The CKEY-4 keys as this process's key derivation (C or pure) computes them (AFI-11)."""
    from mizan.core import _backend

    secret = "test-pin-secret-that-is-32bytes!"
    return [
        _backend.derive_cache_key(secret, "user", {"user_id": "5"}, None, 0),
        _backend.derive_cache_key(secret, "user", {"user_id": "5"}, "5", 0),
    ]


if __name__ == "__main__":
    json.dump(run(sys.argv[1]), sys.stdout)
