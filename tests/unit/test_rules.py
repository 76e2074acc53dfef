"""Registration-time rules: merge type matching (MRG-3) and invalidation plans (INV-2)."""

from __future__ import annotations

from typing import Any, Optional

import pydantic
import pytest

from mizan import ReactContext, client
from mizan.core import registry, rules
from mizan.core.rules import same_shape, types_match_for_merge

pytestmark = pytest.mark.usefixtures("clean_registry")


class Item(pydantic.BaseModel):
    id: int
    name: str


def _twin_item() -> type[pydantic.BaseModel]:
    class Item(pydantic.BaseModel):  # same name and shape, different class object
        id: int
        name: str

    return Item


def _other_item() -> type[pydantic.BaseModel]:
    class Item(pydantic.BaseModel):
        id: int
        label: str

    return Item


class Tree(pydantic.BaseModel):
    children: list[Tree] = []


def test_mrg3_direct_upsert_list_replace() -> None:
    assert types_match_for_merge(Item, Item)
    assert types_match_for_merge(list[Item], Item)  # upsert
    assert types_match_for_merge(list[Item], list[Item])  # list-replace
    assert types_match_for_merge(Optional[Item], Item)  # noqa: UP045 - the spelling under test
    assert types_match_for_merge(Item | None, Item)
    assert types_match_for_merge(list[Item] | None, Item)
    assert not types_match_for_merge(Item, list[Item])
    assert not types_match_for_merge(Item, Item | None)  # only the slot's Optional is ignored
    assert not types_match_for_merge(int, Item)
    assert not types_match_for_merge(list[int], Item)
    assert types_match_for_merge(int, int)
    assert types_match_for_merge(dict[str, int], dict[str, int])


def test_gap51_structural_equality() -> None:
    assert same_shape(Item, _twin_item())
    assert types_match_for_merge(list[_twin_item()], Item)
    assert not same_shape(Item, _other_item())
    assert same_shape(Tree, Tree)
    assert same_shape(list[Tree], list[Tree])
    assert not same_shape(Item, dict)


def test_inv2_plans_resolve_targets_once() -> None:
    user = ReactContext("user")

    @client(context=user)
    def user_profile(request: Any, user_id: int) -> Item: ...

    @client(context=user)
    def user_orders(request: Any, user_id: int, page: int = 1) -> list[Item]: ...

    @client(affects=[user, "user_profile", user_orders])
    def update(request: Any, user_id: int) -> Item: ...

    @client(merge=user)
    def ambiguous(request: Any) -> Item: ...

    @client
    def plain(request: Any) -> None: ...

    for fn in (user_profile, user_orders, update, ambiguous, plain):
        registry.register(fn, fn.__name__)
    plan = rules.plan_for(update)
    assert plan is not None
    assert rules.plan_for(update) is plan  # cached for this registry version
    assert rules.plan_for(plain) is None
    # user_profile (Item) matches directly, user_orders (list[Item]) by upsert: ambiguous.
    assert rules.resolve_slot("user", Item) is None
    assert rules.plan_for(ambiguous) is None
    from mizan.core import _backend

    invalidate, merge = _backend.resolve_invalidation(plan, {"user_id": 5}, ("user_id",), None, None)
    assert invalidate == [
        {"context": "user", "params": {"user_id": 5}},
        {"context": "user", "function": "user_profile", "params": {"user_id": 5}},
        {"context": "user", "function": "user_orders", "params": {"user_id": 5}},
    ]
    assert merge == []
    registry.register(client(context="other")(lambda request: None), "other_fn")
    assert rules.plan_for(update) is not plan  # recomputed after a registry change
