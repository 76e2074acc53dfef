"""The `scale` group: how Mizan's costs grow with the size of what it serves.

`python -m benchmarks.scale` measures three families of curves, on the C extension and,
where a point is cheap enough, on the pure-Python twins:

- registered functions, 10 → 100 → 1,000 → 10,000 (one context per 10 functions): the
  cost of one `/call/` through the core executor (`call_pipeline` driven by `run_sync`, as
  benchmarks.core's `executor_core()` runs it) must stay flat; registering one more
  function (`@client` on a new function, then `registry.register()`) must cost the same
  at every size, so that registration as a whole is linear; IR emission (`build_ir()` as
  `manage.py export_mizan_ir` runs it: the model walk with the registry's derived views
  cold, then the KDL writer) must be linear, and its size in bytes is reported;
- context members, 1 → 5 → 20 → 50: a context fetch through the origin cache (memory
  backend) that MISSes (execute every member, encode, store) must be linear in members, a
  HIT (stored bytes returned as they are) flat;
- payload, ~100 B → 1 KB → 10 KB → 100 KB → 1 MB: the response writer (`encode_json` C and
  pure, `json.dumps` for reference), `/call/` of a function returning that payload, and
  the request parser (`parse_call` C and pure, `json.loads` for reference) on a body
  carrying it: all linear in bytes.

Every alternative is checked first to answer the same bytes (IR text, bundles, envelopes,
parsed calls). Each point is measured by wall time (medians of interleaved rounds) and,
where affordable, by callgrind (instructions per op; the IR beyond 100 functions and the
largest payloads are left to wall time, since callgrind runs ~50x slower). A curve is
judged by benchmarks/_scale_curves.py: flat = cost at the largest size within 1.10x (Ir)
/ 1.25x (wall) of the smallest; linear = the log-log slope between the two largest sizes
at most 1.15 (Ir) / 1.35 (wall); instruction counts decide where they reach the largest
size, wall time must agree beyond it. The goals S1..S4 gather the curves of Mizan's own
rows (json.dumps and json.loads are references).
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NoReturn

from benchmarks import _callgrind
from benchmarks import _scale_fixture as fx
from benchmarks._scale_curves import (
    CALL_C,
    CALL_PY,
    CALLP_C,
    CALLP_PY,
    DECORATE,
    DUMPS,
    ENC_C,
    ENC_PY,
    HIT_C,
    HIT_PY,
    LOADS,
    MISS_C,
    MISS_PY,
    PARSE_C,
    PARSE_PY,
    REGISTER,
    WALK,
    WRITE_C,
    WRITE_PY,
    Curve,
    Series,
)
from benchmarks._scale_results import build
from benchmarks._timing import interleaved, run_worker

ROUNDS = 7
QUICK_ROUNDS = 3
IR_ONCE = 10_000  # from this many functions the IR is walked once (a walk takes seconds)
SETUP = "from benchmarks._scale_fixture import namespace\nglobals().update(namespace())\n"
STAGE_CHECK = "stage check"

# Callgrind runs ~50x slower than the machine, so the points it would take longest to
# count are left to wall time: the IR walk (~0.35 M Ir per function, 1.4 G Ir for the
# four walks of 1,000 functions: check_counts() counts that one) and both KDL writers up
# to 100 functions; payloads up to the size below, with about OP_BYTES bytes' worth of
# ops per interval (at least 1: callgrind is exact).
CALLGRIND_IR_MAX = 100
_10KB, _100KB, _1MB = 12_000, 120_000, 1_100_000  # a little over each payload's size
CALLGRIND_BYTES_MAX = {ENC_C: _1MB, CALLP_C: _1MB, PARSE_C: _100KB}
CALLGRIND_BYTES_MAX |= {ENC_PY: _10KB, CALLP_PY: _10KB, PARSE_PY: _10KB, DUMPS: _10KB, LOADS: _10KB}
CALLGRIND_OP_BYTES = {ENC_C: 50_000, CALLP_C: 50_000, PARSE_C: 10_000, DUMPS: 10_000, LOADS: 10_000}
CALLGRIND_OP_BYTES |= {ENC_PY: 2_000, CALLP_PY: 2_000, PARSE_PY: 2_000}


# --- the statements ---------------------------------------------------------------------


def _ops(curve: Curve, size: float, high: int) -> int:
    """Ops per callgrind interval for a payload statement: about OP_BYTES bytes' worth, at
    most `high`, and at least 2 below ~50 KB, where one op is too short to drown a one-off
    event (an arena or heap-top change) landing in one interval but not the other."""
    return max(1 if size > 50_000 else 2, min(high, CALLGRIND_OP_BYTES[curve] // int(size)))


def _payload_statements() -> dict[Curve, dict[int, str]]:
    """Statements of the bytes curves by size; the payloads and bodies are bound to names
    (P<records>, B<records>, CB<records>), so no lookup is counted with them."""
    out: dict[Curve, dict[int, str]] = defaultdict(dict)
    for records in fx.PAYLOAD_RECORDS:
        size, body = fx.payload_bytes(records), fx.body_bytes(records)
        out[ENC_C][size] = f"c.encode_json(P{records}, None)"
        out[ENC_PY][size] = f"py.encode_json(P{records}, None)"
        out[DUMPS][size] = f"json.dumps(P{records}, sort_keys=True, separators=(',', ':'), ensure_ascii=False).encode()"
        out[PARSE_C][body] = f"c.parse_call(B{records}, MAX_BODY, MAX_DEPTH)"
        out[PARSE_PY][body] = f"py.parse_call(B{records}, MAX_BODY, MAX_DEPTH)"
        out[LOADS][body] = f"json.loads(B{records})"
        out[CALLP_C][size] = f"call(CB{records})"
        out[CALLP_PY][size] = f"call(CB{records})"
    return out


def _setup() -> str:
    names = "".join(
        f"P{k} = payload({k})\nB{k} = request_body({k})\nCB{k} = payload_call_body({k})\n" for k in fx.PAYLOAD_RECORDS
    )
    return SETUP + names


def _member_statements() -> dict[Curve, dict[int, str]]:
    out: dict[Curve, dict[int, str]] = defaultdict(dict)
    for members in fx.MEMBER_COUNTS:
        context = fx.members_context(members)
        for miss, hit in ((MISS_C, HIT_C), (MISS_PY, HIT_PY)):
            out[miss][members] = f"fetch({context!r}, miss_query())"
            out[hit][members] = f"fetch({context!r}, hit_query())"
    return out


def _function_statements(count: int) -> dict[Curve, str]:
    return {
        CALL_C: "call(CALL_BODY)",
        CALL_PY: "call(CALL_BODY)",
        WALK: "export_tree()",
        WRITE_C: f"write_ir(c.write_kdl, tree_of({count}))",
        WRITE_PY: f"write_ir(py.write_kdl, tree_of({count}))",
        DECORATE: "decorate_new()",
        REGISTER: "register_next()",
    }


Plan = dict[str, tuple[Curve, float, str, int, bool]]  # key -> (curve, size, statement, ops, staged)


def _plans() -> tuple[Plan, Plan]:
    """What the two callgrind children count, in order, balanced to take about as long:
    the C-backend child (C-backend rows, registration, the writer statements) and the
    MIZAN_PURE=1 child (pure-backend rows, the parser statements, the IR). Each fills a
    registry of 10,000 functions. The writer and parser statements name their
    implementation, so either child can count them; the IR walk is the same Python on
    either backend."""
    c_plan: Plan = {}
    py_plan: Plan = {}
    members, payloads = _member_statements(), _payload_statements()

    def add(plan: Plan, curve: Curve, size: float, statement: str, ops: int, stage: str | None) -> None:
        text = fx.guarded(stage, statement) if stage else statement
        plan[f"{curve.series}|{size}"] = (curve, size, text, ops, stage is not None)

    for plan, pure in ((c_plan, False), (py_plan, True)):
        miss, hit, callp = (MISS_PY, HIT_PY, CALLP_PY) if pure else (MISS_C, HIT_C, CALLP_C)
        for curve in (miss, hit):
            for size, statement in members[curve].items():
                add(plan, curve, size, statement, (5 if pure else 10) * (2 if curve is hit else 1), fx.FIXED)
        for size, statement in payloads[callp].items():
            if size <= CALLGRIND_BYTES_MAX[callp]:
                add(plan, callp, size, statement, _ops(callp, size, 50), fx.FIXED)
        plan[STAGE_CHECK] = (CALL_C, 0, fx.guarded(fx.FIXED, "pass"), 100, False)
    for plan, curves in ((c_plan, (ENC_C, ENC_PY, DUMPS)), (py_plan, (PARSE_C, PARSE_PY, LOADS))):
        for curve in curves:
            for size, statement in payloads[curve].items():
                if size <= CALLGRIND_BYTES_MAX[curve]:
                    add(plan, curve, size, statement, _ops(curve, size, 200), None)
    for count in fx.FUNCTION_COUNTS:
        stage = fx.functions_stage(count)
        statements = _function_statements(count)
        add(c_plan, CALL_C, count, statements[CALL_C], 20, stage)
        add(c_plan, DECORATE, count, statements[DECORATE], 2, stage)
        add(c_plan, REGISTER, count, statements[REGISTER], 2, stage)  # 4 x 2 ops = fx.POOL
        add(py_plan, CALL_PY, count, statements[CALL_PY], 10, stage)
        if count <= CALLGRIND_IR_MAX:
            add(py_plan, WALK, count, statements[WALK], 2 if count <= 10 else 1, stage)
            add(py_plan, WRITE_C, count, statements[WRITE_C], max(2, 100 // count), stage)
            add(py_plan, WRITE_PY, count, statements[WRITE_PY], 1, stage)
    return c_plan, py_plan


def _count(plan: Plan, pure: bool) -> Series:
    """Run one callgrind child over `plan`; staged rows have the guard's cost taken out."""
    ops = {key: text for key, (_, _, text, _, _) in plan.items()}
    counts = {key: n for key, (_, _, _, n, _) in plan.items()}
    measured = _callgrind.measure(_setup(), ops, counts, {"MIZAN_PURE": "1" if pure else "0"})
    guard = measured.pop(STAGE_CHECK)
    out: Series = defaultdict(dict)
    for key, value in measured.items():
        curve, size, _, _, staged = plan[key]
        out[curve.series][size] = value - guard if staged else value
    return out


