"""`python -m afi.original.worker` (run with `.venv-original/bin/python`): the transcript sent
to the original's Django project through Django's test `Client`, printed as JSON in the record
format of `afi.worker` (one record per step, stored cache keys, the auth grid, key vectors).

The transcript speaks Mizan's names; this sender translates each request to the original's:
the `/api/mizan/` prefix becomes `/api/izana/` and `X-Mizan-*` request headers `X-Izana-*`.
Token identities are minted with the original's own `create_mwt`: its MWT differs from
Mizan's (`aud` "izana", `kid` "v1", claims `staff`/`super`, another `pkey` input), so a token
from Mizan's `mint_mwt` is one it rejects.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Final

from afi import settings as shared
from afi.transcript import SESSION, USERS, Step, auth_grid
from afi.worker import Send, run_script

MIZAN_PREFIX: Final = "/api/mizan/"
ORIGINAL_PREFIX: Final = "/api/izana/"
PIN_SECRET: Final = "test-pin-secret-that-is-32bytes!"  # CKEY-4


def original_path(path: str) -> str:
    """The transcript's path at the original's prefix."""
    return ORIGINAL_PREFIX + path[len(MIZAN_PREFIX) :] if path.startswith(MIZAN_PREFIX) else path


def original_header(name: str) -> str:
    """`X-Mizan-Token` → `X-Izana-Token`; other names unchanged."""
    return "X-Izana-" + name[len("X-Mizan-") :] if name.lower().startswith("x-mizan-") else name


def mizan_header(name: str) -> str:
    """A response header name with the product name normalised (`x-izana-cache` →
    `x-mizan-cache`), so `run_script` records the original's headers under Mizan's names."""
    return "x-mizan-" + name[len("x-izana-") :] if name.startswith("x-izana-") else name


def _recording_cache() -> Any:
    """Install a MemoryCache of the original that records the keys written (AFI-11)."""
    from izana.cache import MemoryCache, set_cache

    class RecordingCache(MemoryCache):
        def __init__(self) -> None:
            super().__init__()
            self.stored: set[str] = set()

        def set(self, key: str, value: bytes) -> None:
            self.stored.add(key)
            super().set(key, value)

    recorder = RecordingCache()
    set_cache(recorder)
    return recorder


def original_sender() -> Send:
    """A `Send` for the original, with users, sessions and CSRF handled as `django_sender`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "afi.original.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from izana.setup.settings import get_settings
    from izana_core.mwt import create_mwt

    call_command("migrate", verbosity=0, run_syncdb=True)
    users = get_user_model()
    for name, spec in USERS.items():
        if spec is not None:
            pk, staff, superuser = spec
            users.objects.create(pk=pk, username=name, is_staff=staff, is_superuser=superuser)
    tokens = {
        name: create_mwt(users.objects.get(username=name), get_settings().mwt_secret)
        for name, spec in USERS.items()
        if spec is not None
    }

    def new_client() -> Client:
        # A crash inside the original becomes the 500 a server would send, not a test error.
        return Client(enforce_csrf_checks=True, raise_request_exception=False)

    anonymous = new_client()
    csrf = json.loads(anonymous.get(original_path(SESSION)).content)["csrfToken"]
    sessions: dict[str, tuple[Client, str]] = {}

    def session_for(user: str) -> tuple[Client, str]:
        if user not in sessions:
            client = new_client()
            client.force_login(users.objects.get(username=user))
            sessions[user] = (client, json.loads(client.get(original_path(SESSION)).content)["csrfToken"])
        return sessions[user]

    def send(step: Step, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        client, token = session_for(step.user) if step.native and USERS[step.user] else (anonymous, csrf)
        translated = {original_header(name): value for name, value in headers.items()}
        if "X-Izana-Token" in translated and step.user in tokens and not step.native:
            translated["X-Izana-Token"] = tokens[step.user]  # run_script put Mizan's MWT there
        extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in translated.items()}
        extra["HTTP_X_CSRFTOKEN"] = token
        response = client.generic(
            step.method, original_path(step.path), data=step.body or b"", content_type=step.content_type or "", **extra
        )
        return response.status_code, {mizan_header(k.lower()): v for k, v in response.items()}, response.content

    return send


def pinned_vectors() -> list[str]:
    """The CKEY-4 keys as the original derives them (AFI-11)."""
    from izana_core.cache.keys import derive_cache_key

    return [
        derive_cache_key(PIN_SECRET, "user", {"user_id": "5"}, None, 0),
        derive_cache_key(PIN_SECRET, "user", {"user_id": "5"}, "5", 0),
    ]


def run() -> dict[str, Any]:
    """The transcript's outcome on the original, in `afi.worker.run`'s shape."""
    send = original_sender()
    recorder = _recording_cache()
    steps = run_script(send)
    stored = sorted(recorder.stored)
    return {"steps": steps, "stored_keys": stored, "auth": run_script(send, auth_grid()), "vectors": pinned_vectors()}


if __name__ == "__main__":
    if shared.CACHE_URL != "memory://":  # the recorder stands in for the memory backend only
        raise SystemExit(f"afi.original.worker: unsupported cache URL {shared.CACHE_URL!r}")
    json.dump(run(), sys.stdout)
