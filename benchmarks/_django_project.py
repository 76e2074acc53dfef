"""The Django project the `django` and `http` benchmark groups drive: settings, URLs, and one
piece of work behind every endpoint.

Every endpoint answers a POST of `BODY` (`application/json`, with `HEADERS`) with status 200
and the same decoded JSON, `{"result": profile(...)}`:

- `plain/`: a csrf-exempt view that ignores the body and returns `JsonResponse` of the
  result: the floor, Django's routing and response with no body read or checked;
- `python/call/`: the same work hand-written (json.loads, checks by hand, JsonResponse);
  `python/csrf/call/` is that view under Django's CSRF check (`csrf_protect`);
- `api/mizan/call/`: Mizan's `/call/` (`update_profile`, registered by `configure()`);
- `ninja/call/`: a django-ninja operation with a `Schema` body (when django-ninja is installed);
- `drf/call/`: a DRF `APIView` with a nested `Serializer` (when djangorestframework is).

Mizan's `/call/` runs Django's CSRF check for a session identity (AUTH-6; of the others only
`python/csrf/call/` does), so every request carries a CSRF cookie and the matching
`X-CSRFToken` header, as a browser client of a Django site sends them: `HEADERS` lists them
for an HTTP client, and `CSRF_TOKEN` is the value. Without them Mizan answers 403.

django-ninja and DRF read Django settings when they are imported, so their views are built
when `urlpatterns` is first read (after `settings.configure()`), through the module
`__getattr__`; the module imports, and the Mizan rows work, when neither is installed.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Sequence
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, include, path
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from benchmarks._call_workload import (  # noqa: F401 - BODY .. RESULT: this project's request and answer
    BODY,
    CSRF_TOKEN,
    DEFAULT_MIDDLEWARE,
    HEADERS,
    INVALID_BODY,
    RESULT,
    plain,
    profile,
)
from mizan import client

TIERS = ("free", "pro")
URLS: dict[str, str] = {
    "plain": "/plain/",
    "python": "/python/call/",
    "python_csrf": "/python/csrf/call/",
    "mizan": "/api/mizan/call/",
    "ninja": "/ninja/call/",
    "drf": "/drf/call/",
}
HAS_NINJA = importlib.util.find_spec("ninja") is not None
HAS_DRF = importlib.util.find_spec("rest_framework") is not None
MWT_SECRET = "benchmark-only-mwt-secret-0123456789abcdef"


def settings_for(middleware: Sequence[str] = DEFAULT_MIDDLEWARE, competitors: bool = True) -> dict[str, Any]:
    """Django settings with `middleware` (default: the 7 of `startproject`); DRF's app is
    installed when it is and `competitors` is true."""
    return {
        "DEBUG": False,
        "SECRET_KEY": "benchmark-only-not-secret",
        "ALLOWED_HOSTS": ["testserver", "localhost", "127.0.0.1"],
        # The apps the default middleware needs (sessions, auth, messages), and Mizan's.
        "INSTALLED_APPS": [
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "mizan",
            *(["rest_framework"] if HAS_DRF and competitors else []),
        ],
        "MIDDLEWARE": list(middleware),
        "ROOT_URLCONF": __name__,
        "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        "DEFAULT_AUTO_FIELD": "django.db.models.AutoField",
        # No database access per request: cookie sessions, and no user is logged in.
        "SESSION_ENGINE": "django.contrib.sessions.backends.signed_cookies",
        "USE_TZ": True,
        # For the X-Mizan-Token row: verifying a token replaces the CSRF check (MWT-4, AUTH-6).
        "MIZAN_MWT_SECRET": MWT_SECRET,
    }


# Whether `urlpatterns` mounts ninja and DRF (when installed). A process measuring only
# Mizan's rows leaves them out: importing them costs seconds under callgrind, and their
# patterns come after Mizan's, so resolving Mizan's URL costs the same either way.
_competitors = True


def configure(middleware: Sequence[str] = DEFAULT_MIDDLEWARE, competitors: bool = True) -> None:
    """Configure Django with `settings_for(middleware)`, set it up, and register this
    module's server functions, as `MizanConfig.ready()` discovery would; `competitors=False`
    leaves the ninja and DRF endpoints out."""
    import django
    from django.conf import settings

    from mizan.setup import mizan_module

    global _competitors
    _competitors = competitors
    settings.configure(**settings_for(middleware, competitors))
    django.setup()
    mizan_module(__name__)


# --- the work, and the views that do it --------------------------------------------------


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


def hand_written(request: HttpRequest) -> HttpResponse:
    """The hand-written side: json.loads, checks by hand, JsonResponse (mounted csrf-exempt
    as `python_call`, and under `csrf_protect`)."""
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


python_call = csrf_exempt(hand_written)


# --- URLs --------------------------------------------------------------------------------


def _ninja_urls() -> list[URLPattern | URLResolver]:
    """`ninja/call/`: the same call as a django-ninja operation; pydantic validates the body,
    ninja's JSON renderer encodes the dict (no response schema: Mizan checks no output)."""
    from ninja import NinjaAPI, Schema

    class ArgsIn(Schema):
        user_id: int
        name: str
        tags: list[str]
        notify: bool = False
        tier: Literal["free", "pro"] = "free"
        nickname: str | None = None

    class CallIn(Schema):
        fn: Literal["update_profile"]
        args: ArgsIn

    CallIn.model_rebuild()  # resolves "ArgsIn" among this function's locals
    api = NinjaAPI(urls_namespace="benchmark-ninja", docs_url=None)

    def ninja_call(request: HttpRequest, payload: CallIn) -> dict[str, Any]:
        a = payload.args
        return {"result": profile(a.user_id, a.name, a.tags, a.notify, a.tier, a.nickname)}

    # This module's annotations are strings (PEP 563) that ninja resolves in the module's
    # globals, where the local CallIn is not: hand it the evaluated ones.
    ninja_call.__annotations__ = {"request": HttpRequest, "payload": CallIn, "return": dict[str, Any]}
    api.post("/call/")(ninja_call)
    return [path("ninja/", api.urls)]


