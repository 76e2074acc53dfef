"""Timing and table helpers shared by the benchmarks."""

from __future__ import annotations

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
