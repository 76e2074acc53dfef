"""The `core` group: every C entry point against its twin, and the whole `/call/` core
against the same work done by hand with Pydantic and a JSON library.

`python -m benchmarks.core` prints three tables:

1. each entry point of `mizan/_speedups.pyi`, C against its pure-Python twin, on the data of
   one typical call (six parameters, a mutation invalidating the `user` context). The
   registration-time ones (`compile_params`, `compile_invalidation`) are marked; `RedisCache`
   is left out (it needs a server: benchmarks.ctx); `hmac.new(...).hexdigest()` of
   the same key message is the Python reference of aim G6.
2. the `/call/` core for that call: parse, validate, call a trivial function, resolve the
   invalidation, encode the envelope, format `X-Mizan-Invalidate`. Mizan as the entry points
   composed (C, then the twins), Mizan's real pipeline (`executor.call_pipeline` through
   `run_sync`: registry, guard, MizanResponse), a hand-written Pydantic v2 + `json.dumps`
   reference, and the same glue on orjson. All must answer the same body and header.
3. where the real pipeline on the C backend spends its instructions (self cost per C function).

Wall time: medians of interleaved rounds (A/B per entry point, all variants together for
the core). Instructions: callgrind Ir per op (benchmarks/_callgrind.py). The executor's
backend is fixed at import, so its pure row runs in a subprocess.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import hmac
import importlib
import json
import sys
from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel

from benchmarks import _callgrind
from benchmarks._results import Chart, Goal, Results, Table, instructions, times
from benchmarks._timing import interleaved, micros, run_worker


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


orjson: Any = _optional("orjson")  # None: its rows are left out, and the run says so

BODY = (
    b'{"fn":"update_profile","args":{"user_id":5,"name":"Ada Lovelace",'
    b'"tags":["admin","beta"],"notify":true,"tier":"pro"}}'
)
MAX_BODY = 2_621_440  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE default
MAX_DEPTH = 64
SECRET = "benchmark-cache-secret-of-at-least-32-bytes"
ROUNDS = 15
# Ops per callgrind interval: fixed, not taken from wall time, so every run counts the same
# ops after the same heap history and repeats its Ir exactly. Fewer for pure-Python rows.
CALLGRIND_OPS = 100
CALLGRIND_OPS_PURE = 10
# Issue 8 aims. G1: the core (user function excluded) >= 4x fewer Ir than the Pydantic
# reference and no more than the orjson glue. G6: a cache key <= 5k Ir, >= 5x Python's.
AIM_CORE_VS_PYDANTIC = 4.0
AIM_CACHE_KEY_IR = 5_000
AIM_CACHE_KEY_VS_PYTHON = 5.0


def user_profile(request: Any, user_id: int) -> dict[str, Any]:
    """The `user` context's member: it gives the context its `user_id` param (never called)."""
    return {"id": user_id}


def update_profile(
    request: Any,
    user_id: int,
    name: str,
    tags: list[str],
    notify: bool = False,
    tier: Literal["free", "pro"] = "free",
    nickname: str | None = None,
) -> dict[str, Any]:
    """The trivial user function: its arguments back, as a model dump would give them."""
    return {"id": user_id, "name": name, "nickname": nickname, "notify": notify, "tags": tags, "tier": tier}


FUNCTIONS: dict[str, Callable[..., Any]] = {"update_profile": update_profile}
# affects=ReactContext("user"), whose param is user_id: what rules.plan_for compiles.
TARGETS = (("user", None, ("user_id",)),)


# --- the hand-written reference (Pydantic v2 + a JSON library) ---------------------------


class UpdateProfileArgs(BaseModel):
    user_id: int
    name: str
    tags: list[str]
    notify: bool = False
    tier: Literal["free", "pro"] = "free"
    nickname: str | None = None


