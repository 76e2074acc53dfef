"""The live project over ASGI, as the README tells a project to write it (WS-1)."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.live.django_site.settings")
django_application = get_asgi_application()  # sets Django up before mizan reads the URLconf

import mizan  # noqa: E402

application = mizan.wrap_asgi(django_application)
