"""Django settings of the original's project: the `IZANA_*` equivalents of `afi.settings`.

The original reads only Redis URLs (`IZANA_CACHE_REDIS_URL`); its in-process `MemoryCache` is
reachable only through `izana.cache.set_cache`, which `afi.original.apps` calls, so no URL is
set here.
"""

from __future__ import annotations

from pathlib import Path

from afi import settings as shared

# The original's system check (izana.E001) runs its discovery, which needs BASE_DIR.
BASE_DIR = Path(__file__).resolve().parent.parent.parent
SECRET_KEY = "afi-django-secret-key-0123456789abcdef-0123"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "izana",
    "afi.original.apps.OriginalConfig",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "afi.original.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATA_UPLOAD_MAX_MEMORY_SIZE = shared.MAX_BODY_BYTES
IZANA_MWT_SECRET = shared.MWT_SECRET
IZANA_CACHE_SECRET = shared.CACHE_SECRET
