"""Server functions the Django adapter tests call (registered by autodiscovery)."""

from __future__ import annotations

import collections
import enum
from typing import Any, Literal

from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from pydantic import BaseModel

from mizan import (
    BadRequest,
    Forbidden,
    GlobalContext,
    InternalError,
    MizanError,
    NotFound,
    NotImplementedYet,
    ReactContext,
    Unauthorized,
    ValidationFailed,
    client,
    get_user,
)
from tests.django.project.testapp.shared_functions import shared_ping

UserContext = ReactContext("user")


class Profile(BaseModel):
    user_id: int
    name: str


class Item(BaseModel):
    id: int
    name: str


class Color(enum.StrEnum):
    RED = "red"
    BLUE = "blue"


class EchoOut(BaseModel):
    message: str


@client
def echo(request: Any, text: str) -> EchoOut:
    return EchoOut(message=f"echo: {text}")


@client
def typed(
    request: Any,
    count: int,
    ratio: float = 1.0,
    flag: bool = False,
    tags: list[str] | None = None,
    mode: Literal["a", "b"] = "a",
    color: Color = Color.RED,
    item: Item | None = None,
) -> dict[str, Any]:
    return {
        "count": count,
        "ratio": ratio,
        "flag": flag,
        "tags": tags,
        "mode": mode,
        "color": color,
        "item": item,
    }


@client
def list_items(request: Any) -> list[Item]:
    return [Item(id=1, name="a"), Item(id=2, name="b")]


@client
def maybe_item(request: Any, present: bool) -> Item | None:
    return Item(id=1, name="a") if present else None


@client
def nothing(request: Any) -> None:
    return None


@client
async def async_echo(request: Any, text: str) -> dict[str, str]:
    return {"async": text}


@client(context=UserContext)
def user_profile(request: Any, user_id: int) -> Profile:
    return Profile(user_id=user_id, name=f"user_{user_id}")


@client(context=UserContext)
async def user_orders(request: Any, user_id: int, limit: int = 10) -> dict[str, int]:
    return {"count": 50, "limit": limit}


@client(context=GlobalContext)
def site_settings(request: Any) -> dict[str, str]:
    return {"site": "mizan"}


@client(auth=True)
def whoami(request: Any) -> dict[str, Any]:
    return {"username": request.user.username}


@client(auth="staff")
def staff_only(request: Any) -> str:
    return "staff"


@client(auth="superuser")
def superuser_only(request: Any) -> str:
    return "superuser"


def _has_vip(request: Any) -> bool:
    return getattr(request.user, "username", "") == "vip"


async def _async_deny(request: Any) -> bool:
    return False


async def _async_allow(request: Any) -> bool:
    return True


def _broken_guard(request: Any) -> bool:
    raise RuntimeError("guard bug")


@client(auth=_has_vip)
def vip_only(request: Any) -> str:
    return "vip"


@client(auth=_async_deny)
def async_denied(request: Any) -> str:
    return "should never run"


@client(auth=_async_allow)
def async_allowed(request: Any) -> str:
    return "allowed"


@client(auth=_broken_guard)
def broken_guard(request: Any) -> str:
    return "never"


@client(private=True)
def internal_job(request: Any) -> str:
    return "private"


@client
def raises_not_implemented(request: Any, text: str = "") -> None:
    raise NotImplementedError(text)


@client
def raises_permission(request: Any, text: str = "") -> None:
    raise PermissionError(text)


@client
def raises_unexpected(request: Any) -> None:
    raise ValueError("secret internals must not leak")


@client
def raises_mizan_error(request: Any) -> None:
    raise ValidationFailed("Custom validation", details={"fields": {"x": ["bad"]}})


class TeapotError(MizanError):
    pass


@client
def returns_nan(request: Any) -> float:
    return float("nan")


@client
def view_response(request: Any) -> HttpResponse:
    response = HttpResponse("plain text body", content_type="text/plain")
    response["Cache-Control"] = "max-age=3600"
    return response


# --- added for tests/django (behavioural suite) -------------------------------------------
# Counters and an event log the tests read to prove what ran and in which order; the
# autouse fixture in tests/django/conftest.py resets both before every test.