def _reference_result(data: Any) -> tuple[dict[str, Any], str]:
    """What the reference does between decoding and encoding: check the body, validate,
    call, and name the invalidated context as Mizan would (envelope entry and header)."""
    if not isinstance(data, dict) or not isinstance(data.get("fn"), str) or data["fn"] not in FUNCTIONS:
        raise ValueError("bad request")
    args = UpdateProfileArgs.model_validate(data.get("args") or {})
    result = FUNCTIONS[data["fn"]](None, **dict(args))
    params = {"user_id": args.user_id} if "user_id" in args.model_fields_set else {}
    entry: Any = {"context": "user", "params": params} if params else "user"
    scope = "".join(f";{quote(key, safe='')}={quote(str(value), safe='')}" for key, value in sorted(params.items()))
    return {"invalidate": [entry], "result": result}, "user" + scope


def reference_stdlib(body: bytes) -> tuple[bytes, str]:
    envelope, header = _reference_result(json.loads(body))
    return json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(), header


def reference_orjson(body: bytes) -> tuple[bytes, str]:
    envelope, header = _reference_result(orjson.loads(body))
    return orjson.dumps(envelope, option=orjson.OPT_SORT_KEYS), header


# --- Mizan: the entry points composed as executor.execute_pipeline composes them ---------


def mizan_core(impl: Any, spec: Any, plan: Any, default: Any, body: bytes) -> tuple[bytes, str | None]:
    name, args = impl.parse_call(body, MAX_BODY, MAX_DEPTH)
    bound, supplied = impl.validate_args(spec, args)
    result = FUNCTIONS[name](None, **bound)
    invalidate, merge = impl.resolve_invalidation(plan, bound, supplied, result, default)
    envelope: dict[str, Any] = {"result": result}
    if invalidate:
        envelope["invalidate"] = invalidate
    if merge:
        envelope["merge"] = merge
    header = impl.format_invalidate_header(invalidate) if invalidate else None
    return impl.encode_json(envelope, default), header


def executor_core() -> Callable[[bytes], tuple[bytes, str | None]]:
    """Mizan's real `/call/` pipeline after the adapter, on the backend `_backend` chose
    (imported here: MIZAN_PURE is read when mizan is first imported)."""
    from mizan.core.executor import HEADER_INVALIDATE, call_pipeline, run_sync
    from mizan.core.settings import MizanSettings

    settings = MizanSettings(max_body_bytes=MAX_BODY, max_depth=MAX_DEPTH)

    def call(body: bytes) -> tuple[bytes, str | None]:
        response = run_sync(call_pipeline(None, body, settings), _no_awaitables)
        return response.body, response.headers.get(HEADER_INVALIDATE)

    return call


def _no_awaitables(awaitable: Any) -> Any:
    raise RuntimeError("update_profile is sync")


def keyed_hexdigest(keyed: Any, message: bytes) -> str:
    """HMAC from a keyed object prepared once: the cheapest HMAC hashlib offers."""
    mac = keyed.copy()
    mac.update(message)
    digest: str = mac.hexdigest()
    return digest


# --- the statements measured ---------------------------------------------------------------

