"""pytest plugin: what each test is evidence for, and how it ended (AFI-3, AFI-14).

A test declares the capability rows it exercises with `@pytest.mark.capability(row, *adapters)`
(adapters: "django", "fastapi"). When `MIZAN_CAPABILITY_RESULTS` names a file, the session
writes the outcome counts per (row, adapter) there; `python -m afi.matrix` turns the files of
both passes (C extension and MIZAN_PURE=1) into the README's matrix. Only outcomes are
recorded: a row is never marked supported by anything but a test that ran and passed.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Final

import pytest

RESULTS_ENV: Final = "MIZAN_CAPABILITY_RESULTS"
ADAPTERS: Final = ("django", "fastapi")
# Worst first: a test that failed in setup and then passed teardown still failed.
OUTCOMES: Final = ("failed", "skipped", "passed")

_claims: dict[str, list[tuple[str, str]]] = {}
_outcomes: dict[str, str] = {}


def pytest_collection_finish(session: pytest.Session) -> None:
    # After deselection (-k, -m), so only tests that will run are counted.
    for item in session.items:
        claims = []
        for marker in item.iter_markers("capability"):
            row, *adapters = marker.args
            unknown = set(adapters) - set(ADAPTERS)
            if not adapters or unknown:
                raise pytest.UsageError(f"{item.nodeid}: capability({row!r}) needs adapters from {ADAPTERS}")
            claims += [(row, adapter) for adapter in adapters]
        if claims:
            _claims[item.nodeid] = claims


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.nodeid not in _claims:
        return
    outcome = "failed" if report.failed else "skipped" if report.skipped else "passed"
    if report.when != "call" and outcome == "passed":
        return  # setup and teardown passing say nothing about the call
    previous = _outcomes.get(report.nodeid, "passed")
    _outcomes[report.nodeid] = min(previous, outcome, key=OUTCOMES.index)


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = os.environ.get(RESULTS_ENV)
    if not target:
        return
    counts: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: dict.fromkeys(OUTCOMES, 0)))
    for nodeid, claims in _claims.items():
        # A collected test that never reported (an interrupted run) counts as failed.
        outcome = _outcomes.get(nodeid, "failed")
        for row, adapter in claims:
            counts[row][adapter][outcome] += 1
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(counts, indent=1, sort_keys=True) + "\n")