def _instructions() -> Series:
    c_plan, py_plan = _plans()
    with ThreadPoolExecutor(max_workers=2) as pool:
        parts = list(pool.map(lambda args: _count(*args), ((c_plan, False), (py_plan, True))))
    return {series: dict(values) for part in parts for series, values in part.items()}


# --- wall time ----------------------------------------------------------------------------


def _compile(ns: dict[str, Any], statement: str) -> Callable[[], Any]:
    fn: Callable[[], Any] = eval(f"lambda: {statement}", ns)  # the statement callgrind counts
    return fn


def _namespace() -> dict[str, Any]:
    ns = fx.namespace()
    exec(_setup().removeprefix(SETUP), ns)
    return ns


def _per_call(fn: Callable[[], Any], number: int) -> float:
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        return (time.perf_counter() - start) / number
    finally:
        if enabled:
            gc.enable()


def _calibrate(fn: Callable[[], Any], seconds: float = 0.01) -> int:
    """Calls per batch so that a batch takes about `seconds` (1 for slow calls)."""
    number = 1
    while True:
        elapsed = _per_call(fn, number) * number
        if elapsed >= seconds / 4:
            return max(1, round(number * seconds / elapsed))
        number *= 2


def _wall_functions(ns: dict[str, Any], rounds: int, pure: bool) -> tuple[Series, dict[int, int]]:
    """Medians per registry size, the sizes visited in rotating order every round (the
    registry is refilled at each visit, outside the timed batches); also the IR's bytes."""
    samples: dict[str, dict[float, list[float]]] = defaultdict(lambda: defaultdict(list))
    numbers: dict[tuple[str, int], int] = {}
    ir_bytes: dict[int, int] = {}
    counts = fx.FUNCTION_COUNTS
    call = _compile(ns, "call(CALL_BODY)")

    def sample(curve: Curve, count: int, fn: Callable[[], Any]) -> None:
        key = (curve.series, count)
        if key not in numbers:
            numbers[key] = _calibrate(fn)
        samples[curve.series][count].append(_per_call(fn, numbers[key]))

    for index in range(rounds):
        shift = index % len(counts)
        for count in counts[shift:] + counts[:shift]:
            fx.enter(fx.functions_stage(count))
            _check_call(f"{count} functions")  # and warms the caches the refill dropped
            sample(CALL_PY if pure else CALL_C, count, call)
            if pure:
                continue
            if count < IR_ONCE or index == 0:
                start = time.perf_counter()
                tree = fx.export_tree()
                samples[WALK.series][count].append(time.perf_counter() - start)
                if index == 0:
                    ir_bytes[count] = _check_ir(tree, count)
                sample(WRITE_C, count, functools.partial(fx.write_ir, ns["c"].write_kdl, tree))
                sample(WRITE_PY, count, functools.partial(fx.write_ir, ns["py"].write_kdl, tree))
            samples[DECORATE.series][count].append(_per_call(fx.decorate_new, fx.POOL))
            samples[REGISTER.series][count].append(_per_call(fx.register_next, fx.POOL))
    return {
        series: {size: statistics.median(v) for size, v in by_size.items()} for series, by_size in samples.items()
    }, ir_bytes


