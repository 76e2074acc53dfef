"""The one call every Django benchmark endpoint serves: its request, its work, its answer.

Mizan-free (Django only), so both `benchmarks._django_project` (Mizan, ninja, DRF, the
hand-written views) and `benchmarks._izana_project` (the original, run under
`.venv-original`, which has no Mizan) import the same body, headers, work and plain view.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

BODY = (
    b'{"fn":"update_profile","args":{"user_id":5,"name":"Ada Lovelace",'
    b'"tags":["admin","beta"],"notify":true,"tier":"pro"}}'
)
# The same call with `tier` outside its Literal: every endpoint refuses it (Mizan and ninja
# 422, DRF 400, the hand-written view 422) after parsing the whole body.
INVALID_BODY = BODY.replace(b'"tier":"pro"', b'"tier":"gold"')
# The CSRF secret as Django 5.x's `csrftoken` cookie holds it (32 letters and digits,
# unmasked; CSRF_USE_SESSIONS off).
CSRF_TOKEN = "BenchmarkCsrfSecret0123456789abc"
# The mask `csrf_headers()` draws instead of a random one, so that every run sends the same
# bytes (Django's unmasking walks the characters: the instruction counts stay repeatable).
CSRF_MASK = "BrowserPageLoadMask0123456789xyz"


def masked_csrf_token(secret: str = CSRF_TOKEN, mask: str = CSRF_MASK) -> str:
    """The 64-character masked token `django.middleware.csrf.get_token()` hands a page (and
    Mizan's `GET /session/` a client) for `secret`, with `mask` as its random half.

    A browser sends this form in `X-CSRFToken`, never the bare secret; Django unmasks it on
    every request, and that cost belongs in every CSRF row."""
    from types import SimpleNamespace
    from unittest import mock

    from django.middleware import csrf

    request = SimpleNamespace(META={"CSRF_COOKIE": secret})  # all get_token() reads: no settings needed
    with mock.patch.object(csrf, "_get_new_csrf_string", return_value=mask):
        token: str = csrf.get_token(request)  # type: ignore[arg-type]
    return token


def csrf_headers() -> dict[str, str]:
    """What a browser sends a Django site with a CSRF check: the secret in the `csrftoken`
    cookie, the masked 64-character token of the same secret in `X-CSRFToken`."""
    return {"Cookie": f"csrftoken={CSRF_TOKEN}", "X-CSRFToken": masked_csrf_token()}


HEADERS: dict[str, str] = {"Content-Type": "application/json", **csrf_headers()}
# What `django-admin startproject` (Django 5.x) installs, in its order.
DEFAULT_MIDDLEWARE: tuple[str, ...] = (
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
)


def profile(user_id: int, name: str, tags: list[str], notify: bool, tier: str, nickname: str | None) -> dict[str, Any]:
    """The work itself, shared by every endpoint."""
    return {
        "id": user_id,
        "name": name,
        "nickname": nickname,
        "notify": notify,
        "tags": tags,
        "tier": tier,
        "orders": [{"id": i, "status": "shipped", "total": 12.5 + i} for i in range(5)],
    }


# What every endpoint answers to BODY, decoded (the original wraps it once more, finding U1).
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
    """The server function, undecorated: each project registers it with its own `@client`."""
    return profile(user_id, name, tags, notify, tier, nickname)


@csrf_exempt
def plain(request: HttpRequest) -> HttpResponse:
    """The floor: the result of the same arguments, with no body to read or check."""
    return JsonResponse({"result": profile(5, "Ada Lovelace", ["admin", "beta"], True, "pro", None)})
