"""The handshake's Origin check on Django (PROTOCOL WS-2): besides ALLOWED_HOSTS, the
origins of CSRF_TRUSTED_ORIGINS (a front end on another port or subdomain) may open the
socket, with Django's `*.` subdomain wildcard; any other site may not."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.core.asgi import get_asgi_application
from django.test import override_settings

import mizan

WS = "/api/mizan/ws/"
pytestmark = pytest.mark.django_db(transaction=True)


def opens(origin: bytes | None) -> bool:
    """Whether a handshake with this Origin header (None: none) is accepted."""
    application = mizan.wrap_asgi(get_asgi_application())  # reads the settings in force

    async def go() -> bool:
        headers = [] if origin is None else [(b"origin", origin)]
        communicator = WebsocketCommunicator(application, WS, headers=headers)
        connected, _ = await communicator.connect()
        await communicator.disconnect()
        return bool(connected)

    return async_to_sync(go)()


@override_settings(
    ALLOWED_HOSTS=["api.example.com"],
    CSRF_TRUSTED_ORIGINS=["http://localhost:5173", "https://*.front.example"],
)
def test_ws2_csrf_trusted_origins_may_open_the_socket() -> None:
    assert opens(b"https://api.example.com")
    assert opens(b"http://localhost:5173")
    assert opens(b"https://app.front.example")
    assert opens(b"https://front.example")  # Django's `*.` covers the domain itself too
    assert not opens(b"http://localhost:5174")  # another port is another origin
    assert not opens(b"http://app.front.example")  # another scheme is another origin
    assert not opens(b"https://evil.example")
    assert not opens(b"https://front.example.evil.example")
    assert not opens(None)


@override_settings(ALLOWED_HOSTS=[], DEBUG=True, CSRF_TRUSTED_ORIGINS=[])
def test_ws2_debug_without_allowed_hosts_accepts_local_origins_only() -> None:
    """As Django's own request host check under DEBUG with ALLOWED_HOSTS empty."""
    assert opens(b"http://localhost:8000")
    assert opens(b"http://127.0.0.1:8000")
    assert not opens(b"https://evil.example")
