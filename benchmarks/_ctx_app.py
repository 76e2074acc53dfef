"""The Django side of benchmarks.ctx: a product table, the contexts it fetches, its URLs.

Imported only after `django.setup()` (it defines a model), by the ROOT_URLCONF lookup or by
`benchmarks.ctx.namespace()`. Three contexts:

- `profile`: one member, one param (`user_id`), a ~300-byte bundle with no database work:
  HIT and MISS show the cache path itself;
- `search`: one member with 20 optional params, all sent: the key and the generation
  stamp then cover 20 values (CKEY-2, CPUR-4);
- `shop`: three members, each running one ORM query on a 2,000-row SQLite table (a page of
  products, a count, an aggregate): what a HIT saves on a context doing real work.

`cached_view` is the hand-written alternative: a Django view doing the cache's work in
plain Python (HMAC key, dict lookup, HttpResponse), with no generation stamps; `plain_view`
the floor of any view: the stored bytes from a module constant.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Avg, Max, Min
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from benchmarks._ctx_plain import entry_key
from mizan import client

CATEGORIES = ("books", "games", "garden", "kitchen", "music", "toys", "tools", "travel")
ROWS_PER_CATEGORY = 250
PAGE = 10


class Product(models.Model):
    """A catalogue row; `category` is indexed, as a real listing's filter column would be."""

    category = models.CharField(max_length=20, db_index=True)
    name = models.CharField(max_length=80)
    price = models.FloatField()
    stock = models.IntegerField()

    class Meta:
        app_label = "benchmarks"


def create_products() -> int:
    """Create the table and its rows in the (in-memory) default database; the row count.
    The rows go in with one `executemany` (the ORM's bulk_create costs more than every
    row measured, which matters under callgrind)."""
    from django.db import connection

    with connection.schema_editor() as editor:
        editor.create_model(Product)
    rows = [
        (category, f"{category} item {i}", round(2.5 + (i * 37 % 500) / 10, 2), i % 9)
        for category in CATEGORIES
        for i in range(ROWS_PER_CATEGORY)
    ]
    table = connection.ops.quote_name(Product._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} (category, name, price, stock) VALUES (%s, %s, %s, %s)", rows)
    count: int = Product.objects.count()
    return count


# --- the contexts ---------------------------------------------------------------------------


@client(context="profile")
def profile_card(request: HttpRequest, user_id: int) -> dict[str, Any]:
    """No database: the bundle is built in Python, so a MISS is mostly Mizan's own work."""
    return {
        "id": user_id,
        "username": f"user{user_id}",
        "display_name": "Ada Lovelace",
        "email": f"user{user_id}@example.org",
        "locale": "en-GB",
        "is_staff": False,
        "flags": {"beta": True, "dark_mode": False, "max_upload_mb": 25},
        "tags": ["admin", "beta", "early-adopter"],
        "plan": {"name": "pro", "seats": 5, "renews": "2027-01-01"},
    }


@client(context="search")
def search_results(
    request: HttpRequest,
    q: str = "",
    category: str = "",
    brand: str = "",
    color: str = "",
    size: str = "",
    material: str = "",
    pattern: str = "",
    season: str = "",
    seller: str = "",
    region: str = "",
    language: str = "",
    currency: str = "",
    sort: str = "",
    min_price: int = 0,
    max_price: int = 0,
    rating: int = 0,
    page: int = 1,
    per_page: int = 20,
    in_stock: bool = False,
    on_sale: bool = False,
) -> dict[str, Any]:
    """A faceted search taking 20 params; its body echoes a few of them."""
    return {"q": q, "category": category, "page": page, "per_page": per_page, "hits": [], "total": 0}


@client(context="shop")
def shop_items(request: HttpRequest, category: str) -> list[dict[str, Any]]:
    """Query 1: the cheapest page of the category."""
    rows = Product.objects.filter(category=category).order_by("price", "id")[:PAGE]
    return list(rows.values("id", "name", "price", "stock"))


@client(context="shop")
def shop_count(request: HttpRequest, category: str) -> int:
    """Query 2: how many products the category has."""
    count: int = Product.objects.filter(category=category).count()
    return count


@client(context="shop")
def shop_prices(request: HttpRequest, category: str) -> dict[str, Any]:
    """Query 3: price statistics of the category."""
    stats = Product.objects.filter(category=category).aggregate(low=Min("price"), high=Max("price"), mean=Avg("price"))
    return {"high": stats["high"], "low": stats["low"], "mean": round(stats["mean"], 2)}


# --- the hand-written alternative -------------------------------------------------------------

# The stored bodies by key, filled by benchmarks.ctx.namespace() from Mizan's own entries.
HANDWRITTEN: dict[str, bytes] = {}


def cached_view(request: HttpRequest, name: str) -> HttpResponse:
    """A cache-only view: the HMAC key of the query string, a dict lookup, the stored bytes."""
    params = {key: request.GET[key] for key in request.GET}
    body = HANDWRITTEN.get(entry_key(name, params))
    if body is None:
        return HttpResponse(status=404)
    response = HttpResponse(body, content_type="application/json")
    response["Cache-Control"] = "no-store"
    response["X-Mizan-Cache"] = "HIT"
    return response


# The stored `profile` bundle, filled by benchmarks.ctx.namespace().
PLAIN: list[bytes] = []


@csrf_exempt
def plain_view(request: HttpRequest) -> HttpResponse:
    """The floor of a Django view: a constant body with the HIT's headers, no lookup."""
    return HttpResponse(
        PLAIN[0], headers={"Content-Type": "application/json", "Cache-Control": "no-store", "X-Mizan-Cache": "HIT"}
    )


urlpatterns = [
    path("api/mizan/", include("mizan.urls")),
    path("handwritten/ctx/<str:name>/", cached_view),
    path("plain/ctx/profile/", plain_view),
]
