"""The scripted WebSocket transcript on both adapters (WS-1..10, AFI-10 for sockets).

Each step is checked against its written expectation on each adapter, and Django against
FastAPI frame for frame (the same frames give the same replies, byte for byte).
"""

from __future__ import annotations

from typing import Any

import pytest

from afi.conftest import ADAPTERS
from afi.ws_expectations import QUIET, WS_RPC, WS_TRANSCRIPT
from afi.ws_transcript import ws_script

STEPS = ws_script()
LABELS = [step.label for step in STEPS]


def record(outcomes: dict[str, Any], adapter: str, label: str) -> dict[str, Any]:
    (found,) = [entry for entry in outcomes[adapter]["ws"]["steps"] if entry["label"] == label]
    return found


def test_ws_transcript_is_long_enough_and_fully_expected() -> None:
    assert len(STEPS) >= 30
    assert len(set(LABELS)) == len(LABELS)
    assert set(WS_TRANSCRIPT) == set(LABELS)


@pytest.mark.parametrize(
    ("adapter", "label"),
    [
        pytest.param(
            adapter,
            label,
            marks=[pytest.mark.capability(row, adapter) for row in WS_TRANSCRIPT[label].rows],
            id=f"{adapter}-{label}",
        )
        for adapter in ADAPTERS
        for label in LABELS
    ],
)
def test_ws_step_behaves_as_specified(outcomes: dict[str, Any], adapter: str, label: str) -> None:
    assert WS_TRANSCRIPT[label].problems(record(outcomes, adapter, label)["frames"]) == []


@pytest.mark.parametrize(
    "label",
    [
        pytest.param(label, marks=[pytest.mark.capability(row, *ADAPTERS) for row in WS_TRANSCRIPT[label].rows])
        for label in LABELS
    ],
)
def test_ws_adapters_answer_identically(outcomes: dict[str, Any], label: str) -> None:
    django, fastapi = (record(outcomes, adapter, label) for adapter in ADAPTERS)
    assert fastapi == django


@pytest.mark.parametrize("adapter", [pytest.param(a, marks=pytest.mark.capability(WS_RPC, a)) for a in ADAPTERS])
def test_ws_nothing_unexpected_was_sent(outcomes: dict[str, Any], adapter: str) -> None:
    """After the script, every socket's next frame is the reply to the final probe."""
    quiet = outcomes[adapter]["ws"]["quiet"]
    sockets = {step.socket for step in STEPS} | {name for step in STEPS for name in step.listeners}
    assert quiet == dict.fromkeys(sorted(sockets), QUIET)
