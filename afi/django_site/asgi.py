"""The conformance Django project over ASGI: what uvicorn serves in the live run (AFI-1)."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "afi.django_site.settings")

application = get_asgi_application()
