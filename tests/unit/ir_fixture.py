"""The IR reference fixture: the same functions declared through any `client`/`register`
pair (Mizan's, or the original implementation's for the side-by-side test)."""

from __future__ import annotations

import datetime
import enum
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel


class Item(BaseModel):
    id: int
    name: str
    tags: list[str] = []
    ratio: float = 1.5
    flag: bool = True
    note: str | None = None
    mode: Literal["a", "b"] = "a"


class Profile(BaseModel):
    user_id: int
    name: str
    best: Item | None = None


def user_profile(request: Any, user_id: int) -> Profile:
    return Profile(user_id=user_id, name="p")


def user_orders(request: Any, user_id: int, page: int = 1) -> list[Item]:
    return []


def echo(request: Any, text: str, count: int | str = 1) -> dict[str, Any]:
    return {"text": text}


def update_profile(request: Any, user_id: int, name: str) -> Profile | None:
    return None


def ping(request: Any) -> None:
    return None


def define_shared(client: Callable[..., Any], register: Callable[[Any, str], Any]) -> None:
    """The part both implementations can declare (the original grammar's constructs)."""
    register(client(context="user")(user_profile), "user_profile")
    register(client(context="user")(user_orders), "user_orders")
    register(client(echo), "echo")
    register(client(affects="user")(update_profile), "update_profile")
    register(client(ping), "ping")


# --- Mizan's additions (docs/ir.md) -------------------------------------------------------


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


def staff_report(request: Any, since: datetime.date, color: Color = Color.RED, level: Literal[1, 2] = 1) -> str:
    return "ok"


def hook(request: Any, user_id: int, payload: dict[str, int]) -> bool:
    return True


def feed_items(request: Any, cursor: str | None = None) -> list[Item]:
    return []


def feed_count(request: Any) -> int:
    return 0


def add_item(request: Any, user_id: int, name: str) -> Item:
    return Item(id=1, name=name)


def define_additions(client: Callable[..., Any], register: Callable[[Any, str], Any]) -> None:
    """Auth, private routes, policies, merge and the shapes the original cannot express."""
    register(client(auth="staff")(staff_report), "staff_report")
    register(client(affects="user", private=True, route="/hooks/<int:user_id>/", methods=["post"])(hook), "hook")
    register(client(context="feed", rev=2, cache=60)(feed_items), "feed_items")
    register(client(context="feed", cache=False, auth=True)(feed_count), "feed_count")
    register(client(merge="user", affects="feed")(add_item), "add_item")
