"""The original implementation's Django project for the `django` group: django-izana 1.1.0
(import `izana`) serving the same call as `benchmarks._django_project`.

It runs under `.venv-original` (scripts/original-venv.sh), which has no Mizan, so it imports
nothing from Mizan or from `_django_project` (which does): the body, the work and the plain
view come from the Mizan-free `_call_workload`, as `_django_project`'s do, and
`benchmarks.django_inprocess` checks that both projects answer the same decoded JSON before
it measures. Middleware is chosen per handler by the driver,
as for Mizan's project; the original's `/call/` is `csrf_protect`ed like Mizan's, so the
same CSRF cookie and header pass it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.urls import include, path

from benchmarks._call_workload import (  # noqa: F401 - BODY .. RESULT: this project's request and answer
    BODY,
    DEFAULT_MIDDLEWARE,
    HEADERS,
    INVALID_BODY,
    RESULT,
    plain,
    update_profile,
)

URLS: dict[str, str] = {"plain": "/plain/", "izana": "/api/izana/call/"}
SETTINGS: dict[str, Any] = {
    "DEBUG": False,
    "SECRET_KEY": "benchmark-only-not-secret",
    "ALLOWED_HOSTS": ["testserver", "localhost", "127.0.0.1"],
    "INSTALLED_APPS": [
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
        "izana",
    ],
    "MIDDLEWARE": list(DEFAULT_MIDDLEWARE),
    "ROOT_URLCONF": __name__,
    "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    "DEFAULT_AUTO_FIELD": "django.db.models.AutoField",
    "SESSION_ENGINE": "django.contrib.sessions.backends.signed_cookies",
    "USE_TZ": True,
    # The original's discovery (run by its system check) needs BASE_DIR.
    "BASE_DIR": Path(__file__).resolve().parent.parent,
}


def configure() -> None:
    """Configure Django, set it up, and register `update_profile` with the original."""
    import django
    from django.conf import settings

    settings.configure(**SETTINGS)
    django.setup()
    # Imported after setup: izana reads settings when its modules load.
    from izana.client import client
    from izana.setup import register

    register(client(update_profile), "update_profile")
    global urlpatterns
    urlpatterns = [path("plain/", plain), path("api/izana/", include("izana.urls"))]


# The ROOT_URLCONF's patterns, set by `configure()`: including `izana.urls` imports the
# original, which needs configured settings (and is not installed in Mizan's venv, whose
# driver imports this module for BODY and HEADERS).
urlpatterns: list[Any] = []
