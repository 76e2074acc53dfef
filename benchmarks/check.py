"""`make bench-check`: fail on an instruction-count regression of Mizan's own hot path.

Wall time cannot gate CI on a shared machine; callgrind's instruction counts can, because
the same binaries retire the same instructions run after run. Every group module that has
a `check_counts()` contributes the counts of Mizan's own rows (never a competitor's), and
each is compared with benchmarks/baseline.json:

- more than 10 % above its baseline fails (a regression);
- more than 10 % below is reported, so the baseline can be lowered (`make bench-baseline`)
  and the gain kept;
- a count in one file but not the other fails: a benchmark was added or renamed without
  refreshing the baseline.

The counts depend on the interpreter build and the C libraries, which the baseline records
next to its numbers; a mismatch is printed above the comparison so a failure caused by a
different machine is recognisable as such.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks import _callgrind
from benchmarks._environment import environment
from benchmarks._timing import table

BASELINE = Path(__file__).resolve().parent / "baseline.json"
TOLERANCE = 0.10
# Group modules with a check_counts(); each runs its own callgrind children.
MODULES = ("core", "json_writer", "django_inprocess", "uploads", "fastapi_call", "ctx", "scale", "ws", "shapes", "ssr")
# Environment fields that change instruction counts when they differ.
ENVIRONMENT_KEYS = ("python", "build", "jansson", "hiredis", "openssl", "pydantic-core")


def collect(modules: tuple[str, ...] = MODULES) -> dict[str, float]:
    """Every module's check counts, two modules at a time (the callgrind children are
    single-threaded, and the machine has two cores)."""
    counters: list[Callable[[], dict[str, float]]] = []
    for name in modules:
        module = importlib.import_module(f"benchmarks.{name}")
        counters.append(module.check_counts)
    counts: dict[str, float] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for result in pool.map(lambda counter: counter(), counters):
            counts.update(result)
    return dict(sorted(counts.items()))


def compare(baseline: dict[str, float], current: dict[str, float]) -> tuple[list[list[str]], list[str]]:
    """Table rows for every count, and the failures."""
    rows, failures = [], []
    for name in sorted(baseline.keys() | current.keys()):
        if name not in current:
            failures.append(f"{name}: in the baseline but no longer measured")
            continue
        if name not in baseline:
            failures.append(f"{name}: measured but not in the baseline")
            continue
        change = current[name] / baseline[name] - 1
        if change > TOLERANCE:
            verdict = "REGRESSION"
            failures.append(f"{name}: {baseline[name]:,.0f} -> {current[name]:,.0f} Ir ({change:+.1%})")
        elif change < -TOLERANCE:
            verdict = "faster: lower the baseline"
        else:
            verdict = "ok"
        rows.append([name, f"{baseline[name]:,.0f}", f"{current[name]:,.0f}", f"{change:+.1%}", verdict])
    return rows, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="measure and write benchmarks/baseline.json")
    options = parser.parse_args(argv)
    missing = _callgrind.unavailable()
    if missing:
        print(f"bench-check: {missing}", file=sys.stderr)
        return 2
    here = environment()
    current = collect()
    if options.update:
        recorded = {key: here[key] for key in ENVIRONMENT_KEYS}
        BASELINE.write_text(json.dumps({"environment": recorded, "counts": current}, indent=1) + "\n")
        print(f"bench-check: wrote {len(current)} counts to {BASELINE.name}")
        return 0
    saved = json.loads(BASELINE.read_text())
    for key in ENVIRONMENT_KEYS:
        if saved["environment"].get(key) != here[key]:
            print(
                f"note: the baseline was measured with {key} {saved['environment'].get(key)!r}; this is {here[key]!r}"
            )
    rows, failures = compare(saved["counts"], current)
    print(f"instructions per op against benchmarks/{BASELINE.name} (fails above +{TOLERANCE:.0%})")
    print(table(["count", "baseline", "now", "change", "verdict"], rows))
    if failures:
        print("\nbench-check failed:\n  " + "\n  ".join(failures), file=sys.stderr)
        print("A real, intended cost: `make bench-baseline` and commit benchmarks/baseline.json.", file=sys.stderr)
        return 1
    print(f"\nbench-check: {len(rows)} counts within {TOLERANCE:.0%} of the baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