CALLS: collections.Counter[str] = collections.Counter()
EVENTS: list[tuple[Any, ...]] = []


@client
def keys_order(request: Any) -> dict[str, int]:
    # U+FB01 sorts before U+1F600 by code point; UTF-16 order would put the emoji first.
    return {"a": 1, "B": 2, "_": 3, "z": 4, "é": 5, "\ufb01": 6, "\U0001f600": 7}


@client
def bulk(request: Any, items: list[Item]) -> int:
    return len(items)


@client
def count_call(request: Any, n: int) -> int:
    CALLS["count_call"] += 1
    return n


@client(auth=True)
def secure_add(request: Any, a: int, b: int) -> int:
    CALLS["secure_add"] += 1
    return a + b


@client(auth=_has_vip)
def vip_add(request: Any, a: int) -> int:
    CALLS["vip_add"] += 1
    return a


@client(private=True, auth=True)
def private_secure(request: Any) -> str:
    CALLS["private_secure"] += 1
    return "private"


def _recording_guard(request: Any) -> bool:
    EVENTS.append(("guard", request.method, request.path, CALLS["guarded_record"]))
    return True


@client(auth=_recording_guard)
def guarded_record(request: Any, text: str) -> str:
    CALLS["guarded_record"] += 1
    EVENTS.append(("body", text))
    return text


def _none_guard(request: Any) -> None:
    return None


def _empty_guard(request: Any) -> list[str]:
    return []


async def _async_zero_guard(request: Any) -> int:
    return 0


async def _async_none_guard(request: Any) -> None:
    return None


async def _async_broken_guard(request: Any) -> bool:
    raise RuntimeError("async guard bug")


def _permission_guard(request: Any) -> bool:
    raise PermissionError("guard says no")


@client(auth=_permission_guard)
def permission_guarded(request: Any) -> str:
    CALLS["permission_guarded"] += 1
    return "never"


@client(auth=_none_guard)
def none_guarded(request: Any) -> str:
    CALLS["none_guarded"] += 1
    return "never"


@client(auth=_empty_guard)
def empty_guarded(request: Any) -> str:
    CALLS["empty_guarded"] += 1
    return "never"


@client(auth=_async_zero_guard)
def async_zero_guarded(request: Any) -> str:
    CALLS["async_zero_guarded"] += 1
    return "never"


@client(auth=_async_none_guard)
def async_none_guarded(request: Any) -> str:
    CALLS["async_none_guarded"] += 1
    return "never"


@client(auth=_async_broken_guard)
def async_broken_guard(request: Any) -> str:
    CALLS["async_broken_guard"] += 1
    return "never"


@client(auth=_has_vip)
async def async_vip_echo(request: Any, text: str) -> str:
    return f"vip: {text}"


@client
def raises_protocol_error(request: Any, kind: str) -> None:
    errors: dict[str, MizanError] = {
        "bad_request": BadRequest("Order is closed"),
        "unauthorized": Unauthorized(),
        "forbidden": Forbidden("Not your order", details={"order_id": 7}),
        "not_found": NotFound("No such order"),
        "not_implemented": NotImplementedYet(),
        "internal": InternalError(),
        "teapot": TeapotError("I am a teapot"),
    }
    raise errors[kind]


@client
async def async_raises(request: Any) -> None:
    raise KeyError("async secret internals")


@client
def returns_infinity(request: Any) -> dict[str, Any]:
    return {"ok": [1, {"deep": float("inf")}]}


@client
def returns_lone_surrogate(request: Any) -> str:
    return "bad \ud800 text"


@client
def returns_unserializable(request: Any) -> Any:
    return object()


@client
def sneaky_view(request: Any) -> dict[str, str]:
    # SIG-8: a framework response takes the view path whatever the annotation says.
    response = HttpResponse(b"sneaky", content_type="text/html; charset=utf-8", status=202)
    response["X-Custom"] = "kept"
    return response  # type: ignore[return-value]


@client
def view_redirect(request: Any) -> HttpResponseRedirect:
    response = HttpResponseRedirect("/somewhere/")
    response["Cache-Control"] = "public, max-age=60"
    return response


