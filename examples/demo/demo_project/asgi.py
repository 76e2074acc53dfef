"""ASGI entry point of the demo: Django over HTTP (with its static files), Mizan's
WebSocket endpoint at /api/mizan/ws/ through Channels.

Serve it with `uvicorn demo_project.asgi:application` from examples/demo (`make demo`).
"""

from __future__ import annotations

import os

from django.conf import settings
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_project.settings")
django_app = get_asgi_application()  # first: it sets Django up

import mizan  # noqa: E402  (after Django's setup, as wrap_asgi reads the URLconf)

# The demo has no front server: Django serves /static/ itself (app directories, as
# `runserver` does), which only suits development.
http_app = ASGIStaticFilesHandler(django_app) if settings.DEBUG else django_app
application = mizan.wrap_asgi(http_app)
