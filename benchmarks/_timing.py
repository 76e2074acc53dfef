"""Timing and table helpers shared by the benchmarks."""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import time
import timeit
from collections.abc import Callable, Mapping, Sequence
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


def interleaved(
    fns: Mapping[str, Callable[[], Any]], rounds: int = 15, batch_seconds: float = 0.01
) -> dict[str, float]:
    """Median seconds per call of each of `fns`, over `rounds` interleaved rounds.

    Each round runs every function once as a batch sized to take about `batch_seconds`, so
    drift on a shared machine (another job, frequency scaling) hits every alternative
    alike; the starting function rotates from round to round so none always runs first
    (warm caches) or last. The GC is off while timing, as in `timeit`.
    """
    names = list(fns)
    numbers = {name: batch_size(fns[name], batch_seconds) for name in names}
    samples: dict[str, list[float]] = {name: [] for name in names}
    enabled = gc.isenabled()
    gc.disable()
    try:
        for index in range(rounds):
            for name in names[index % len(names) :] + names[: index % len(names)]:
                fn, number = fns[name], numbers[name]
                start = time.perf_counter()
                for _ in range(number):
                    fn()
                samples[name].append((time.perf_counter() - start) / number)
    finally:
        if enabled:
            gc.enable()
    return {name: statistics.median(values) for name, values in samples.items()}


def batch_size(fn: Callable[[], Any], seconds: float) -> int:
    """Calls per batch so that one batch takes about `seconds` (doubling, as autorange)."""
    fn()  # warm-up: first-call costs (imports, caches) stay out of the calibration
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= seconds / 4:
            return max(1, round(number * seconds / elapsed))
        number *= 2