@client
async def async_view(request: Any) -> JsonResponse:
    return JsonResponse({"z": 1, "a": 2})


# Contexts for BND-3/5: the member names encode the sorted order the phases walk.


@client(context="phased")
def phased_a_runs(request: Any) -> int:
    CALLS["phased_a_runs"] += 1
    return 1


@client(context="phased")
def phased_b_strict(request: Any, n: int = 0) -> int:
    CALLS["phased_b_strict"] += 1
    return n


@client(context="guarded")
def guarded_a_needs_int(request: Any, n: int = 0) -> int:
    CALLS["guarded_a_needs_int"] += 1
    return n


@client(context="guarded", auth=True)
def guarded_z_secure(request: Any) -> str:
    CALLS["guarded_z_secure"] += 1
    return request.user.username


@client(context="levels", auth="staff")
def levels_a_staff(request: Any) -> str:
    return "staff"


@client(context="levels", auth="superuser")
def levels_b_super(request: Any) -> str:
    return "superuser"


@client(context="exploding")
def exploding_a_ok(request: Any) -> int:
    CALLS["exploding_a_ok"] += 1
    return 1


@client(context="exploding")
def exploding_b_forbidden(request: Any) -> int:
    raise PermissionError("member b refused")


@client(context="exploding")
def exploding_c_unimplemented(request: Any) -> int:
    raise NotImplementedError("member c")


@client(context="crashing")
def crashing_a_boom(request: Any) -> int:
    raise RuntimeError("bundle secret internals")


@client(context="crashing")
def crashing_b_ok(request: Any) -> int:
    return 2


@client(context="pages")
def page_data(request: Any) -> dict[str, str]:
    return {"title": "Home"}


@client(context="pages")
def page_html(request: Any) -> HttpResponse:
    CALLS["page_html"] += 1
    return HttpResponse("<h1>Home</h1>")


@client(context="filters")
def filters_list(
    request: Any, active: bool = False, page: int = 1, mode: Literal["x", "y"] = "x", color: Color = Color.RED
) -> dict[str, Any]:
    return {"active": active, "page": page, "mode": mode, "color": color}


@client(context="filters")
async def filters_count(request: Any, page: int = 1, tags: list[str] | None = None) -> dict[str, Any]:
    return {"page": page, "tags": tags}


@client(context="callable_guarded", auth=_recording_guard)
def callable_guarded_member(request: Any) -> str:
    EVENTS.append(("member",))
    return "ok"


@client(context="callable_guarded", auth=_async_zero_guard)
def callable_guarded_zero(request: Any) -> str:
    CALLS["callable_guarded_zero"] += 1
    return "never"


# DISC-2: a server function imported from another module is not registered here.
imported_ping = shared_ping


# --- identities, for the token tests (AUTH-4, AUTH-5, MWT-5, JWT-4) ---------------------


def _identity(request: Any) -> dict[str, Any]:
    """Who the request is, as the function sees it (through `get_user`, AFI-7)."""
    user = get_user(request)
    return {
        "kind": user.__class__.__name__,  # through SimpleLazyObject to the real class
        "pk": getattr(user, "pk", None),
        "staff": bool(getattr(user, "is_staff", False)),
        "superuser": bool(getattr(user, "is_superuser", False)),
    }


@client
def identity(request: Any) -> dict[str, Any]:
    CALLS["identity"] += 1
    return _identity(request)


@client(auth=True)
def identity_secure(request: Any) -> dict[str, Any]:
    CALLS["identity_secure"] += 1
    return _identity(request)


@client(context="identity", auth=True)
def identity_ctx(request: Any) -> dict[str, Any]:
    CALLS["identity_ctx"] += 1
    return _identity(request)


@client(route="/tokens/identity/", methods=["GET", "POST"])
def identity_route(request: Any) -> dict[str, Any]:
    CALLS["identity_route"] += 1
    return _identity(request)


@client(context="identity_public")
def identity_public(request: Any) -> dict[str, Any]:
    CALLS["identity_public"] += 1
    return _identity(request)


@client(context="identity_cached", cache=60)
def identity_cached(request: Any) -> dict[str, Any]:
    CALLS["identity_cached"] += 1
    return _identity(request)
