"""The `redis_stall` group: a stalled Redis must not stall the process (issue 15, item 8).

`python -m benchmarks.redis_stall` runs the issue's scenario through a real endpoint: 16
client threads fetch a cached context (`GET /api/mizan/ctx/profile/?user_id=N`, 256 users,
every entry stored beforehand) through Django's WSGIHandler in-process, from a process whose
origin cache is a real redis-server on loopback (`MIZAN_CACHE_SOCKET_TIMEOUT = 0.5`). After
BEFORE seconds the server is frozen with SIGSTOP for STALL seconds, then thawed with SIGCONT,
and the clients go on for AFTER seconds. Scenarios, each in a fresh process with its own
redis-server, on the C extension and on the pure twins (MIZAN_PURE=1):

- `old`: one connection behind a lock, the build before the pool (commit OLD_REF, exported
  with `git archive` and compiled once into build/redis_stall/);
- `pool only`: 8 pooled connections, breaker off (`MIZAN_CACHE_FAILURE_COOLDOWN = 0`);
- `pool + breaker`: the defaults (pool of 8, 1 s cool-down);
- `uncached origin`: the cache off, the same timeline: the reference.

A request belongs to the stall when it overlaps it (started before the thaw, ended after the
freeze); the phase's requests/s counts the requests completed inside it. Each failed lookup
logs its warning, as in production, through a formatting handler writing to /dev/null (the
old build formats a traceback for each). Verdicts (the issue's aims): during the stall p99
<= 2x the socket timeout, and requests/s >= 0.5x the uncached origin's in the same window.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks import _ctx_redis
from benchmarks._ctx_plain import SECRET
from benchmarks._results import ROOT, Chart, Goal, Results, Table

OLD_REF = "e0e6ad1845c27e21371fa8c00783a6a2291d432e"  # the last commit with one locked connection
OLD_TREE = ROOT / "build" / "redis_stall" / f"old-{OLD_REF[:12]}"
THREADS = 16
USERS = 256
SOCKET_TIMEOUT = 0.5
PHASES = {"full": (3.0, 6.0, 4.0), "quick": (2.0, 3.0, 2.0)}  # before, stall, after (s)
BIN = 0.5  # seconds per point of the timeline chart
SCENARIOS: dict[str, dict[str, Any]] = {
    "old": {"MIZAN_CACHE_POOL_SIZE": 1, "MIZAN_CACHE_FAILURE_COOLDOWN": 0},  # ignored by the old build
    "pool only": {"MIZAN_CACHE_POOL_SIZE": 8, "MIZAN_CACHE_FAILURE_COOLDOWN": 0},
    "pool + breaker": {"MIZAN_CACHE_POOL_SIZE": 8, "MIZAN_CACHE_FAILURE_COOLDOWN": 1.0},
    "uncached origin": {},
}
NEW, ORIGIN = "pool + breaker", "uncached origin"


# --- the worker: one scenario in this process -----------------------------------------------


def _environ(user: int) -> dict[str, Any]:
    """benchmarks.ctx's GET environ, served by a multithreaded server. (Imported here: the
    module imports mizan, which the 'old' worker must take from the old tree.)"""
    from benchmarks.ctx import environ

    return {**environ("/api/mizan/ctx/profile/", {"user_id": str(user)}), "wsgi.multithread": True}


def _fetch(handler: Any, environ: dict[str, Any]) -> tuple[int, str | None]:
    """One GET through the WSGI handler: (status, X-Mizan-Cache)."""
    started: list[Any] = []
    response = handler(dict(environ), lambda status, headers, exc_info=None: started.append((status, headers)))
    try:
        b"".join(response)
    finally:
        response.close()
    status, headers = started[0]
    return int(status[:3]), dict(headers).get("X-Mizan-Cache")


class _Counted(logging.StreamHandler):  # type: ignore[type-arg]
    """Formats each record (traceback included) to /dev/null, and counts them."""

    def __init__(self) -> None:
        super().__init__(open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the process
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        super().emit(record)


def _setup(scenario: str, url: str) -> tuple[Any, _Counted]:
    """Django configured for `scenario` (the cache from MIZAN_* settings, as a project
    would), the contexts registered; the WSGI handler and the warning counter."""
    import django
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler

    from benchmarks.ctx import SETTINGS  # imports mizan: after the 'old' worker set sys.path

    cache_settings = {}
    if scenario != ORIGIN:
        cache_settings = {"MIZAN_CACHE_SECRET": SECRET, "MIZAN_CACHE_REDIS_URL": url, **SCENARIOS[scenario]}
        cache_settings["MIZAN_CACHE_SOCKET_TIMEOUT"] = SOCKET_TIMEOUT
    settings.configure(**SETTINGS, **cache_settings)
    django.setup()
    from benchmarks import _ctx_app
    from mizan.setup import mizan_module

    mizan_module(_ctx_app.__name__)
    counter = _Counted()
    logger = logging.getLogger("mizan")
    logger.addHandler(counter)
    logger.propagate = False
    return WSGIHandler(), counter


def _check_build(scenario: str) -> None:
    """Stop unless the scenario runs on the build it claims (old tree or this one)."""
    import mizan
    from mizan.core import _backend

    in_old = Path(mizan.__file__).resolve().is_relative_to(OLD_TREE.resolve())
    if in_old != (scenario == "old"):
        sys.exit(f"benchmarks.redis_stall: {scenario!r} imported mizan from {mizan.__file__}")
    has_pool = hasattr(_backend.RedisCache("redis://127.0.0.1:1"), "pool_size")
    if has_pool == (scenario == "old"):
        sys.exit(f"benchmarks.redis_stall: {scenario!r} runs a RedisCache {'with' if has_pool else 'without'} a pool")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _phase(
    records: list[tuple[float, float, int, str | None]], window: tuple[float, float], overlap: bool
) -> dict[str, Any]:
    """Requests/s completed inside `window`, and latencies of the requests in it: those
    overlapping it when `overlap`, else those started and ended in it."""
    low, high = window
    if overlap:
        chosen = [r for r in records if r[0] < high and r[1] > low]
    else:
        chosen = [r for r in records if r[0] >= low and r[1] <= high]
    latencies = [end - start for start, end, _, _ in chosen] or [math.nan]
    return {
        "rps": sum(1 for r in records if low <= r[1] < high) / (high - low),
        "count": len(chosen),
        "p50": _percentile(latencies, 0.50),
        "p99": _percentile(latencies, 0.99),
        "max": max(latencies),
        "hit": sum(1 for r in chosen if r[3] == "HIT") / max(1, len(chosen)),
        "errors": sum(1 for r in chosen if r[2] != 200),
    }


def _worker(scenario: str, timeline: tuple[float, float, float]) -> dict[str, Any]:
    before, stall, after = timeline
    with _ctx_redis.LocalRedis() as server:
        assert server.process is not None
        handler, counter = _setup(scenario, server.url)
        _check_build(scenario)
        environs = [_environ(user) for user in range(1, USERS + 1)]
        for environ in environs:
            _fetch(handler, environ)  # the MISS that stores each entry
        expected = None if scenario == ORIGIN else "HIT"
        if _fetch(handler, environs[0]) != (200, expected):
            sys.exit(f"benchmarks.redis_stall: {scenario!r} does not answer 200 {expected} before the stall")
        records: list[tuple[float, float, int, str | None]] = []
        barrier = threading.Barrier(THREADS + 1)
        start = time.perf_counter() + 0.05
        stop = start + before + stall + after

        def client(offset: int) -> None:
            mine = []
            barrier.wait()
            i = offset
            while (began := time.perf_counter()) < stop:
                status, label = _fetch(handler, environs[i % USERS])
                mine.append((began, time.perf_counter(), status, label))
                i += 7
            records.extend(mine)

        threads = [threading.Thread(target=client, args=(n * USERS // THREADS,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        barrier.wait()
        try:
            time.sleep(max(0.0, start + before - time.perf_counter()))
            frozen = time.perf_counter()
            os.kill(server.process.pid, signal.SIGSTOP)
            time.sleep(max(0.0, start + before + stall - time.perf_counter()))
        finally:
            os.kill(server.process.pid, signal.SIGCONT)
        thawed = time.perf_counter()
        for thread in threads:
            thread.join()
    counts = [0] * int((stop - start) / BIN)
    for _, end, _, _ in records:
        if 0 <= (slot := int((end - start) / BIN)) < len(counts):
            counts[slot] += 1
    from mizan.core import _backend

    return {
        "backend": _backend.BACKEND,
        "phases": {
            "before": _phase(records, (start, frozen), overlap=False),
            "during": _phase(records, (frozen, thawed), overlap=True),
            "after": _phase(records, (thawed, stop), overlap=False),
        },
        "warnings": counter.count,
        "slowest": max(end - began for began, end, _, _ in records),
        "timeline": [(round(i * BIN, 2), count / BIN) for i, count in enumerate(counts)],
        "stall_at": frozen - start,
        "thaw_at": thawed - start,
    }


# --- the parent: build, run every scenario, report ------------------------------------------


def _old_tree() -> str | None:
    """Export OLD_REF into OLD_TREE and compile it (once); None, or why it cannot run."""
    if any(OLD_TREE.glob("mizan/_speedups*.so")):
        return None
    if shutil.which("git") is None or subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", OLD_REF]).returncode:
        return f"old: commit {OLD_REF[:12]} is not in this checkout"
    shutil.rmtree(OLD_TREE, ignore_errors=True)
    OLD_TREE.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", OLD_REF], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(OLD_TREE)], input=archive, check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIZAN_")}
    print(f"benchmarks.redis_stall: compiling {OLD_REF[:12]} into {OLD_TREE.relative_to(ROOT)} (once)")
    build = [sys.executable, "setup.py", "-q", "build_ext", "--inplace"]
    subprocess.run(build, cwd=OLD_TREE, env=env, check=True, capture_output=True)
    return None


def _run(scenario: str, pure: bool, quick: bool) -> dict[str, Any]:
    env = dict(os.environ, MIZAN_PURE="1" if pure else "0")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [sys.executable, "-m", "benchmarks.redis_stall", "--worker", scenario]
    command += ["--quick"] if quick else []
    out = subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out)
    if result["backend"] != ("py" if pure else "c"):
        sys.exit(f"benchmarks.redis_stall: the {scenario!r} worker ran on {result['backend']}")
    return result


def _median_run(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The round whose requests/s during the stall is the median, with every phase's
    numbers replaced by their median over the rounds."""
    ordered = sorted(rounds, key=lambda run: run["phases"]["during"]["rps"])
    middle = dict(ordered[len(ordered) // 2])
    middle["phases"] = {
        phase: {key: statistics.median(run["phases"][phase][key] for run in rounds) for key in stats}
        for phase, stats in middle["phases"].items()
    }
    middle["warnings"] = statistics.median(run["warnings"] for run in rounds)
    middle["rounds"] = len(rounds)
    return middle


def _ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:,.0f}"


def _table(backend: str, runs: dict[str, dict[str, Any]]) -> Table:
    rows = []
    for scenario, run in runs.items():
        for phase, stats in run["phases"].items():
            cells = [f"{stats['rps']:,.0f}", _ms(stats["p50"]), _ms(stats["p99"]), _ms(stats["max"])]
            hit = "-" if scenario == ORIGIN else f"{stats['hit']:.0%}"
            rows.append([f"{scenario}: {phase}", *cells, hit, str(stats["errors"])])
    warned = ", ".join(f"{s}: {r['warnings']:,.0f}" for s, r in runs.items() if s != ORIGIN)
    rounds = next(iter(runs.values()))["rounds"]
    medians = f", medians of {rounds} rounds" if rounds > 1 else ""
    return Table(
        f"{backend}: requests/s and latency per phase ({THREADS} threads, socket timeout {SOCKET_TIMEOUT} s{medians})",
        ["scenario: phase", "req/s", "p50 ms", "p99 ms", "max ms", "HIT", "non-200"],
        rows,
        f"Cache warnings logged: {warned}.",
    )


def _goals(backend: str, runs: dict[str, dict[str, Any]], stall: float) -> list[Goal]:
    if NEW not in runs or ORIGIN not in runs:
        return []
    during, origin = runs[NEW]["phases"]["during"], runs[ORIGIN]["phases"]["during"]
    bound, share = 2 * SOCKET_TIMEOUT, during["rps"] / origin["rps"]
    return [
        Goal(
            f"I15.8 p99 ({backend})",
            f"p99 during a {stall:.0f} s Redis stall <= 2x the socket timeout ({bound * 1000:.0f} ms)",
            f"{_ms(during['p99'])} ms (slowest {_ms(during['max'])} ms)",
            during["p99"] <= bound,
        ),
        Goal(
            f"I15.8 req/s ({backend})",
            "requests/s during the stall >= 0.5x the uncached origin's",
            f"{during['rps']:,.0f} against {origin['rps']:,.0f} ({share:.2f}x)",
            share >= 0.5,
        ),
    ]


def _method(timeline: tuple[float, float, float]) -> str:
    """The module docstring's account of the run, with this run's phase lengths."""
    text = (__doc__ or "").split("\n\n", 1)[1].strip()
    for name, seconds in zip(("BEFORE", "STALL", "AFTER"), timeline, strict=True):
        text = text.replace(name, f"{seconds:.0f}")
    return text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 3 s stall instead of 6 s")
    parser.add_argument("--no-old", action="store_true", help="skip the old build (no compile)")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each scenario; medians are reported")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    timeline = PHASES["quick" if options.quick else "full"]
    if options.worker is not None:
        if options.worker == "old":
            sys.path.insert(0, str(OLD_TREE))  # before anything imports mizan
        print(json.dumps(_worker(options.worker, timeline)))
        return
    if os.environ.get("MIZAN_PURE") == "1":
        sys.exit("benchmarks.redis_stall: run without MIZAN_PURE=1 (the pure runs are subprocesses)")
    reason = _ctx_redis.unavailable()
    if reason is not None:
        sys.exit(f"benchmarks.redis_stall: {reason}")
    skipped = ["old: --no-old given"] if options.no_old else []
    if not options.no_old and (why := _old_tree()) is not None:
        skipped.append(why)
    scenarios = [s for s in SCENARIOS if s != "old" or not skipped]
    runs: dict[str, dict[str, dict[str, Any]]] = {}
    for pure, backend in ((False, "C"), (True, "pure")):
        rounds: dict[str, list[dict[str, Any]]] = {scenario: [] for scenario in scenarios}
        for index in range(options.rounds):
            # Each round starts at the next scenario, so drift on a shared machine does not
            # always land on the same one.
            for scenario in scenarios[index % len(scenarios) :] + scenarios[: index % len(scenarios)]:
                print(f"==> {backend}: {scenario} (round {index + 1} of {options.rounds})", file=sys.stderr)
                rounds[scenario].append(_run(scenario, pure, options.quick))
        runs[backend] = {scenario: _median_run(rounds[scenario]) for scenario in scenarios}
    stall = timeline[1]
    results = Results(
        group="redis",
        module="redis_stall",
        title=f"a {stall:.0f} s Redis stall under {THREADS} threads: one locked connection, the pool, the breaker",
        method=_method(timeline),
        tables=[_table(backend, scenario_runs) for backend, scenario_runs in runs.items()],
        charts=[
            Chart(
                "redis_stall_timeline",
                f"C: requests completed per second, Redis frozen from {runs['C'][NEW]['stall_at']:.0f} s "
                f"to {runs['C'][NEW]['thaw_at']:.0f} s",
                "line",
                "requests/s",
                {scenario: run["timeline"] for scenario, run in runs["C"].items()},
                xlabel="seconds",
            )
        ],
        goals=[goal for backend, scenario_runs in runs.items() for goal in _goals(backend, scenario_runs, stall)],
        skipped=skipped,
    )
    results.emit()


if __name__ == "__main__":
    main()
