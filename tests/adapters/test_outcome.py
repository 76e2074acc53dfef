"""A body that returns an `Outcome` (mizan.core.outcome): the executor answers its `result`,
and emits the function's invalidation and merges only when it says it changed something;
merge entries then carry its `value` (FORM-5 builds form submits on this)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from mizan import client
from mizan.core import notify
from mizan.core.outcome import Outcome
from tests.adapters.conftest import Adapter


class Row(BaseModel):
    id: int


@client(context="rows")
def rows_list(request: Any, owner: int = 0) -> list[Row]:
    return []


@client(affects="rows", merge="rows")
def rows_touch(request: Any, owner: int, changed: bool) -> Any:
    return Outcome({"ok": changed}, changed=changed, value=Row(id=owner))


rows_touch.MergeOutput = Row  # the value's type, as a form submit declares it


@pytest.fixture
def emitted(adapter: Adapter, register: Callable[..., None]) -> Iterator[list[tuple[Any, ...]]]:
    register(rows_list=rows_list, rows_touch=rows_touch)
    seen: list[tuple[Any, ...]] = []
    listener = notify.on_invalidate(lambda context, params, function, source: seen.append((context, params, function)))
    yield seen
    notify.remove_listener(listener)


def test_unchanged_outcome_emits_nothing(adapter: Adapter, emitted: list[tuple[Any, ...]]) -> None:
    answer = adapter.call("rows_touch", {"owner": 5, "changed": False})
    assert (answer.status, answer.json()) == (200, {"result": {"ok": False}})
    assert "x-mizan-invalidate" not in answer.headers and emitted == []


def test_changed_outcome_invalidates_and_merges_its_value(adapter: Adapter, emitted: list[tuple[Any, ...]]) -> None:
    answer = adapter.call("rows_touch", {"owner": 5, "changed": True})
    assert answer.json() == {
        "result": {"ok": True},
        "invalidate": [{"context": "rows", "params": {"owner": 5}}],
        "merge": [{"context": "rows", "slot": "rows_list", "value": {"id": 5}, "params": {"owner": 5}}],
    }
    assert answer.headers["x-mizan-invalidate"] == "rows;owner=5"
    assert emitted == [("rows", {"owner": 5}, None), ("rows", {"owner": 5}, "rows_list")]