def _wall_fixed(ns: dict[str, Any], rounds: int, pure: bool) -> Series:
    """The members and bytes curves, each family in one set of interleaved rounds."""
    fx.enter(fx.FIXED)
    members, payloads = _member_statements(), _payload_statements()
    if pure:
        families = [[MISS_PY, HIT_PY], [CALLP_PY]]
    else:
        families = [[MISS_C, HIT_C], [ENC_C, ENC_PY, DUMPS], [PARSE_C, PARSE_PY, LOADS], [CALLP_C]]
    out: Series = {}
    for family in families:
        fns: dict[tuple[str, float], Callable[[], Any]] = {}
        for curve in family:
            for size, statement in (members.get(curve) or payloads[curve]).items():
                fns[(curve.series, size)] = _compile(ns, statement)
        keyed = {f"{series}|{size}": fn for (series, size), fn in fns.items()}
        medians = interleaved(keyed, rounds)
        for series, point in fns:
            out.setdefault(series, {})[point] = medians[f"{series}|{point}"]
    return out


# --- checks: every alternative answers the same -------------------------------------------


def _fail(message: str) -> NoReturn:
    sys.exit(f"benchmarks.scale: {message}")


def _check_call(where: str) -> None:
    response = fx.call(fx.CALL_BODY)
    got = (response.body, response.headers.get("X-Mizan-Invalidate"))
    if response.status != 200 or got != fx.expected_call():
        _fail(f"/call/ with {where} answered {response.status} {got!r}, not {fx.expected_call()!r}")


