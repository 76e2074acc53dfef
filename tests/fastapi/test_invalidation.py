"""Server-driven invalidation and merge on `/call/` through FastAPI (PROTOCOL §3, §4;
mirrors tests/django/test_invalidation.py and test_merge.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from mizan.core import notify
from mizan_fastapi import client, parse_invalidate_header, register
from tests.fastapi.conftest import MizanClient, assert_internal, canonical

HEADER = "x-mizan-invalidate"


def assert_mutation(response: Any, body: dict[str, Any], header: str | None) -> None:
    """200, exact canonical body, the header exactly (or absent), no-store, JSON."""
    assert response.status_code == 200, response.content
    assert response.content == canonical(body)
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers.get(HEADER) == header


@pytest.fixture
def notifications() -> Iterator[list[tuple[Any, ...]]]:
    seen: list[tuple[Any, ...]] = []

    def listener(context: str, params: Any, function: Any, source: str) -> None:
        seen.append((context, params, function, source))

    notify.on_invalidate(listener)
    try:
        yield seen
    finally:
        notify.remove_listener(listener)


def test_inv3_scoped_by_argument_name(api: MizanClient) -> None:
    assert_mutation(
        api.call("update_profile", {"user_id": "5", "name": "A"}),
        {"invalidate": [{"context": "user", "params": {"user_id": 5}}], "result": {"ok": True}},
        "user;user_id=5",
    )


def test_inv3_enum_and_unsupplied_defaults(api: MizanClient) -> None:
    assert_mutation(
        api.call("upgrade", {"tier": "gold", "account_id": 7}),
        {
            "invalidate": [{"context": "account", "params": {"account_id": 7, "tier": "gold"}}, "user"],
            "result": "upgraded",
        },
        "account;account_id=7;tier=gold, user",
    )


def test_inv5_no_matching_argument_is_broad(api: MizanClient) -> None:
    assert_mutation(
        api.call("rename_everyone", {"name": "B"}), {"invalidate": ["user"], "result": {"ok": True}}, "user"
    )


def test_inv2_function_target_resolves_to_its_parent_context(api: MizanClient) -> None:
    assert_mutation(
        api.call("update_name", {"user_id": 5}),
        {
            "invalidate": [{"context": "user", "function": "user_profile", "params": {"user_id": 5}}],
            "result": {"ok": True},
        },
        "user;user_id=5",
    )
    assert_mutation(
        api.call("reorder"), {"invalidate": [{"context": "user", "function": "user_orders"}], "result": None}, "user"
    )


def test_inv8_declaration_order_and_duplicates(api: MizanClient) -> None:
    expected = [
        {"context": "user", "params": {"limit": 3, "user_id": 5}},
        "notifications",
        {"context": "user", "function": "user_profile", "params": {"limit": 3, "user_id": 5}},
    ]
    assert_mutation(
        api.call("big_change", {"user_id": 5, "limit": 3}),
        {"invalidate": expected, "result": "done"},
        "user;limit=3;user_id=5, notifications",
    )


def test_inv9_header_describes_the_json_targets(api: MizanClient) -> None:
    response = api.call("big_change", {"user_id": None})
    assert response.headers[HEADER] == "user;user_id=null, notifications"
    assert parse_invalidate_header(response.headers[HEADER]) == [
        {"context": "user", "params": {"user_id": "null"}},
        "notifications",
    ]


def test_inv10_plain_functions_emit_nothing(api: MizanClient, notifications: list[Any], purges: list[Any]) -> None:
    assert_mutation(api.call("echo", {"text": "hi"}), {"result": {"message": "echo: hi"}}, None)
    assert notifications == [] and purges == []


@pytest.mark.parametrize(
    ("fn", "args", "status"),
    [("failing_update", {"user_id": 5}, 500), ("unencodable_update", {"user_id": 5}, 500), ("update_profile", {}, 422)],
)
def test_inv1_nothing_on_failure(
    api: MizanClient, notifications: list[Any], purges: list[Any], fn: str, args: dict[str, Any], status: int
) -> None:
    response = api.call(fn, args)
    assert response.status_code == status
    assert HEADER not in response.headers and b"invalidate" not in response.content
    assert notifications == [] and purges == []


def test_inv1_unencodable_result_is_a_500(api: MizanClient) -> None:
    assert_internal(api.call("unencodable_update", {"user_id": 5}))


def test_fa4_async_mutation(api: MizanClient) -> None:
    assert_mutation(
        api.call("async_update", {"user_id": 9}),
        {"invalidate": [{"context": "user", "params": {"user_id": 9}}], "result": {"user_id": 9}},
        "user;user_id=9",
    )


def test_cpur9_notifications_and_purges_follow_the_entries(
    api: MizanClient, notifications: list[Any], purges: list[Any]
) -> None:
    """CPUR-9/INV-11: each entry reaches the purge hook and every listener."""
    api.call("big_change", {"user_id": 5})
    scope = {"user_id": 5}
    assert purges == [("user", scope), ("notifications", None), ("user", scope)]
    assert notifications == [
        ("user", scope, None, "big_change"),
        ("notifications", None, None, "big_change"),
        ("user", scope, "user_profile", "big_change"),
    ]


def test_cache3_a_failing_listener_or_purge_never_breaks_the_mutation(api: MizanClient) -> None:
    def broken(*args: Any) -> None:
        raise RuntimeError("monitoring is down")

    notify.on_invalidate(broken)
    notify.set_purge_hook(broken)
    try:
        response = api.call("update_profile", {"user_id": 5, "name": "A"})
    finally:
        notify.remove_listener(broken)
    assert response.status_code == 200 and response.headers[HEADER] == "user;user_id=5"


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ('a;b c"d', "a%3Bb%20c%22d"),
        ("Jürgen", "J%C3%BCrgen"),
        ("it's!*()", "it%27s%21%2A%28%29"),
        ("x,y=z", "x%2Cy%3Dz"),
        ("", ""),
        ("safe-._~AZaz09", "safe-._~AZaz09"),
    ],
)
def test_xmi3_values_are_percent_encoded(api: MizanClient, value: str, encoded: str) -> None:
    response = api.call("save_search", {"q": value})
    assert_mutation(
        response,
        {"invalidate": [{"context": "searches", "params": {"q": value}}], "result": value},
        f"searches;q={encoded}",
    )
    assert parse_invalidate_header(response.headers[HEADER]) == [{"context": "searches", "params": {"q": value}}]


def test_norm1_floats_bools_and_lists_as_header_text(api: MizanClient) -> None:
    response = api.call("record_metric", {"ratio": 5.0, "flag": "true", "tags": ["a", "b"]})
    assert_mutation(
        response,
        {
            "invalidate": [{"context": "metrics", "params": {"flag": True, "ratio": 5.0, "tags": ["a", "b"]}}],
            "result": "recorded",
        },
        "metrics;flag=true;ratio=5;tags=%5B%22a%22%2C%22b%22%5D",
    )


def test_inv4_no_auth_inference(as_user: Any) -> None:
    """INV-4: a signed-in caller without a matching argument still gets the broad entry."""
    response = as_user("alice").call("rename_everyone", {"name": "B"})
    assert response.headers[HEADER] == "user"


def test_inv7_function_target_must_be_a_context_function(api: MizanClient) -> None:
    @client(affects="echo")
    def affects_plain(request: Any) -> None: ...

    register(affects_plain, "affects_plain")
    assert_internal(api.call("update_profile", {"user_id": 1, "name": "n"}), "Mizan registry is invalid")


# --- merge (MRG) ------------------------------------------------------------------------------

ITEM = {"id": 42, "name": "renamed"}


def test_mrg4_direct_slot_with_params_and_merge_only(api: MizanClient, purges: list[Any]) -> None:
    merge = [{"context": "item", "params": {"item_id": 42}, "slot": "item_detail", "value": ITEM}]
    assert_mutation(
        api.call("rename_item", {"item_id": "42", "name": "renamed"}), {"merge": merge, "result": ITEM}, None
    )
    assert purges == [("item", {"item_id": 42})]


def test_mrg3_upsert_into_list_with_and_without_scope(api: MizanClient) -> None:
    value = {"id": 42, "name": "n"}
    assert_mutation(
        api.call("add_item", {"name": "n"}),
        {
            "invalidate": ["notifications"],
            "merge": [{"context": "items", "slot": "items_list", "value": value}],
            "result": value,
        },
        "notifications",
    )
    merge = [{"context": "items", "params": {"category": "books"}, "slot": "items_list", "value": value}]
    assert_mutation(
        api.call("add_item", {"name": "n", "category": "books"}),
        {"invalidate": ["notifications"], "merge": merge, "result": value},
        "notifications",
    )


def test_mrg3_list_replace_and_target_dedupe(api: MizanClient) -> None:
    value = [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
    merge = [{"context": "items", "params": {"category": "c"}, "slot": "items_list", "value": value}]
    assert_mutation(api.call("replace_items", {"category": "c"}), {"merge": merge, "result": value}, None)


def test_mrg2_ambiguous_slot_is_dropped_with_a_warning(api: MizanClient, caplog: pytest.LogCaptureFixture) -> None:
    from mizan.core import rules

    rules._plans.clear()
    with caplog.at_level(logging.WARNING, logger="mizan"):
        response = api.call("ambiguous_merge")
    assert_mutation(response, {"result": {"id": 3, "name": "c"}}, None)
    assert any("MRG-2" in record.getMessage() for record in caplog.records)


def test_mrg2_no_matching_member_drops_the_merge_but_keeps_affects(api: MizanClient) -> None:
    assert_mutation(
        api.call("unmatched_merge", {"user_id": 5}),
        {"invalidate": [{"context": "user", "params": {"user_id": 5}}], "result": {"id": 4, "name": "d"}},
        "user;user_id=5",
    )


def test_mrg7_no_merge_on_failure(api: MizanClient, purges: list[Any]) -> None:
    response = api.call("rename_item", {"item_id": "x", "name": "n"})
    assert response.status_code == 422 and b"merge" not in response.content
    assert purges == []
