"""`mizan.wrap_asgi`: Django's ASGI application with Mizan's WebSocket endpoint beside it
(PROTOCOL WS-1, WS-2)."""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.urls import path

from mizan.channels.consumer import MizanConsumer
from mizan.core.errors import ConfigError
from mizan.core.manifest import DEFAULT_BASE_URL
from mizan.management.commands.export_edge_manifest import mounted_base_url

WS_SUFFIX = "ws/"


def wrap_asgi(django_asgi_app: Any, prefix: str | None = None) -> ProtocolTypeRouter:
    """The project's ASGI application: HTTP to `django_asgi_app`, WebSocket connections on
    `<prefix>/ws/` to Mizan's consumer.

    In the project's `asgi.py`::

        application = mizan.wrap_asgi(get_asgi_application())

    The connection's identity is its Django session user (Channels' `AuthMiddlewareStack`
    reads the session cookie). Because a browser sends that cookie with a WebSocket
    handshake from any site, the handshake is refused unless its `Origin` is one the
    project trusts (cross-site WebSocket hijacking): a host of `ALLOWED_HOSTS`, as
    Channels' `AllowedHostsOriginValidator` decides, or an origin of
    `CSRF_TRUSTED_ORIGINS` (the origins Django already accepts unsafe requests from, such
    as a front end served from another port). A handshake without `Origin` is refused
    too, unless ALLOWED_HOSTS contains `"*"`.

    Args:
        django_asgi_app: `django.core.asgi.get_asgi_application()`, called first so that
            Django is set up before the URLconf is read here.
        prefix: where the endpoint lives, e.g. `"/api/mizan/"`; by default where the
            URLconf mounts `mizan.urls`, or `/api/mizan/` when it does not.
    """
    if prefix is None:
        try:
            prefix = mounted_base_url()
        except ConfigError:
            prefix = DEFAULT_BASE_URL
    # Channels matches the path without its leading slash, as Django's URLconf does.
    route = prefix.strip("/") + "/" + WS_SUFFIX if prefix.strip("/") else WS_SUFFIX
    websocket = AuthMiddlewareStack(URLRouter([path(route, MizanConsumer.as_asgi())]))
    return ProtocolTypeRouter({"http": django_asgi_app, "websocket": OriginValidator(websocket, trusted_origins())})


def trusted_origins() -> list[str]:
    """Channels' `OriginValidator` patterns: the hosts `AllowedHostsOriginValidator` uses
    (ALLOWED_HOSTS, or the local hosts under DEBUG when it is empty), then each
    `CSRF_TRUSTED_ORIGINS` entry with Django's `*.` subdomain wildcard written as Channels
    writes it (`https://*.example.com` -> `https://.example.com`)."""
    hosts = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not hosts:
        hosts = ["localhost", "127.0.0.1", "[::1]"]
    origins = [origin.replace("://*.", "://.", 1) for origin in getattr(settings, "CSRF_TRUSTED_ORIGINS", [])]
    return hosts + origins
