"""Timing and table helpers shared by the benchmarks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import timeit
from collections.abc import Callable, Sequence
from typing import Any


def per_call(fn: Callable[[], Any], repeat: int = 5) -> float:
    """Best-of-`repeat` seconds per call; each repeat runs long enough (>= 0.2 s) to time."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=repeat, number=number)) / number


def micros(seconds: float) -> str:
    return f"{seconds * 1e6:.2f}"


def ratio(slow: float, fast: float) -> str:
    return f"{slow / fast:.2f}x"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table: first column left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        first = f"{cells[0]:<{widths[0]}}"
        rest = (f"{cell:>{width}}" for cell, width in zip(cells[1:], widths[1:], strict=True))
        return "  ".join((first, *rest))

    rule = "  ".join("-" * w for w in widths)
    return "\n".join((line(header), rule, *(line(r) for r in rows)))


def run_worker(module: str, pure: bool, repeat: int) -> dict[str, Any]:
    """Run `python -m <module> --worker` with MIZAN_PURE set (the backend is fixed at import
    time, so each backend is measured in its own process); its JSON result."""
    env = dict(os.environ, MIZAN_PURE="1" if pure else "0")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [sys.executable, "-m", module, "--worker", "--repeat", str(repeat)]
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out)
    return result
