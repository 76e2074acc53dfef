"""The same views served through Django's ASGI handler (SIG-9: sync views run async
functions to completion; results identical to WSGI)."""

from __future__ import annotations

import json
from typing import Any

from asgiref.sync import async_to_sync
from django.test import AsyncClient

from tests.django.conftest import (
    CALL,
    SESSION,
    MizanClient,
    assert_error,
    assert_json,
    assert_method_not_allowed,
    ctx_url,
)


def _run(coro_fn: Any) -> Any:
    return async_to_sync(coro_fn)()


def _asgi_session() -> tuple[AsyncClient, str]:
    client = AsyncClient(enforce_csrf_checks=True)

    async def go() -> str:
        response = await client.get(SESSION)
        assert response.status_code == 200
        return json.loads(response.content)["csrfToken"]

    return client, _run(go)


def _post(client: AsyncClient, body: bytes, token: str | None) -> Any:
    headers = {"X-CSRFToken": token} if token is not None else {}

    async def go() -> Any:
        return await client.post(CALL, body, content_type="application/json", headers=headers)

    return _run(go)


def test_sig9_asgi_async_and_sync_functions_match_wsgi(mizan: MizanClient) -> None:
    """SIG-9: under ASGI the bytes equal the WSGI bytes, for async and sync bodies."""
    client, token = _asgi_session()
    for body in (b'{"fn":"async_echo","args":{"text":"hi"}}', b'{"fn":"echo","args":{"text":"hi"}}'):
        asgi = _post(client, body, token)
        wsgi = mizan.post(body)
        assert_json(asgi, 200, wsgi.content)


def test_sig9_asgi_async_guard_rejects(mizan: MizanClient) -> None:
    """AUTH-1 under ASGI: an async guard returning False still rejects (403)."""
    client, token = _asgi_session()
    assert_error(_post(client, b'{"fn":"async_denied"}', token), 403, "FORBIDDEN", "Permission denied")


def test_sig9_asgi_bundle(mizan: MizanClient) -> None:
    """BND-4 under ASGI: the bundle with an async member, byte-identical to WSGI."""
    client = AsyncClient(enforce_csrf_checks=True)

    async def go() -> Any:
        return await client.get(ctx_url("user") + "?user_id=5")

    assert_json(_run(go), 200, mizan.ctx("user", "user_id=5").content)


def test_auth6_asgi_csrf_enforced() -> None:
    """AUTH-6 under ASGI: a POST without the token → 403 envelope."""
    client, _ = _asgi_session()
    assert_error(_post(client, b'{"fn":"echo"}', None), 403, "FORBIDDEN", "CSRF verification failed")


def test_ep3_asgi_wrong_method() -> None:
    """EP-3 under ASGI: GET /call/ → 405 with `Allow: POST`."""
    client = AsyncClient(enforce_csrf_checks=True)

    async def go() -> Any:
        return await client.get(CALL)

    assert_method_not_allowed(_run(go), "POST")
