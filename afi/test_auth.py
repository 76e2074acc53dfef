"""Guard outcomes on both adapters for every identity, by MWT and natively (AFI-13)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from afi.conftest import ADAPTERS
from afi.expectations import auth_expectation
from afi.transcript import GUARDS, USERS, auth_grid

GRID = auth_grid()


def test_afi13_grid_covers_every_guard_identity_and_supply() -> None:
    assert len(GRID) == len(GUARDS) * len(USERS) * 2
    outcomes = {auth_expectation(step).status for step in GRID}
    assert outcomes == {200, 401, 403}


@pytest.mark.parametrize(
    ("adapter", "index"),
    [
        pytest.param(
            adapter,
            index,
            marks=[pytest.mark.capability(row, adapter) for row in auth_expectation(step).rows],
            id=f"{adapter}-{step.label}",
        )
        for adapter in ADAPTERS
        for index, step in enumerate(GRID)
    ],
)
def test_afi13_guard_outcome(outcomes: dict[str, Any], adapter: str, index: int) -> None:
    found = outcomes[adapter]["auth"][index]
    assert found["label"] == GRID[index].label
    assert auth_expectation(GRID[index]).problems(found, base64.b64decode(found["body"])) == []


@pytest.mark.parametrize(
    "index",
    [
        pytest.param(
            index, marks=[pytest.mark.capability(row, *ADAPTERS) for row in auth_expectation(step).rows], id=step.label
        )
        for index, step in enumerate(GRID)
    ],
)
def test_afi13_adapters_agree(outcomes: dict[str, Any], index: int) -> None:
    assert outcomes["fastapi"]["auth"][index] == outcomes["django"]["auth"][index]