def _check_ir(tree: list[Any], count: int) -> int:
    from mizan import _speedups as c
    from mizan.core import _py as py

    text = fx.write_ir(c.write_kdl, tree)
    if text != fx.write_ir(py.write_kdl, tree):
        _fail(f"the C and pure KDL writers differ on the IR of {count} functions")
    if text.count('\nfunction "') != count:
        _fail(f"the IR of {count} functions does not hold {count} function nodes")
    return len(text.encode())


def _check_fixed(ns: dict[str, Any], pure: bool) -> None:
    """Bundles (MISS, then HIT, same bytes), envelopes, encodings and parsed calls."""
    fx.enter(fx.FIXED)
    for members in fx.MEMBER_COUNTS:
        context = fx.members_context(members)
        for query, status in ((fx.hit_query(), "MISS"), (fx.hit_query(), "HIT"), (fx.miss_query(), "MISS")):
            response = fx.fetch(context, query)
            expected = fx.expected_bundle(members, query["user_id"])
            if (response.status, response.headers.get("X-Mizan-Cache"), response.body) != (200, status, expected):
                _fail(f"GET /ctx/{context}/ answered {response.status} {response.headers} {response.body[:80]!r}")
    for records in fx.PAYLOAD_RECORDS:
        data, body = fx.payload(records), fx.request_body(records)
        expected = fx.canonical(data)
        response = fx.call(fx.payload_call_body(records))
        if response.status != 200 or response.body != b'{"result":' + expected + b"}":
            _fail(f"/call/ returning {records} records answered {response.status} {response.body[:80]!r}")
        if pure:
            continue
        for implementation in (ns["c"], ns["py"]):
            if bytes(implementation.encode_json(data, None)) != expected:
                _fail(f"{implementation.__name__}.encode_json differs from json.dumps on {records} records")
            parsed = json.loads(body)
            if implementation.parse_call(body, fx.MAX_BODY, fx.MAX_DEPTH) != (parsed["fn"], parsed["args"]):
                _fail(f"{implementation.__name__}.parse_call differs from json.loads on {records} records")


