"""A minimal Django project for benchmarks.django_call: settings, URLs, and the same
work written twice, as a Mizan server function and as a hand-written JSON view.

Both sit behind the same middleware stack (sessions, CSRF, auth), so the difference
measured is Mizan's pipeline against hand-written parsing, validation and encoding.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path

from mizan import client

SETTINGS: dict[str, Any] = {
    "DEBUG": False,
    "SECRET_KEY": "benchmark-only-not-secret",
    "ALLOWED_HOSTS": ["testserver"],
    "INSTALLED_APPS": [
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "mizan",
    ],
    "MIDDLEWARE": [
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ],
    "ROOT_URLCONF": "benchmarks._django_project",
    "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    # No database access per request: cookie sessions, and no user is logged in.
    "SESSION_ENGINE": "django.contrib.sessions.backends.signed_cookies",
    "USE_TZ": True,
    # For the MWT row: verifying a token is the only extra work (MWT-4).
    "MIZAN_MWT_SECRET": "benchmark-only-mwt-secret-0123456789abcdef",
}

BODY = (
    b'{"fn":"update_profile","args":{"user_id":5,"name":"Ada Lovelace",'
    b'"tags":["admin","beta"],"notify":true,"tier":"pro"}}'
)
TIERS = ("free", "pro")


def profile(user_id: int, name: str, tags: list[str], notify: bool, tier: str, nickname: str | None) -> dict[str, Any]:
    """The work itself, shared by both sides."""
    return {
        "id": user_id,
        "name": name,
        "nickname": nickname,
        "notify": notify,
        "tags": tags,
        "tier": tier,
        "orders": [{"id": i, "status": "shipped", "total": 12.5 + i} for i in range(5)],
    }


@client
def update_profile(
    request: HttpRequest,
    user_id: int,
    name: str,
    tags: list[str],
    notify: bool = False,
    tier: Literal["free", "pro"] = "free",
    nickname: str | None = None,
) -> dict[str, Any]:
    """The Mizan side: types declared once, parsing/validation/encoding by Mizan."""
    return profile(user_id, name, tags, notify, tier, nickname)


def _invalid(errors: dict[str, str]) -> JsonResponse:
    return JsonResponse({"error": {"code": "VALIDATION_ERROR", "details": errors}}, status=422)


def bare_call(request: HttpRequest) -> HttpResponse:
    """The hand-written side: json.loads, checks by hand, JsonResponse."""
    if request.method != "POST":
        return JsonResponse({"error": {"code": "METHOD_NOT_ALLOWED"}}, status=405)
    try:
        body = json.loads(request.body)
    except ValueError:
        return JsonResponse({"error": {"code": "BAD_REQUEST"}}, status=400)
    if not isinstance(body, dict) or body.get("fn") != "update_profile":
        return JsonResponse({"error": {"code": "NOT_FOUND"}}, status=404)
    args = body.get("args") or {}
    if not isinstance(args, dict):
        return JsonResponse({"error": {"code": "BAD_REQUEST"}}, status=400)
    errors: dict[str, str] = {}
    user_id = args.get("user_id")
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        errors["user_id"] = "expected an integer"
    name = args.get("name")
    if not isinstance(name, str):
        errors["name"] = "expected a string"
    tags = args.get("tags")
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        errors["tags"] = "expected a list of strings"
    notify = args.get("notify", False)
    if not isinstance(notify, bool):
        errors["notify"] = "expected a boolean"
    tier = args.get("tier", "free")
    if tier not in TIERS:
        errors["tier"] = "expected 'free' or 'pro'"
    nickname = args.get("nickname")
    if nickname is not None and not isinstance(nickname, str):
        errors["nickname"] = "expected a string or null"
    if errors:
        return _invalid(errors)
    return JsonResponse({"result": profile(user_id, name, tags, notify, tier, nickname)})


urlpatterns = [
    path("api/mizan/", include("mizan.urls")),
    path("bare/call/", bare_call),
]


@client(context="catalog")
def catalog_items(request: HttpRequest, category: str = "all") -> list[dict[str, Any]]:
    """A context member with some work to cache (benchmarks.cache_fetch)."""
    return [{"id": i, "category": category, "name": f"item {i}", "price": 9.5 + i} for i in range(50)]


@client(context="catalog")
def catalog_total(request: HttpRequest, category: str = "all") -> int:
    return 50
