"""The conformance Django project over ASGI, as a project serves Mizan's WebSocket endpoint
beside Django (WS-1): what uvicorn serves in the live run (AFI-1) and what the in-process
worker opens sockets to."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "afi.django_site.settings")

django_application = get_asgi_application()  # first: it sets Django up before Mizan reads the URLconf

import mizan  # noqa: E402

application = mizan.wrap_asgi(django_application)
