"""Server functions the FastAPI adapter tests call, mirroring tests/django/project.

Nothing is registered at import: `FUNCTIONS` is registered (and the registry restored
afterwards) by the autouse fixture in tests/fastapi/conftest.py, so these functions never
leak into other test suites. Functions reach the user only through `get_user(request)`
(AFI-7), and view-path functions return Starlette responses (FA-10).
"""

from __future__ import annotations

import asyncio
import collections
import enum
import threading
from typing import Any, Literal

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from mizan_fastapi import (
    BadRequest,
    Forbidden,
    GlobalContext,
    InternalError,
    MizanError,
    NotFound,
    NotImplementedYet,
    ReactContext,
    ServerFunction,
    Unauthorized,
    ValidationFailed,
    client,
    get_user,
)

UserContext = ReactContext("user")
ITEMS = ReactContext("items")

CALLS: collections.Counter[str] = collections.Counter()
EVENTS: list[tuple[Any, ...]] = []


class Profile(BaseModel):
    user_id: int
    name: str


class Item(BaseModel):
    id: int
    name: str


class Color(enum.StrEnum):
    RED = "red"
    BLUE = "blue"


class Tier(enum.Enum):
    GOLD = "gold"
    SILVER = "silver"


class EchoOut(BaseModel):
    message: str


def username(request: Any) -> Any:
    return getattr(get_user(request), "username", None)


# --- plain RPC --------------------------------------------------------------------------


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
    return {"count": count, "ratio": ratio, "flag": flag, "tags": tags, "mode": mode, "color": color, "item": item}


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


@client
def keys_order(request: Any) -> dict[str, int]:
    return {"a": 1, "B": 2, "_": 3, "z": 4, "é": 5, "\ufb01": 6, "\U0001f600": 7}


@client
def bulk(request: Any, items: list[Item]) -> int:
    return len(items)


@client
def count_call(request: Any, n: int) -> int:
    CALLS["count_call"] += 1
    return n


@client
def where_sync(request: Any) -> dict[str, Any]:
    """FA-4: a sync body runs in a worker thread, off the event loop."""
    try:
        asyncio.get_running_loop()
        on_loop = True
    except RuntimeError:
        on_loop = False
    return {"on_loop": on_loop, "main": threading.current_thread() is threading.main_thread()}


@client
async def where_async(request: Any) -> dict[str, Any]:
    """FA-4: an async body runs on the event loop."""
    asyncio.get_running_loop()
    return {"on_loop": True, "is_request": isinstance(request, Request)}


class Doubler(ServerFunction):
    """DEC-6: a hand-written ServerFunction class with an async `call`."""

    class Input(BaseModel):
        n: int

    Output = int

    async def call(self, input: Any) -> int:
        return int(input.n) * 2


doubler = client(Doubler)


# --- auth ----------------------------------------------------------------------------------


@client(auth=True)
def whoami(request: Any) -> dict[str, Any]:
    return {"username": username(request)}


@client(auth="staff")
def staff_only(request: Any) -> str:
    return "staff"


@client(auth="superuser")
def superuser_only(request: Any) -> str:
    return "superuser"


def _has_vip(request: Any) -> bool:
    return username(request) == "vip"


async def _async_deny(request: Any) -> bool:
    return False


async def _async_allow(request: Any) -> bool:
    return True


def _broken_guard(request: Any) -> bool:
    raise RuntimeError("guard bug")


def _recording_guard(request: Any) -> bool:
    EVENTS.append(("guard", request.method, request.url.path, CALLS["guarded_record"]))
    return True


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


@client(auth=True)
def secure_add(request: Any, a: int, b: int) -> int:
    CALLS["secure_add"] += 1
    return a + b


@client(auth=_has_vip)
def vip_add(request: Any, a: int) -> int:
    CALLS["vip_add"] += 1
    return a


@client(private=True)
def internal_job(request: Any) -> str:
    return "private"


@client(private=True, auth=True)
def private_secure(request: Any) -> str:
    CALLS["private_secure"] += 1
    return "private"


@client(auth=_recording_guard)
def guarded_record(request: Any, text: str) -> str:
    CALLS["guarded_record"] += 1
    EVENTS.append(("body", text))
    return text