# Per entry point, `{m}` is `c` (mizan._speedups) or `py` (mizan.core._py); names in caps
# and `{m}_*` come from namespace().
ENTRY_POINTS = {
    "parse_call": "{m}.parse_call(BODY, MAX_BODY, MAX_DEPTH)",
    "parse_json": "{m}.parse_json(BODY, MAX_BODY, MAX_DEPTH)",
    "validate_args": "{m}.validate_args({m}_spec, ARGS)",
    "resolve_invalidation": "{m}.resolve_invalidation({m}_plan, BOUND, SUPPLIED, RESULT, to_jsonable_python)",
    "encode_json (envelope)": "{m}.encode_json(ENVELOPE, to_jsonable_python)",
    "format_invalidate_header": "{m}.format_invalidate_header(INVALIDATE)",
    "parse_invalidate_header": "{m}.parse_invalidate_header(HEADER)",
    "normalize_value (list)": "{m}.normalize_value(ARGS['tags'], None)",
    "cache_key_message": "{m}.cache_key_message('user', KEY_PARAMS, 42, 1)",
    "derive_cache_key": "{m}.derive_cache_key(SECRET, 'user', KEY_PARAMS, 42, 1)",
    "generation_key": "{m}.generation_key(SECRET, 'user', 'user_id', 5)",
    "MemoryCache.set": "{m}_cache.set('ctx:user:1', RESPONSE)",
    "MemoryCache.get": "{m}_cache.get('ctx:user:1')",
    "write_kdl (1 function)": "{m}.write_kdl(KDL)",
    "compile_params (registration)": "{m}.compile_params(SPEC_ENTRIES)",
    "compile_invalidation (registration)": "{m}.compile_invalidation(TARGETS, ())",
}
# Library calls alone, no Mizan code: what parse_call and the cache keys sit on top of.
REFERENCES = {
    "json.loads(body)": "json.loads(BODY)",
    "orjson.loads(body)": "orjson.loads(BODY)",
    "hmac.new(key, message, sha256).hexdigest()": "hmac.new(SECRET_BYTES, KEY_MESSAGE, hashlib.sha256).hexdigest()",
    "pre-keyed hmac: copy, update, hexdigest": "keyed_hexdigest(KEYED_HMAC, KEY_MESSAGE)",
    "hashlib.sha256(message).hexdigest()": "hashlib.sha256(KEY_MESSAGE).hexdigest()",
}
CORES = {
    "Mizan C (entry points)": "mizan_core(c, c_spec, c_plan, to_jsonable_python, BODY)",
    "Mizan pure (entry points)": "mizan_core(py, py_spec, py_plan, to_jsonable_python, BODY)",
    "Mizan executor (C)": "executor(BODY)",  # on C; PURE_EXECUTOR is the same in a subprocess
    "Pydantic + json.dumps": "reference_stdlib(BODY)",
    "Pydantic + orjson": "reference_orjson(BODY)",
}
USER_FUNCTION = "update_profile(None, **BOUND)"
PURE_EXECUTOR = "Mizan executor (pure)"
_SETUP = "from benchmarks.core import namespace\nglobals().update(namespace())\n"


@functools.cache
def namespace() -> dict[str, Any]:
    """Everything the statements use, built once per process (it registers the functions)."""
    from pydantic_core import to_jsonable_python

    from benchmarks._kdl_document import ONE
    from mizan import _speedups as c
    from mizan.core import ReactContext, client, registry
    from mizan.core import _py as py
    from mizan.core.signature import inspect_function, spec_entry

    user = ReactContext("user")
    registry.register(client(context=user)(user_profile), "user_profile")
    registry.register(client(affects=user)(update_profile), "update_profile")
    entries = [spec_entry(p) for p in inspect_function(update_profile).params]
    ns: dict[str, Any] = {
        **{name: value for name, value in globals().items() if not name.startswith("__")},
        "c": c,
        "py": py,
        "to_jsonable_python": to_jsonable_python,
        "SPEC_ENTRIES": entries,
        "KDL": ONE,
        "KEY_PARAMS": {"user_id": 5, "tab": "orders"},
        "SECRET_BYTES": SECRET.encode(),
        "KEYED_HMAC": hmac.new(SECRET.encode(), digestmod=hashlib.sha256),
        "executor": executor_core(),
    }
    for m, impl in (("c", c), ("py", py)):
        ns[f"{m}_spec"] = impl.compile_params(entries)
        ns[f"{m}_plan"] = impl.compile_invalidation(TARGETS, ())
        ns[f"{m}_cache"] = impl.MemoryCache()
    _, ns["ARGS"] = c.parse_call(BODY, MAX_BODY, MAX_DEPTH)
    ns["BOUND"], ns["SUPPLIED"] = c.validate_args(ns["c_spec"], ns["ARGS"])
    ns["RESULT"] = update_profile(None, **ns["BOUND"])
    ns["INVALIDATE"], _ = c.resolve_invalidation(ns["c_plan"], ns["BOUND"], ns["SUPPLIED"], ns["RESULT"], None)
    ns["ENVELOPE"] = {"result": ns["RESULT"], "invalidate": ns["INVALIDATE"]}
    ns["RESPONSE"], ns["HEADER"] = mizan_core(c, ns["c_spec"], ns["c_plan"], to_jsonable_python, BODY)
    ns["KEY_MESSAGE"] = c.cache_key_message("user", ns["KEY_PARAMS"], 42, 1)
    ns["c_cache"].set("ctx:user:1", ns["RESPONSE"])
    ns["py_cache"].set("ctx:user:1", ns["RESPONSE"])
    return ns


