"""Instructions per operation, counted by valgrind's callgrind on a stock CPython.

Wall time on a shared 2-core VM moves with its neighbours; the number of instructions an
operation retires does not, so the ratio benchmarks report both. Method: one Python
subprocess runs under `valgrind --tool=callgrind --dump-before=getppid`; it calls
`os.getppid()` as a marker, and callgrind writes one dump (its own total) per interval
between markers. For every operation the child runs

    warm-up (n ops)  | marker | n ops | marker | 2n ops | marker

and the Ir of an op is (Ir[2n] - Ir[n]) / n: the cost of entering and leaving an interval
(the marker call, the loop's set-up) cancels, and interpreter start-up and imports fall in
dumps that are never read. The warm-up leaves CPython's specialising interpreter and every
lazily built cache in their steady state before counting starts. A loop running `pass`
is measured the same way and its per-iteration Ir is subtracted, so a row is the op alone.

`getppid` is the marker because it is a plain libc symbol callgrind always sees, and nothing
a benchmark measures calls it. PYTHONHASHSEED is fixed (0) unless `env` sets it, so dict and
set layouts, and therefore the counts, repeat from run to run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = "getppid"
BASELINE = "pass"
TIMEOUT_SECONDS = 600
_TOTALS = re.compile(r"^(?:totals|summary):\s*(\d+)", re.MULTILINE)
_RECURSION = re.compile(r"'\d+$")  # callgrind's suffix for a recursion level: f'2 is f

# The child: run `setup` once, then every op as `warm-up | n | 2n` between markers. The
# GC stays off while counting (as in timeit) so a collection cannot land in one interval.
_CHILD = """
import gc, json, os, sys
ops, counts, setup = json.loads(sys.argv[1])
namespace = {"__name__": "__callgrind__"}
exec(compile(setup, "<setup>", "exec"), namespace)
for name, op in ops.items():
    body = "\\n".join("        " + line for line in op.splitlines())
    exec(compile(f"def _loop(_n):\\n    for _ in range(_n):\\n{body}\\n", f"<{name}>", "exec"), namespace)
    loop, n = namespace["_loop"], counts[name]
    gc.collect()
    gc.disable()
    loop(n)
    os.getppid()
    loop(n)
    os.getppid()
    loop(2 * n)
    os.getppid()
    gc.enable()