def _worker(rounds: int) -> dict[str, Any]:
    """The pure-backend rows (the executor's backend is fixed at import): checked, timed."""
    from mizan.core import _backend

    ns = _namespace()
    _check_fixed(ns, True)
    wall = _wall_fixed(ns, rounds, True)
    functions, _ = _wall_functions(ns, rounds, True)
    return {"backend": _backend.BACKEND, "wall": {**wall, **functions}}


def check_counts() -> dict[str, float]:
    """Ir of one /call/ with 10,000 registered functions, IR emission for 1,000 functions
    and encode_json of the ~100 KB payload, all on the C extension, for `make bench-check`."""
    records = fx.PAYLOAD_RECORDS[-2]
    small, large = fx.functions_stage(1_000), fx.functions_stage(10_000)
    statements = _function_statements(1_000)
    ops = {
        "walk": fx.guarded(small, statements[WALK]),
        "write": fx.guarded(small, statements[WRITE_C]),
        STAGE_CHECK: fx.guarded(small, "pass"),
        "call": fx.guarded(large, statements[CALL_C]),
        "encode": f"c.encode_json(P{records}, None)",
    }
    counts = {"walk": 1, "write": 1, STAGE_CHECK: 100, "call": 20, "encode": 2}
    measured = _callgrind.measure(_setup(), ops, counts, {"MIZAN_PURE": "0"})
    guard = measured[STAGE_CHECK]
    return {
        "scale: IR emission (walk + C writer), 1,000 functions": measured["walk"] + measured["write"] - 2 * guard,
        "scale: /call/ (C) with 10,000 registered functions": measured["call"] - guard,
        f"scale: encode_json (C), {fx.payload_bytes(records):,} B payload": measured["encode"],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", "--repeat", type=int, default=ROUNDS, help=f"timing rounds (default {ROUNDS})")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROUNDS} rounds (development)")
    parser.add_argument("--no-callgrind", action="store_true", help="wall time only")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    rounds = QUICK_ROUNDS if options.quick else options.rounds
    if options.worker:
        print(json.dumps(_worker(rounds)))
        return
    from mizan.core import _backend

    if _backend.BACKEND != "c":
        _fail("run without MIZAN_PURE=1 (the pure rows run in a subprocess)")
    ns = _namespace()
    _check_fixed(ns, False)
    wall = _wall_fixed(ns, rounds, False)
    functions, ir_bytes = _wall_functions(ns, rounds, False)
    worker = run_worker("benchmarks.scale", True, rounds)
    if worker["backend"] != "py":
        _fail(f"the pure worker ran on {worker['backend']}")
    wall.update(functions)
    wall.update({series: {float(k): v for k, v in values.items()} for series, values in worker["wall"].items()})
    skipped = "--no-callgrind given" if options.no_callgrind else _callgrind.unavailable()
    ir = _instructions() if skipped is None else None
    build(ir, wall, ir_bytes, rounds, skipped).emit()


if __name__ == "__main__":
    main()