def _compile(ns: dict[str, Any], statement: str) -> Callable[[], Any]:
    # From the statement text, so wall time measures exactly what callgrind counts.
    fn: Callable[[], Any] = eval(f"lambda: {statement}", ns)
    return fn


def _statements(has_orjson: bool) -> dict[str, dict[str, str]]:
    """Every statement measured, by group: `c` and `py` (the entry points), `ref`, `core`."""
    return {
        "c": {name: template.format(m="c") for name, template in ENTRY_POINTS.items()},
        "py": {name: template.format(m="py") for name, template in ENTRY_POINTS.items()},
        "ref": {name: text for name, text in REFERENCES.items() if has_orjson or "orjson" not in name},
        "core": {
            **{name: text for name, text in CORES.items() if has_orjson or "orjson" not in name},
            "user function": USER_FUNCTION,
        },
    }


def _check(ns: dict[str, Any], statements: dict[str, dict[str, str]]) -> None:
    """Stop unless C and twin agree on every entry point and every core answers alike."""
    for name in ENTRY_POINTS:
        if name.startswith(("compile_", "MemoryCache.set")):
            continue  # opaque objects, or None
        c_out, py_out = (_compile(ns, statements[m][name])() for m in ("c", "py"))
        if c_out != py_out:
            sys.exit(f"benchmarks.core: C and pure results differ in {name}: {c_out!r} vs {py_out!r}")
    expected = ns["RESPONSE"], ns["HEADER"]
    for name, statement in statements["core"].items():
        if name != "user function" and (got := _compile(ns, statement)()) != expected:
            sys.exit(f"benchmarks.core: {name} answered {got!r}, not {expected!r}")


def _wall(ns: dict[str, Any], statements: dict[str, dict[str, str]], rounds: int) -> dict[str, dict[str, float]]:
    """Medians of interleaved rounds: C and twin A/B per entry point; the references
    together; the cores together, plus the pure executor from a subprocess."""
    wall: dict[str, dict[str, float]] = {"c": {}, "py": {}}
    for name in ENTRY_POINTS:
        pair = interleaved({m: _compile(ns, statements[m][name]) for m in ("c", "py")}, rounds)
        wall["c"][name], wall["py"][name] = pair["c"], pair["py"]
    for group in ("ref", "core"):
        wall[group] = interleaved({name: _compile(ns, text) for name, text in statements[group].items()}, rounds)
    worker = run_worker("benchmarks.core", True, rounds)
    if worker["backend"] != "py":
        sys.exit(f"benchmarks.core: the pure worker ran on {worker['backend']}")
    wall["core"][PURE_EXECUTOR] = worker["executor"]
    return wall


def _instructions(statements: dict[str, dict[str, str]]) -> tuple[dict[str, dict[str, float]], list[tuple[float, str]]]:
    """Callgrind Ir per op: one child for everything on the C backend, one for the pure
    executor; then the self cost per C function of the C executor (a third child)."""
    ops, counts = {}, {}
    for group, texts in statements.items():
        for name, text in texts.items():
            ops[f"{group}|{name}"] = text
            counts[f"{group}|{name}"] = _ops_count(group, name)
    ir: dict[str, dict[str, float]] = {group: {} for group in statements}
    for key, value in _callgrind.measure(_SETUP, ops, counts, {"MIZAN_PURE": "0"}).items():
        group, name = key.split("|", 1)
        ir[group][name] = value
    executor = CORES["Mizan executor (C)"]
    pure = _callgrind.measure(_SETUP, {"op": executor}, CALLGRIND_OPS_PURE, {"MIZAN_PURE": "1"})
    ir["core"][PURE_EXECUTOR] = pure["op"]
    return ir, _callgrind.hot_functions(_SETUP, executor, CALLGRIND_OPS, {"MIZAN_PURE": "0"}, limit=12)