"""


def unavailable() -> str | None:
    """Why instruction counts cannot be taken here, or None when they can."""
    if shutil.which("valgrind") is None:
        return "valgrind is not installed; apt-get install valgrind"
    return None


def instructions_per_op(setup_code: str, op_code: str, n: int, env: Mapping[str, str] | None = None) -> float:
    """Ir (instructions executed) per run of the statement `op_code`, after `setup_code`
    has run in the same namespace, in a fresh interpreter with `env` added to the
    environment (e.g. MIZAN_PURE)."""
    return measure(setup_code, {"op": op_code}, n, env)["op"]


def measure(
    setup_code: str, ops: Mapping[str, str], n: int | Mapping[str, int], env: Mapping[str, str] | None = None
) -> dict[str, float]:
    """Ir per op of each statement in `ops` (name -> code), all in one interpreter under
    callgrind (start-up and imports are paid once). `n` is ops per interval, one count for
    all or one per name; callgrind is exact, so a few ops suffice even for short ones."""
    return measure_with_hot(setup_code, ops, n, env)[0]


def measure_with_hot(
    setup_code: str,
    ops: Mapping[str, str],
    n: int | Mapping[str, int],
    env: Mapping[str, str] | None = None,
    hot: Sequence[str] = (),
    limit: int = 10,
) -> tuple[dict[str, float], dict[str, list[tuple[float, str]]]]:
    """`measure`, plus the `hot_functions` of the ops named in `hot`, read from the same
    child's 2n dumps: when the set-up (Django, say) costs more than every op together,
    one child instead of one per hot op keeps a group inside its time budget."""
    if BASELINE in ops:
        raise ValueError(f"{BASELINE!r} is reserved for the empty loop")
    counts = {name: n[name] if isinstance(n, Mapping) else n for name in ops}
    plan = {BASELINE: "pass", **ops}
    counts[BASELINE] = max(counts.values(), default=1)
    functions: dict[str, list[tuple[float, str]]] = {}
    with tempfile.TemporaryDirectory(prefix="mizan-callgrind-") as scratch:
        parts = _run(setup_code, plan, counts, env, Path(scratch))
        totals = [_totals(part) for part in parts]
        for name in hot:
            costs = _self_costs(parts[3 * list(plan).index(name) + 2])  # the 2n interval
            ranked = sorted(costs.items(), key=lambda item: item[1], reverse=True)[:limit]
            functions[name] = [(cost / (2 * counts[name]), function) for function, cost in ranked]
    per_op: dict[str, float] = {}
    for index, name in enumerate(plan):
        once, twice = totals[3 * index + 1], totals[3 * index + 2]
        per_op[name] = (twice - once) / counts[name]
    loop = per_op.pop(BASELINE)
    return {name: value - loop for name, value in per_op.items()}, functions


def hot_functions(
    setup_code: str, op_code: str, n: int, env: Mapping[str, str] | None = None, limit: int = 10
) -> list[tuple[float, str]]:
    """The C functions where one run of `op_code` spends its instructions: (self Ir per
    op, "function (object)"), largest first. Read from the 2n interval, so it includes a
    loop iteration's few dozen Ir, and Python-level costs show as the interpreter's own
    functions (_PyEval_EvalFrameDefault, dict lookups, allocation)."""
    with tempfile.TemporaryDirectory(prefix="mizan-callgrind-") as scratch:
        parts = _run(setup_code, {"op": op_code}, {"op": n}, env, Path(scratch))
        costs = _self_costs(parts[2])
    ranked = sorted(costs.items(), key=lambda item: item[1], reverse=True)[:limit]
    return [(cost / (2 * n), name) for name, cost in ranked]


def _run(
    setup_code: str, plan: Mapping[str, str], counts: Mapping[str, int], env: Mapping[str, str] | None, scratch: Path
) -> list[Path]:
    """Run the child under callgrind; the dump files of its 3 intervals per op, in order."""
    reason = unavailable()
    if reason is not None:
        raise RuntimeError(reason)
    if min(counts.values(), default=1) < 1:
        raise ValueError("n must be at least 1")
    out = scratch / "callgrind.out"
    command = [
        "valgrind",
        "--tool=callgrind",
        f"--dump-before={MARKER}",
        f"--callgrind-out-file={out}",
        "--compress-strings=no",  # every dump names its functions in full (hot_functions)
        sys.executable,
        "-c",
        _CHILD,
        json.dumps([dict(plan), dict(counts), setup_code]),
    ]
    child_env = {"PYTHONHASHSEED": "0", **os.environ, **(env or {})}
    # The setup imports `benchmarks.*`: make the repository importable from any directory.
    child_env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), child_env.get("PYTHONPATH"))))
    result = subprocess.run(command, env=child_env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    if result.returncode != 0:
        tail = "\n".join(result.stderr.splitlines()[-15:])
        raise RuntimeError(f"the callgrind child failed (exit {result.returncode}):\n{tail}")
    # Dump k (1-based) is `<out>.k`, holding the cost since dump k-1; the rest is in `<out>`.
    parts = [out.with_name(f"{out.name}.{number}") for number in range(1, 3 * len(plan) + 1)]
    missing = next((index for index, path in enumerate(parts) if not path.exists()), None)
    if missing is not None:
        raise RuntimeError(
            f"callgrind wrote {missing} dumps, {len(parts)} expected: does this libc name its "
            f"{MARKER}() differently (check `nm -D` on libc)?"
        )
    return parts


def _totals(part: Path) -> int:
    match = _TOTALS.search(part.read_text(encoding="utf-8", errors="replace"))
    if match is None:
        raise RuntimeError(f"no totals line in {part.name}")
    return int(match.group(1))


def _self_costs(part: Path) -> dict[str, int]:
    """Self Ir per function of one dump (written with --compress-strings=no). In
    callgrind's format a cost line belongs to the current `fn=`, except the one right
    after `calls=`, which is the callee's inclusive cost."""
    costs: dict[str, int] = {}
    function, obj, after_call = "?", "?", False
    for line in part.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("ob="):
            obj = Path(line[3:]).name
        elif line.startswith("fn="):
            function = f"{_RECURSION.sub('', line[3:])} ({obj})"
        elif line.startswith("calls="):
            after_call = True
        elif line[:1].isdigit() or line[:1] in "+-*":
            fields = line.split()
            if not after_call and len(fields) > 1:
                costs[function] = costs.get(function, 0) + int(fields[1])
            after_call = False
    return costs


def side_by_side(
    processes: Sequence[str],
    count: Callable[[str], tuple[dict[str, float], dict[str, list[tuple[float, str]]]]],
) -> tuple[dict[str, dict[str, float]], dict[str, list[tuple[float, str]]]]:
    """`count(process)` for every process, two callgrind children at once (they are
    single-threaded and the machine has two cores): the counts by process, and every
    process's hot functions together."""
    counts: dict[str, dict[str, float]] = {}
    hot: dict[str, list[tuple[float, str]]] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for process, (measured, functions) in zip(processes, pool.map(count, processes), strict=True):
            counts[process] = measured
            hot.update(functions)
    return counts, hot
