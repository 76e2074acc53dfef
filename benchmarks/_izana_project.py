"""The original implementation's Django project for the `django` group: django-izana 1.1.0
(import `izana`) serving the same call as `benchmarks._django_project`.

It runs under `.venv-original` (scripts/original-venv.sh), which has no Mizan, so it imports
nothing from Mizan or from `_django_project` (which does): the body, the work and the plain
view are repeated here, and `benchmarks.django_inprocess` checks that both projects answer
the same decoded JSON before it measures. Middleware is chosen per handler by the driver,
as for Mizan's project; the original's `/call/` is `csrf_protect`ed like Mizan's, so the
same CSRF cookie and header pass it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

BODY = (
    b'{"fn":"update_profile","args":{"user_id":5,"name":"Ada Lovelace",'
    b'"tags":["admin","beta"],"notify":true,"tier":"pro"}}'
)
INVALID_BODY = BODY.replace(b'"tier":"pro"', b'"tier":"gold"')
CSRF_TOKEN = "BenchmarkCsrfSecret0123456789abc"
HEADERS: dict[str, str] = {
    "Content-Type": "application/json",
    "Cookie": f"csrftoken={CSRF_TOKEN}",
    "X-CSRFToken": CSRF_TOKEN,
}
URLS: dict[str, str] = {"plain": "/plain/", "izana": "/api/izana/call/"}
DEFAULT_MIDDLEWARE: tuple[str, ...] = (
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
)
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


def profile(user_id: int, name: str, tags: list[str], notify: bool, tier: str, nickname: str | None) -> dict[str, Any]:
    """The work itself: `benchmarks._django_project.profile`, repeated."""
    return {
        "id": user_id,
        "name": name,
        "nickname": nickname,
        "notify": notify,
        "tags": tags,
        "tier": tier,
        "orders": [{"id": i, "status": "shipped", "total": 12.5 + i} for i in range(5)],
    }


# What the plain view answers; the original's `/call/` answers it inside one more
# `{"result": ...}` (its generated output model for a dict return, finding U1).
RESULT: dict[str, Any] = {"result": profile(5, "Ada Lovelace", ["admin", "beta"], True, "pro", None)}


def update_profile(
    request: HttpRequest,
    user_id: int,
    name: str,
    tags: list[str],
    notify: bool = False,
    tier: Literal["free", "pro"] = "free",
    nickname: str | None = None,
) -> dict[str, Any]:
    """The function as the original's `@client` takes it (decorated in `configure()`)."""
    return profile(user_id, name, tags, notify, tier, nickname)


@csrf_exempt
def plain(request: HttpRequest) -> HttpResponse:
    """The floor, as in `_django_project`: the same result, no body read."""
    return JsonResponse({"result": profile(5, "Ada Lovelace", ["admin", "beta"], True, "pro", None)})
