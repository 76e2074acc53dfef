"""Settings of the live project. The test names the database file (`MIZAN_LIVE_DATABASE`,
migrated once, opened by both servers), its redis-server (`MIZAN_LIVE_REDIS_URL`) and the
MWT secret (`MIZAN_MWT_SECRET`, the variable FastAPI reads); the edge's test also its
origin cache (`MIZAN_LIVE_CACHE_SECRET`, `MIZAN_LIVE_CACHE_URL`)."""

from __future__ import annotations

import os

SECRET_KEY = "mizan-live-tests-not-secret-0123456789abcdef"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "mizan.apps.SimpleMizanConfig",
    "tests.live.django_site.apps.LiveSiteConfig",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "tests.live.django_site.urls"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("MIZAN_LIVE_DATABASE", ":memory:"),
        "OPTIONS": {"timeout": 30},  # two processes write sessions to one file
    }
}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [os.environ.get("MIZAN_LIVE_REDIS_URL", "redis://127.0.0.1:6379/0")]},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MIZAN_MWT_SECRET = os.environ.get("MIZAN_MWT_SECRET", "")  # auth frames (WS-2)
# The origin cache, when the test names one (the edge's live test; off otherwise).
MIZAN_CACHE_SECRET = os.environ.get("MIZAN_LIVE_CACHE_SECRET")
MIZAN_CACHE_REDIS_URL = os.environ.get("MIZAN_LIVE_CACHE_URL")
