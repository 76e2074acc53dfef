"""Settings of the Django project the adapter tests run against: SQLite in memory, or the
PostgreSQL server `MIZAN_TEST_POSTGRES` names (database.py, `make test-postgres`)."""

from __future__ import annotations

import os

from tests.django.project.database import VARIABLE, databases

SECRET_KEY = "mizan-tests-not-secret-0123456789abcdef"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "mizan",
    "tests.django.project.testapp",
    "tests.django.project.mutations",
    "tests.django.project.shop",  # a `clients` package (issue 15)
    "tests.django.project.notebook",  # models for the forms tests, no `clients`
    "tests.django.project.library",  # models for the Shapes tests, no `clients`
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "tests.django.project.urls"
DATABASES = databases(os.environ.get(VARIABLE))
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TEMPLATES: list[dict[str, object]] = []

# One test process: pushes to WebSockets through Channels' in-memory layer (CHAN-6); the
# multi-process tests use channels_redis.
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
