"""The `http_edge` group's WSGI application, for gunicorn: benchmarks._ctx_app's contexts
with Django's 7 default middleware and the memory origin cache, served by Django alone, or
behind the origin edge when the environment sets `MIZAN_BENCH_EDGE=1`.

Importing it configures Django, registers the contexts and fetches `profile` once in
process (the MISS that stores the entry every measured GET then HITs); the plain view
answers those same stored bytes.
"""

from __future__ import annotations

import os
from typing import Any

import django
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

from benchmarks._call_workload import DEFAULT_MIDDLEWARE
from benchmarks._ctx_rows import QUERIES

CACHE_SECRET = "benchmark-only-cache-secret-0123456789"
PROFILE_PATH = "/api/mizan/ctx/profile/?" + "&".join(f"{k}={v}" for k, v in QUERIES["profile"].items())
PLAIN_PATH = "/plain/ctx/profile/"

settings.configure(
    DEBUG=False,
    SECRET_KEY="benchmark-only-not-secret",
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
        "mizan.apps.SimpleMizanConfig",
        "benchmarks",  # the app of _ctx_app.Product
    ],
    MIDDLEWARE=list(DEFAULT_MIDDLEWARE),
    ROOT_URLCONF="benchmarks._ctx_app",
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
    USE_TZ=True,
    MIZAN_CACHE_SECRET=CACHE_SECRET,
    MIZAN_CACHE_REDIS_URL="memory://",
)
django.setup()


def _prime() -> bytes:
    """Register the contexts and store `profile`'s entry; its body."""
    from benchmarks import _ctx_app as app
    from mizan.conf import get_settings
    from mizan.core.executor import context_pipeline, run_sync
    from mizan.setup import mizan_module

    mizan_module(app.__name__)
    get_settings()  # configures the origin cache from the settings above

    def no_awaitables(awaitable: Any) -> Any:
        raise RuntimeError("the benchmark's members are sync")

    response = run_sync(context_pipeline(None, "profile", QUERIES["profile"]), no_awaitables)
    if response.status != 200:
        raise RuntimeError(f"benchmarks._edge_wsgi: the profile fetch answered {response.status}")
    app.PLAIN[:] = [response.body]
    return response.body


BODY = _prime()
application: Any = WSGIHandler()
if os.environ.get("MIZAN_BENCH_EDGE") == "1":
    from mizan.edge import wrap_wsgi

    application = wrap_wsgi(application)
