"""Mutations, merges and route= functions the invalidation tests call (PROTOCOL §3, §4)."""

from __future__ import annotations

import enum
from typing import Any

from django.http import HttpResponse, HttpResponseRedirect
from pydantic import BaseModel

from mizan import ReactContext, client

UserContext = ReactContext("user")  # declared by testapp: user_profile, user_orders (user_id, limit)
ITEMS = ReactContext("items")


class Item(BaseModel):
    id: int
    name: str


class Tier(enum.Enum):
    GOLD = "gold"
    SILVER = "silver"


# --- contexts ----------------------------------------------------------------------------


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
def profile_page(request: Any, user_id: int) -> HttpResponse:
    return HttpResponse(f"profile {user_id}")


# --- invalidation (INV) --------------------------------------------------------------------


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


# --- merge (MRG) ---------------------------------------------------------------------------


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


# --- view path (VIEW) ------------------------------------------------------------------------


@client(affects=[UserContext, "notifications"], route="/profile/<int:user_id>/update/", methods=["POST"])
def profile_update(request: Any, user_id: int) -> HttpResponseRedirect:
    response = HttpResponseRedirect(f"/profile/{user_id}/")
    response["Cache-Control"] = "max-age=600"
    return response


@client(affects="account", private=True, route="/webhooks/stripe/", methods=["POST"])
def stripe_webhook(request: Any) -> HttpResponse:
    return HttpResponse(b"received:" + request.body, content_type="text/plain")


@client(affects=UserContext, route="/profile/<int:user_id>/reject/", methods=["POST"])
def rejected_update(request: Any, user_id: int) -> HttpResponse:
    return HttpResponse("nope", status=400)


@client(affects=UserContext, route="/profile/<int:user_id>/data/", methods=["post", "PUT"])
def data_route(request: Any, user_id: int, note: str = "") -> dict[str, Any]:
    return {"user_id": user_id, "note": note}


@client(affects=UserContext, route="/members/<int:user_id>/", methods=["GET"], auth=True)
def members_only(request: Any, user_id: int) -> HttpResponse:
    return HttpResponse("members")


@client(route="/search/<slug:kind>/")
def search(request: Any, kind: str, page: int = 1) -> dict[str, Any]:
    return {"kind": kind, "page": page}


@client(context="searches")
def search_results(request: Any, q: str = "") -> list[str]:
    return [q]


@client(affects="searches")
def save_search(request: Any, q: str) -> str:
    return q


@client(context="metrics")
def metric_series(request: Any, ratio: float = 1.0, flag: bool = False, tags: list[str] | None = None) -> int:
    return 0


@client(affects="metrics")
def record_metric(request: Any, ratio: float, flag: bool, tags: list[str]) -> str:
    return "recorded"


# --- origin cache (CACHE, CPUR) --------------------------------------------------------------
# For the Django-only cache tests: tests/django/test_cache.py (on-commit purges) and
# test_cache_redis.py (outages; the context's TTL of 60 s comes from cached_viewer). What both
# adapters share is tested in tests/adapters/test_cache.py, with functions of its own.

NAMES: dict[int, str] = {}


class CachedProfile(BaseModel):
    user_id: int
    name: str


@client(context="cached", rev=2)
def cached_profile(request: Any, user_id: int, q: str = "") -> CachedProfile:
    return CachedProfile(user_id=user_id, name=NAMES.get(user_id, "initial"))


@client(context="cached", cache=60)
def cached_viewer(request: Any) -> str | None:
    user = request.user
    return user.username if user.is_authenticated else None


@client(affects="cached")
def rename_cached(request: Any, user_id: int, name: str) -> str:
    NAMES[user_id] = name
    return name
