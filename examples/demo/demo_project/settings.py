"""Settings of Mizan Tasks, the demo: SQLite beside this project, no external services.

Environment overrides (tests and `make demo` use them):
    MIZAN_DEMO_DB: path of the SQLite database (default: examples/demo/db.sqlite3).
    MIZAN_DEMO_MEDIA: where attachments are stored (default: examples/demo/media).
    MIZAN_DEMO_REDIS_URL: a Redis URL (redis://host:port/db): the origin cache and the
        Channels layer then live in Redis, so several server processes share them. Unset,
        both stay in the process (the memory cache and Channels' in-memory layer).
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# A demo only: fixed keys and DEBUG on. Never deploy these settings.
SECRET_KEY = "django-insecure-mizan-demo-only-do-not-deploy"
DEBUG = True
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "mizan",
    "demo_app",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "demo_project.urls"
WSGI_APPLICATION = "demo_project.wsgi.application"
ASGI_APPLICATION = "demo_project.asgi.application"

TEMPLATES = [
    {
        # React components, rendered by Mizan's SSR worker (Node.js). The worker resolves
        # react and react-dom from frontend/node_modules, the copies the browser bundle uses.
        "BACKEND": "mizan.ssr.MizanTemplates",
        "NAME": "ssr",
        "DIRS": [BASE_DIR / "frontend" / "src"],
        "APP_DIRS": False,
        "OPTIONS": {"timeout": 20, "workers": 1},
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ]
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("MIZAN_DEMO_DB") or BASE_DIR / "db.sqlite3",
    }
}

STATIC_URL = "/static/"
MEDIA_ROOT = os.environ.get("MIZAN_DEMO_MEDIA") or BASE_DIR / "media"
MEDIA_URL = "/media/"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Mizan: attachments up to 1 MiB (larger ones answer 400 BAD_REQUEST), and the origin cache.
MIZAN_MAX_UPLOAD_BYTES = 1024 * 1024
REDIS_URL = os.environ.get("MIZAN_DEMO_REDIS_URL") or None
MIZAN_CACHE_SECRET = "mizan-demo-cache-secret-not-for-production-use-0001"
MIZAN_CACHE_REDIS_URL = REDIS_URL or "memory://"

if REDIS_URL:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
