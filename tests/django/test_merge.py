"""`merge=`: the server resolves the slot and the client splices the value (PROTOCOL §4)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.django.conftest import MizanClient, canonical

HEADER = "X-Mizan-Invalidate"
ITEM = {"id": 42, "name": "renamed"}


def _ok(response: Any, body: dict[str, Any], header: str | None = None) -> None:
    assert response.status_code == 200, response.content
    assert response.content == canonical(body)
    assert response["Cache-Control"] == "no-store"
    assert response.get(HEADER) == header


def test_mrg4_direct_slot_with_params_and_merge_only(mizan: MizanClient, purges: list[Any]) -> None:
    """MRG-2/3/4/6: `Item` into the member returning `Item | None` (Optional on the slot
    side ignored); params scoped like INV-3; a merge-only mutation has no `invalidate` and
    no header; the value is the same JSON as the result; the entry purges (MRG-8)."""
    response = mizan.call("rename_item", {"item_id": "42", "name": "renamed"})
    merge = [{"context": "item", "params": {"item_id": 42}, "slot": "item_detail", "value": ITEM}]
    _ok(response, {"merge": merge, "result": ITEM})
    assert purges == [("item", {"item_id": 42})]


def test_mrg3_upsert_into_list_with_and_without_scope(mizan: MizanClient) -> None:
    """MRG-3 upsert: `Item` into `list[Item]`; the `int` member is no candidate. Declared
    together with affects=, both transports appear (MRG-6)."""
    value = {"id": 42, "name": "n"}
    _ok(
        mizan.call("add_item", {"name": "n"}),
        {
            "invalidate": ["notifications"],
            "merge": [{"context": "items", "slot": "items_list", "value": value}],
            "result": value,
        },
        "notifications",
    )
    merge = [{"context": "items", "params": {"category": "books"}, "slot": "items_list", "value": value}]
    _ok(
        mizan.call("add_item", {"name": "n", "category": "books"}),
        {"invalidate": ["notifications"], "merge": merge, "result": value},
        "notifications",
    )


def test_mrg3_list_replace_and_target_dedupe(mizan: MizanClient) -> None:
    """MRG-3 list-replace: `list[Item]` into `list[Item]`; MRG-1: `[ITEMS, "items"]` is one
    target."""
    value = [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
    merge = [{"context": "items", "params": {"category": "c"}, "slot": "items_list", "value": value}]
    _ok(mizan.call("replace_items", {"category": "c"}), {"merge": merge, "result": value})


def test_mrg2_ambiguous_slot_is_dropped_with_a_warning(mizan: MizanClient, caplog: pytest.LogCaptureFixture) -> None:
    """MRG-2: two members return `Item` -> no slot -> no merge entry, a warning."""
    from mizan.core import rules

    rules._plans.clear()  # plans (and their warnings) are computed once per registry version
    with caplog.at_level(logging.WARNING, logger="mizan"):
        response = mizan.call("ambiguous_merge")
    _ok(response, {"result": {"id": 3, "name": "c"}})
    assert any("MRG-2" in record.getMessage() for record in caplog.records)


def test_mrg2_no_matching_member_drops_the_merge_but_keeps_affects(mizan: MizanClient) -> None:
    """MRG-2: no member of `notifications` returns `Item`: merge dropped; affects stays."""
    _ok(
        mizan.call("unmatched_merge", {"user_id": 5}),
        {"invalidate": [{"context": "user", "params": {"user_id": 5}}], "result": {"id": 4, "name": "d"}},
        "user;user_id=5",
    )


def test_mrg7_no_merge_on_failure(mizan: MizanClient, purges: list[Any]) -> None:
    """MRG-7: a failed call merges nothing."""
    response = mizan.call("rename_item", {"item_id": "x", "name": "n"})
    assert response.status_code == 422 and b"merge" not in response.content
    assert purges == []
