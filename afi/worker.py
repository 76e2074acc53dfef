"""Send the transcript to one adapter, in this process, and print what came back as JSON.

`python -m afi.worker django` drives the Django project through its test `Client` (URL
routing, sessions, CSRF and auth middleware); `python -m afi.worker fastapi` drives the
FastAPI app through its `TestClient` (AFI-1). Each adapter runs in its own process, so each
registers the fixture its own way (AFI-7). `MIZAN_PURE=1` in the environment selects the
pure twins (AFI-6).
"""

from __future__ import annotations

import base64
import json
import os
import sys
from collections.abc import Callable
from typing import Any

from afi.transcript import COMPARED_HEADERS, SESSION, USERS, Step, auth_grid, mwt_for, script

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


def django_sender() -> Send:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "afi.django_site.settings")
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


def fastapi_sender() -> Send:
    from fastapi.testclient import TestClient

    from afi.fastapi_site import create_app, native_header

    client = TestClient(create_app())
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


def run(adapter: str) -> dict[str, Any]:
    """The transcript's outcome in this process: one record per step, then the keys the
    origin cache stored."""
    send = {"django": django_sender, "fastapi": fastapi_sender}[adapter]()
    recorder = _record_cache()
    steps = run_script(send)
    stored = sorted(recorder.stored)
    return {"steps": steps, "stored_keys": stored, "auth": run_script(send, auth_grid()), "vectors": pinned_vectors()}


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
