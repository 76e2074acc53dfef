"""Renders per second and latency under concurrent threads, in interleaved rounds, with
the CPU time the Python process and the SSR workers spent per render.

Each round runs every target (engine x threads) for `seconds`, in an order rotating from
round to round, so drift on a shared machine hits every target alike. Within a target, the
threads start together on a barrier and each renders in a loop until the deadline, timing
every render with `perf_counter`. Renders/s of a round: renders finished / wall time from
the barrier to the last thread's end; the reported rate is the median round. Latencies are
pooled over every round.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Load:
    """What one target measured over every round."""

    rates: list[float] = field(default_factory=list)  # renders/s, one per round
    latencies: list[float] = field(default_factory=list)  # seconds, every render
    renders: int = 0
    python_cpu: float = 0.0  # seconds of this process's CPU time
    worker_cpu: float = 0.0  # seconds of the SSR workers' CPU time

    @property
    def per_second(self) -> float:
        return statistics.median(self.rates)

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    def cpu_us(self, seconds: float) -> float:
        return seconds / self.renders * 1e6


def _process_cpu(pids: Sequence[int]) -> float:
    """User + system seconds of the processes `pids`, from /proc (clock ticks)."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / TICKS


def _run(render: Callable[[], object], threads: int, seconds: float) -> tuple[int, float, list[float]]:
    """`threads` threads rendering for `seconds`: renders, wall seconds, latencies."""
    barrier = threading.Barrier(threads + 1)
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors: list[BaseException] = []

    def loop(mine: list[float]) -> None:
        barrier.wait()
        deadline = time.perf_counter() + seconds
        try:
            while True:
                start = time.perf_counter()
                render()
                end = time.perf_counter()
                mine.append(end - start)
                if end >= deadline:
                    return
        except BaseException as exc:  # reported by the caller, not lost in a thread
            errors.append(exc)

    workers = [threading.Thread(target=loop, args=(latencies[index],)) for index in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    start = time.perf_counter()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - start
    if errors:
        raise errors[0]
    flat = [value for values in latencies for value in values]
    return len(flat), wall, flat


def measure(
    targets: Mapping[str, tuple[Callable[[], object], int, Sequence[int]]],
    rounds: int,
    seconds: float,
    warm_seconds: float,
) -> dict[str, Load]:
    """Every target's `Load`. A target is (render, threads, worker pids to read CPU from)."""
    names = list(targets)
    for name in names:  # warm-up: compiled templates and components, specialised bytecode
        render, threads, _ = targets[name]
        _run(render, threads, warm_seconds)
    loads = {name: Load() for name in names}
    for index in range(rounds):
        for name in names[index % len(names) :] + names[: index % len(names)]:
            render, threads, pids = targets[name]
            python_before, workers_before = time.process_time(), _process_cpu(pids)
            renders, wall, latencies = _run(render, threads, seconds)
            load = loads[name]
            load.python_cpu += time.process_time() - python_before
            load.worker_cpu += _process_cpu(pids) - workers_before
            load.rates.append(renders / wall)
            load.latencies += latencies
            load.renders += renders
    return loads