def _ops_count(group: str, name: str) -> int:
    pure = group == "py" or name.startswith(("Mizan pure", "Pydantic"))
    return CALLGRIND_OPS_PURE if pure else CALLGRIND_OPS


def _worker(rounds: int) -> dict[str, Any]:
    """Executor wall time on the backend this process was started with (MIZAN_PURE)."""
    from mizan.core import _backend

    ns = namespace()
    executor = _compile(ns, CORES["Mizan executor (C)"])
    if executor() != (ns["RESPONSE"], ns["HEADER"]):
        raise SystemExit("benchmarks.core: the executor answered other bytes")
    return {"backend": _backend.BACKEND, **interleaved({"executor": executor}, rounds)}


def check_counts() -> dict[str, float]:
    """Ir of every C entry point and of the C executor, for `make bench-check`."""
    ops = {f"core: {name} (C)": template.format(m="c") for name, template in ENTRY_POINTS.items()}
    ops["core: /call/ executor (C)"] = CORES["Mizan executor (C)"]
    return _callgrind.measure(_SETUP, ops, CALLGRIND_OPS, {"MIZAN_PURE": "0"})


def _tables(wall: dict[str, dict[str, float]], ir: dict[str, dict[str, float]] | None) -> list[Table]:
    rows = []
    for name in ENTRY_POINTS:
        c, py = wall["c"][name], wall["py"][name]
        row = [name, micros(c), micros(py), times(py / c, 1)]
        if ir:
            c, py = ir["c"][name], ir["py"][name]
            row += [instructions(c), instructions(py), times(py / c, 1)]
        rows.append(row)
    extra = ["C (Ir)", "twin (Ir)", "twin/C (Ir)"] if ir else []
    entry_points = Table(
        "each C entry point against its pure-Python twin, on the data of one typical call",
        ["entry point", "C (us)", "twin (us)", "twin/C", *extra],
        rows,
    )
    rows = [[name, micros(t), *([instructions(ir["ref"][name])] if ir else [])] for name, t in wall["ref"].items()]
    references = Table(
        "references: library calls alone, on the same body and key message",
        ["call", "us", *(["Ir"] if ir else [])],
        rows,
    )
    base = "Mizan C (entry points)"
    rows = []
    for name, t in wall["core"].items():
        row = [name, micros(t), f"{t / wall['core'][base]:.2f}"]
        if ir:
            row += [instructions(ir["core"][name]), f"{ir['core'][name] / ir['core'][base]:.2f}"]
        rows.append(row)
    core = Table(
        f"the /call/ core of one call ({len(BODY)}-byte body, 6 parameters, 1 invalidated context); "
        "every variant answers the same body and header bytes",
        ["variant", "us", "/ Mizan C", *(["Ir", "/ Mizan C (Ir)"] if ir else [])],
        rows,
    )
    return [entry_points, references, core]


