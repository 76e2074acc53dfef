"""The live project over ASGI behind the origin edge, as docs/edge.md tells a project to
write it: the edge in front of `mizan.wrap_asgi(...)`."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.live.django_site.settings")
django_application = get_asgi_application()  # sets Django up before mizan reads the URLconf

import mizan  # noqa: E402
import mizan.edge  # noqa: E402

application = mizan.edge.wrap_asgi(mizan.wrap_asgi(django_application))
