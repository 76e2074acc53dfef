"""Django settings of the conformance project: Mizan without discovery, the fixture app."""

from __future__ import annotations

import os

from afi import settings as shared

SECRET_KEY = "afi-django-secret-key-0123456789abcdef-0123"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "mizan.apps.SimpleMizanConfig",
    "afi.django_site.apps.AfiConfig",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "afi.django_site.urls"
# In memory for the in-process worker; the live run names a file that `afi.django_site.seed`
# fills and the server then opens (two processes cannot share an in-memory database).
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ.get("AFI_DATABASE", ":memory:")}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATA_UPLOAD_MAX_MEMORY_SIZE = shared.MAX_BODY_BYTES
MIZAN_MAX_UPLOAD_BYTES = shared.MAX_UPLOAD_BYTES
# Pushes within the one process of each run (the in-process worker, the live server).
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
MIZAN_JWT_ENABLED = False  # bearer JWT is Django-only (FA-8): the IRs must match
MIZAN_MWT_SECRET = shared.MWT_SECRET
MIZAN_CACHE_SECRET = shared.CACHE_SECRET
MIZAN_CACHE_REDIS_URL = shared.CACHE_URL
