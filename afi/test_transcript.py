"""The scripted wire transcript on both adapters (AFI-10, AFI-11).

Each step is checked twice: against its written expectation on each adapter (so a capability
is shown to work, not only to agree), and Django against FastAPI byte for byte.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest

from afi import settings as shared
from afi.conftest import ADAPTERS
from afi.expectations import CACHE, HIT_MISS, TRANSCRIPT
from afi.transcript import script

STEPS = script()
LABELS = [step.label for step in STEPS]


def record(outcomes: dict[str, Any], adapter: str, label: str) -> dict[str, Any]:
    (found,) = [entry for entry in outcomes[adapter]["steps"] if entry["label"] == label]
    return found


def test_afi10_transcript_is_long_enough_and_fully_expected() -> None:
    """AFI-10: at least 40 requests, labels unique, and every step has an expectation."""
    assert len(STEPS) >= 40
    assert len(set(LABELS)) == len(LABELS)
    assert set(TRANSCRIPT) == set(LABELS)


@pytest.mark.parametrize(
    ("adapter", "label"),
    [
        pytest.param(adapter, label, marks=pytest.mark.capability(row, adapter), id=f"{adapter}-{label}")
        for adapter in ADAPTERS
        for label in LABELS
        for row in TRANSCRIPT[label].rows[:1]
    ],
)
def test_afi10_step_behaves_as_specified(request: pytest.FixtureRequest, adapter: str, label: str) -> None:
    expected = TRANSCRIPT[label]
    for row in expected.rows[1:]:  # a step can be evidence for several rows
        request.node.add_marker(pytest.mark.capability(row, adapter))
    found = record(request.getfixturevalue("outcomes"), adapter, label)
    assert expected.problems(found, base64.b64decode(found["body"])) == []


@pytest.mark.parametrize(
    "label",
    [
        pytest.param(label, marks=[pytest.mark.capability(row, *ADAPTERS) for row in TRANSCRIPT[label].rows])
        for label in LABELS
    ],
)
def test_afi10_adapters_answer_identically(outcomes: dict[str, Any], label: str) -> None:
    """AFI-10: status, the compared headers and the body bytes are the same on both."""
    django, fastapi = (record(outcomes, adapter, label) for adapter in ADAPTERS)
    assert fastapi == django


@pytest.mark.parametrize("adapter", [pytest.param(a, marks=pytest.mark.capability(CACHE, a)) for a in ADAPTERS])
def test_afi11_hit_miss_sequence(outcomes: dict[str, Any], adapter: str) -> None:
    """AFI-11: the X-Mizan-Cache sequence is the one the cache rules give."""
    sequence = [
        (entry["label"], entry["headers"]["x-mizan-cache"])
        for entry in outcomes[adapter]["steps"]
        if entry["headers"]["x-mizan-cache"] is not None
    ]
    assert sequence == HIT_MISS


def _key(context: str, params: dict[str, str], rev: int) -> str:
    """CKEY-1..3 written out with the standard library: HMAC-SHA256 over sorted compact JSON."""
    message = json.dumps({"c": context, "p": params, "r": rev}, sort_keys=True, separators=(",", ":"))
    digest = hmac.new(shared.CACHE_SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()
    return f"ctx:{context}:{digest}"


# The entries the transcript stores: every anonymous bundle fetch with a cacheable policy
# (CACHE-4: the bundle's effective rev is the largest member rev; params are the declared
# ones present, as NORM-1 text).
EXPECTED_KEYS = sorted(
    {
        _key("profile", {"user_id": "1"}, 2),
        _key("profile", {"user_id": "2", "limit": "1"}, 2),
        _key("profile", {"user_id": "1", "limit": "5"}, 2),
        _key("items", {"user_id": "1", "tag": "x"}, 0),
        _key("items", {"user_id": "1"}, 0),
        _key("global", {}, 0),
    }
)


@pytest.mark.parametrize("adapter", [pytest.param(a, marks=pytest.mark.capability(CACHE, a)) for a in ADAPTERS])
def test_afi11_stored_keys_follow_the_derivation(outcomes: dict[str, Any], adapter: str) -> None:
    """AFI-11: the keys written are exactly those CKEY-1..3 give for the fetches made."""
    assert outcomes[adapter]["stored_keys"] == EXPECTED_KEYS


def test_afi11_stored_keys_identical(outcomes: dict[str, Any]) -> None:
    assert outcomes["django"]["stored_keys"] == outcomes["fastapi"]["stored_keys"]


@pytest.mark.parametrize("adapter", [pytest.param(a, marks=pytest.mark.capability(CACHE, a)) for a in ADAPTERS])
def test_afi11_pinned_vectors(outcomes: dict[str, Any], adapter: str) -> None:
    """CKEY-4's pinned keys, derived in each adapter's process (C or pure, per the run)."""
    assert outcomes[adapter]["vectors"] == [
        "ctx:user:605a1ca5ad5994e9b765c8d1b330474c2a0d51a7b8fbbdc402f992da7ba902f6",
        "ctx:user:30fc08eb46ee4ff2cf7d317e97dca90fd616511e0587304416f71dc863338dc2",
    ]