def _drf_urls() -> list[URLPattern | URLResolver]:
    """`drf/call/`: the same call as a DRF APIView with nested serializers, on DRF's default
    settings (parsers, renderers, authentication and permission classes)."""
    from rest_framework import serializers
    from rest_framework.request import Request
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class ArgsSerializer(serializers.Serializer):
        user_id = serializers.IntegerField()
        name = serializers.CharField()
        tags = serializers.ListField(child=serializers.CharField())
        notify = serializers.BooleanField(default=False)
        tier = serializers.ChoiceField(choices=TIERS, default="free")
        nickname = serializers.CharField(allow_null=True, default=None)

    class CallSerializer(serializers.Serializer):
        fn = serializers.ChoiceField(choices=["update_profile"])
        args = ArgsSerializer()

    class DrfCall(APIView):
        def post(self, request: Request) -> Response:
            serializer = CallSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            a = serializer.validated_data["args"]
            return Response(
                {"result": profile(a["user_id"], a["name"], a["tags"], a["notify"], a["tier"], a["nickname"])}
            )

    return [path("drf/call/", DrfCall.as_view())]


def _urlpatterns(mounted: bool = True) -> list[URLPattern | URLResolver]:
    """The project's URLs; Mizan's mounted with `mizan.urls.mount()` as README shows, or
    with `include("mizan.urls")` (`mounted=False`, for the URL resolution comparison)."""
    from mizan.urls import mount

    patterns: list[URLPattern | URLResolver] = [
        path("plain/", plain),
        path("python/call/", python_call),
        # The same view under Django's CSRF check, as Mizan's /call/ runs it for a session.
        path("python/csrf/call/", csrf_protect(hand_written)),
        mount("api/mizan/") if mounted else path("api/mizan/", include("mizan.urls")),
    ]
    if HAS_NINJA and _competitors:
        patterns += _ninja_urls()
    if HAS_DRF and _competitors:
        patterns += _drf_urls()
    return patterns


def __getattr__(name: str) -> Any:
    """`urlpatterns`, built when Django first reads it (settings are configured by then)."""
    if name == "urlpatterns":
        patterns = globals()["urlpatterns"] = _urlpatterns()
        return patterns
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
