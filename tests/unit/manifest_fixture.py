"""A hand-built registry for the edge-manifest tests (MAN-1..MAN-9), importable in a fresh process.

Nothing is registered on import; `register_all()` registers the functions in a given order.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

import pydantic

from mizan import GlobalContext, ReactContext, ServerFunction, client
from mizan.core import registry
from mizan.core.signature import set_framework_response_base


class FakeResponse:
    """A stand-in framework response type: functions returning it take the view path."""


set_framework_response_base(FakeResponse)

User = ReactContext("user")
Account = ReactContext("account")
Team = ReactContext("team")


# --- contexts ------------------------------------------------------------------------------


@client(context=User, rev=2)
def user_profile(request: Any, user_id: int) -> dict[str, str]:
    return {}


@client(context=User, cache=60, rev=0)
def user_orders(request: Any, user_id: int, limit: int = 10) -> list[int]:
    return []


@client(context=User, route="/profile/<int:user_id>/")
def profile_page(request: Any, user_id: int) -> FakeResponse:
    return FakeResponse()


@client(context=GlobalContext, cache=False)
def site_settings(request: Any, locale: str = "en") -> dict[str, str]:
    return {}


@client(context="catalog", route="/catalog/<slug:category>/", methods=["post", "get", "GET"])
def catalog_items(request: Any, category: str, page: int = 1) -> list[str]:
    return []


@client(context="catalog", cache=True)
def catalog_count(request: Any, category: str) -> int:
    return 0


@client(context="catalog")
def catalog_html(request: Any, page: int = 1) -> FakeResponse:
    return FakeResponse()


class CatalogFilter(pydantic.BaseModel):
    featured_only: bool = False


@client(context="catalog")
class CatalogFeatured(ServerFunction):
    """A hand-written ServerFunction class: its params come from `Input`."""

    Input = CatalogFilter
    Output = list[str]

    def call(self, input: Any) -> list[str]:
        return []


@client(context=Team)
def team_members(request: Any, owner_id: int) -> list[str]:
    return []


@client(context=Account)
def account_status(request: Any, account_id: int) -> str:
    return ""


@client(context="viewer")
def viewer(request: Any, user: str = "") -> str:
    return user


# --- mutations and the rest ------------------------------------------------------------------


@client(affects=User)
def update_profile(request: Any, user_id: int, name: str) -> dict[str, str]:
    return {}


@client(affects=[user_orders, "catalog", Account])
def place_order(request: Any, user_id: int, category: str, note: str = "") -> None:
    return None


@client(affects=["user_profile", "user"])
def rename(request: Any, name: str) -> None:
    return None


@client(private=True, affects=Account, route="/webhooks/stripe/")
def stripe_webhook(request: Any) -> FakeResponse:
    return FakeResponse()


@client(affects=Team, route="/teams/<int:owner_id>/leave/", methods=["delete", "post"])
def leave_team(request: Any, owner_id: int) -> FakeResponse:
    return FakeResponse()


@client(affects=User, merge=User)
def update_and_merge(request: Any, user_id: int) -> dict[str, str]:
    return {}


@client(merge=User)
def merge_only(request: Any, user_id: int) -> dict[str, str]:
    return {}


@client
def plain(request: Any, x: int) -> int:
    return x


@client(private=True)
def cron(request: Any) -> None:
    return None


FUNCTIONS: dict[str, type[ServerFunction]] = {
    "user_profile": user_profile,
    "user_orders": user_orders,
    "profile_page": profile_page,
    "site_settings": site_settings,
    "catalog_items": catalog_items,
    "catalog_count": catalog_count,
    "catalog_html": catalog_html,
    "catalog_featured": CatalogFeatured,
    "team_members": team_members,
    "account_status": account_status,
    "viewer": viewer,
    "update_profile": update_profile,
    "place_order": place_order,
    "rename": rename,
    "stripe_webhook": stripe_webhook,
    "leave_team": leave_team,
    "update_and_merge": update_and_merge,
    "merge_only": merge_only,
    "plain": plain,
    "cron": cron,
}

# The extra page URLs the tests pass as `view_urls` (duplicates and non-ASCII on purpose).
VIEW_URLS: dict[str, list[str]] = {
    "user": ["/u/<int:user_id>/orders/", "/profile/<int:user_id>/", "/u/<int:user_id>/orders/"],
    "global": ["/", "/café/"],
    "account": [],
    "no_such_context": ["/ignored/"],
}


def register_all(order: Iterable[str] | None = None) -> None:
    """Register the fixture functions, in `order` (names) or the order of `FUNCTIONS`."""
    for name in FUNCTIONS if order is None else order:
        registry.register(FUNCTIONS[name], name)


def main(argv: list[str]) -> None:
    """`python -c` entry of the separate-process test: register in reversed order, then
    write the manifest as UTF-8 bytes for `argv[0]` as base URL, with `VIEW_URLS`."""
    from mizan.export import generate_edge_manifest_json

    register_all(reversed(list(FUNCTIONS)))
    sys.stdout.buffer.write(generate_edge_manifest_json(argv[0], VIEW_URLS).encode("utf-8"))