def _core_goal(label: str, results: dict[str, float]) -> Goal:
    """G1 for the real pipeline, with the user function's own cost taken out of every row."""
    fn = results["user function"]
    reference = results["Pydantic + json.dumps"] - fn
    mizan = results["Mizan executor (C)"] - fn
    entry_points = results["Mizan C (entry points)"] - fn
    parts = [
        f"Pydantic/Mizan {reference / mizan:.1f}x (entry points alone {reference / entry_points:.1f}x)",
    ]
    met: bool | None = reference / mizan >= AIM_CORE_VS_PYDANTIC
    if "Pydantic + orjson" in results:
        glue = results["Pydantic + orjson"] - fn
        parts.append(f"Mizan/orjson glue {mizan / glue:.2f}x (entry points alone {entry_points / glue:.2f}x)")
        met = met and mizan <= glue
    else:
        met = None
        parts.append("orjson not installed")
    aim = f"Pydantic reference >= {AIM_CORE_VS_PYDANTIC:g}x Mizan, Mizan <= the orjson glue"
    return Goal("G1", aim, f"by {label}: " + ", ".join(parts), met)


def _cache_key_goal(ir: dict[str, dict[str, float]]) -> Goal:
    c, py = ir["c"]["derive_cache_key"], ir["py"]["derive_cache_key"]
    hmac_alone = ir["ref"]["hmac.new(key, message, sha256).hexdigest()"]
    return Goal(
        "G6",
        f"derive_cache_key <= {AIM_CACHE_KEY_IR:,} Ir and >= {AIM_CACHE_KEY_VS_PYTHON:g}x Python's hmac",
        f"derive_cache_key {instructions(c)} Ir; hmac.new().hexdigest() alone {instructions(hmac_alone)} Ir "
        f"({hmac_alone / c:.1f}x); the twin {py / c:.1f}x",
        c <= AIM_CACHE_KEY_IR and hmac_alone / c >= AIM_CACHE_KEY_VS_PYTHON,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=ROUNDS, help=f"interleaved timing rounds (default {ROUNDS})")
    parser.add_argument("--quick", action="store_true", help="5 rounds (development)")
    parser.add_argument("--no-callgrind", action="store_true", help="wall time only")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    rounds = 5 if options.quick else options.repeat
    if options.worker:
        print(json.dumps(_worker(options.repeat)))
        return
    try:
        importlib.import_module("mizan._speedups")
    except ImportError as exc:
        sys.exit(f"benchmarks.core: the C extension is not built ({exc}); run `make build`")
    from mizan.core import _backend

    if _backend.BACKEND != "c":
        sys.exit("benchmarks.core: run without MIZAN_PURE=1 (the pure executor row runs in a subprocess)")
    ns = namespace()
    statements = _statements(orjson is not None)
    _check(ns, statements)
    wall = _wall(ns, statements, rounds)
    skipped = "--no-callgrind given" if options.no_callgrind else _callgrind.unavailable()
    ir, hot = _instructions(statements) if skipped is None else (None, [])

    results = Results(
        group="core",
        module="core",
        title="C entry points against their twins; the /call/ core against Pydantic",
        method=(
            f"Wall time: median of {rounds} interleaved rounds. Instructions: callgrind Ir per op "
            "(PYTHONHASHSEED=0, empty-loop cost subtracted). The user function's own cost is its own row, "
            "and is taken out of every variant before the G1 ratios are computed."
        ),
        tables=_tables(wall, ir),
    )
    if orjson is None:
        results.skipped.append("orjson: not installed (pip install orjson); its rows are left out")
    if skipped is not None:
        results.skipped.append(f"instructions: {skipped}")
    if hot:
        results.tables.append(
            Table(
                "where Mizan executor (C) spends its instructions: self Ir per call, largest first",
                ["function (object)", "Ir"],
                [[name, instructions(cost)] for cost, name in hot],
            )
        )
    basis = ir["core"] if ir else wall["core"]
    fn = basis["user function"]
    results.charts.append(
        Chart(
            "core-call",
            "The /call/ core of one call, user function excluded",
            "bar",
            "instructions per call (callgrind)" if ir else "microseconds per call",
            {"cost": [(name, value - fn) for name, value in basis.items() if name != "user function"]},
        )
    )
    results.goals.append(_core_goal("wall time", wall["core"]))
    if ir:
        results.goals.append(_core_goal("instructions", ir["core"]))
        results.goals.append(_cache_key_goal(ir))
    results.emit()


if __name__ == "__main__":
    main()