def _identity(request: Any) -> dict[str, Any]:
    user = get_user(request)
    return {
        "kind": user.__class__.__name__,  # through AppUser to the application's class
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
    return _identity(request)


@client(context="identity", auth=True)
def identity_ctx(request: Any) -> dict[str, Any]:
    return _identity(request)


@client(route="/tokens/identity/", methods=["GET", "POST"])
def identity_route(request: Any) -> dict[str, Any]:
    return _identity(request)


@client(context="identity_cached", cache=60)
def identity_cached(request: Any) -> dict[str, Any]:
    CALLS["identity_cached"] += 1
    return _identity(request)


# --- errors ----------------------------------------------------------------------------------


class TeapotError(MizanError):
    pass


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
def returns_nan(request: Any) -> float:
    return float("nan")


@client
def returns_unserializable(request: Any) -> Any:
    return object()


# --- view path (FA-10, RPC-6) ------------------------------------------------------------------


@client
def view_response(request: Any) -> PlainTextResponse:
    return PlainTextResponse("plain text body", headers={"Cache-Control": "max-age=3600"})


@client
def sneaky_view(request: Any) -> dict[str, str]:
    # SIG-8: a framework response takes the view path whatever the annotation says.
    return Response(b"sneaky", status_code=202, media_type="text/html", headers={"X-Custom": "kept"})  # type: ignore[return-value]


@client
def view_redirect(request: Any) -> RedirectResponse:
    return RedirectResponse("/somewhere/", status_code=302, headers={"Cache-Control": "public, max-age=60"})


@client
async def async_view(request: Any) -> JSONResponse:
    return JSONResponse({"z": 1, "a": 2})


# --- contexts ----------------------------------------------------------------------------------


@client(context=UserContext)
def user_profile(request: Any, user_id: int) -> Profile:
    return Profile(user_id=user_id, name=f"user_{user_id}")


@client(context=UserContext)
async def user_orders(request: Any, user_id: int, limit: int = 10) -> dict[str, int]:
    return {"count": 50, "limit": limit}


@client(context=GlobalContext)
def site_settings(request: Any) -> dict[str, str]:
    return {"site": "mizan"}


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
def guarded_z_secure(request: Any) -> Any:
    CALLS["guarded_z_secure"] += 1
    return username(request)


@client(context="levels", auth="staff")
def levels_a_staff(request: Any) -> str:
    return "staff"


@client(context="levels", auth="superuser")
def levels_b_super(request: Any) -> str:
    return "superuser"


@client(context="exploding")
def exploding_a_ok(request: Any) -> int:
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
def page_html(request: Any) -> Response:
    CALLS["page_html"] += 1
    return Response("<h1>Home</h1>", media_type="text/html")


@client(context="filters")
def filters_list(
    request: Any, active: bool = False, page: int = 1, mode: Literal["x", "y"] = "x", color: Color = Color.RED
) -> dict[str, Any]:
    return {"active": active, "page": page, "mode": mode, "color": color}


@client(context="filters")
async def filters_count(request: Any, page: int = 1, tags: list[str] | None = None) -> dict[str, Any]:
    return {"page": page, "tags": tags}


@client(context=ITEMS)
def items_list(request: Any, category: str = "all") -> list[Item]:
    return [Item(id=1, name="a")]


@client(context=ITEMS)
def items_total(request: Any, category: str = "all") -> int:
    return 1


@client(context="item")
def item_detail(request: Any, item_id: int) -> Item | None:
    return Item(id=item_id, name="x")


@client(context="twins")
def twin_a(request: Any) -> Item:
    return Item(id=1, name="a")


@client(context="twins")
def twin_b(request: Any) -> Item:
    return Item(id=2, name="b")


@client(context="notifications")
def notification_count(request: Any) -> int:
    return 0


@client(context="account")
def account_status(request: Any, tier: Tier = Tier.SILVER, account_id: int = 0) -> str:
    return tier.value


@client(context="profile", route="/profile/<int:user_id>/")
def profile_page(request: Any, user_id: int) -> PlainTextResponse:
    return PlainTextResponse(f"profile {user_id}")


@client(context="searches")
def search_results(request: Any, q: str = "") -> list[str]:
    return [q]


@client(context="metrics")
def metric_series(request: Any, ratio: float = 1.0, flag: bool = False, tags: list[str] | None = None) -> int:
    return 0


# --- mutations ---------------------------------------------------------------------------------


@client(affects=UserContext)
def update_profile(request: Any, user_id: int, name: str) -> dict[str, bool]:
    return {"ok": True}


@client(affects=UserContext)
def rename_everyone(request: Any, name: str) -> dict[str, bool]:
    return {"ok": True}


@client(affects="user_profile")
def update_name(request: Any, user_id: int, name: str = "") -> dict[str, bool]:
    return {"ok": True}


@client(affects="user_orders")
def reorder(request: Any) -> None:
    return None


@client(affects=[UserContext, "notifications", "user", "user_profile", "user_profile"])
def big_change(request: Any, user_id: int | None = None, limit: int = 10) -> str:
    return "done"


@client(affects=["account", UserContext])
def upgrade(request: Any, tier: Tier, account_id: int, user_id: int = 0) -> str:
    return "upgraded"


@client(affects=UserContext)
def failing_update(request: Any, user_id: int) -> None:
    raise ValueError("boom")


@client(affects=UserContext)
def unencodable_update(request: Any, user_id: int) -> float:
    return float("nan")


@client(affects=UserContext)
async def async_update(request: Any, user_id: int) -> dict[str, int]:
    return {"user_id": user_id}


@client(affects="searches")
def save_search(request: Any, q: str) -> str:
    return q


@client(affects="metrics")
def record_metric(request: Any, ratio: float, flag: bool, tags: list[str]) -> str:
    return "recorded"


@client(merge="item")
def rename_item(request: Any, item_id: int, name: str) -> Item:
    return Item(id=item_id, name=name)


@client(merge=ITEMS, affects="notifications")
def add_item(request: Any, name: str, category: str = "all") -> Item:
    return Item(id=42, name=name)


@client(merge=[ITEMS, "items"])
def replace_items(request: Any, category: str) -> list[Item]:
    return [Item(id=1, name="a"), Item(id=2, name="b")]


@client(merge="twins")
def ambiguous_merge(request: Any) -> Item:
    return Item(id=3, name="c")


@client(merge="notifications", affects=UserContext)
def unmatched_merge(request: Any, user_id: int) -> Item:
    return Item(id=4, name="d")


# --- route= (VIEW) ------------------------------------------------------------------------------


@client(affects=[UserContext, "notifications"], route="/profile/<int:user_id>/update/", methods=["POST"])
def profile_update(request: Any, user_id: int) -> RedirectResponse:
    return RedirectResponse(f"/profile/{user_id}/", status_code=302, headers={"Cache-Control": "max-age=600"})


@client(affects="account", private=True, route="/webhooks/stripe/", methods=["POST"])
async def stripe_webhook(request: Any) -> PlainTextResponse:
    return PlainTextResponse(b"received:" + await request.body())


@client(affects=UserContext, route="/profile/<int:user_id>/reject/", methods=["POST"])
def rejected_update(request: Any, user_id: int) -> PlainTextResponse:
    return PlainTextResponse("nope", status_code=400)


@client(affects=UserContext, route="/profile/<int:user_id>/data/", methods=["post", "PUT"])
def data_route(request: Any, user_id: int, note: str = "") -> dict[str, Any]:
    return {"user_id": user_id, "note": note}


@client(affects=UserContext, route="/members/<int:user_id>/", methods=["GET"], auth=True)
def members_only(request: Any, user_id: int) -> PlainTextResponse:
    return PlainTextResponse("members")


@client(route="/search/<slug:kind>/")
def search(request: Any, kind: str, page: int = 1) -> dict[str, Any]:
    return {"kind": kind, "page": page}


@client(route="/things/<uuid:thing>/", methods=["GET"])
def thing(request: Any, thing: Any) -> dict[str, Any]:
    return {"thing": str(thing), "type": type(thing).__name__}


@client(route="/files/<path:rest>", methods=["GET"])
def files(request: Any, rest: str) -> str:
    return rest


@client(route="/plain/<name>/", methods=["GET"])
def plain_route(request: Any, name: str) -> str:
    return name


FUNCTIONS: dict[str, type[ServerFunction]] = {
    name: value
    for name, value in sorted(globals().items())
    if isinstance(value, type) and issubclass(value, ServerFunction) and value.__module__ == __name__
    if value is not Doubler or name == "doubler"
}


def reset_state() -> None:
    """Counters and fixture data back to their start (before every test)."""
    CALLS.clear()
    EVENTS.clear()
