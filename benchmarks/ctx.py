"""The `ctx` group: a context fetch through the origin cache, HIT against MISS, in memory
and on a real Redis, against the same work in plain Python and Redis's own floor.

`python -m benchmarks.ctx` measures `GET /api/mizan/ctx/<name>/?<params>` for three contexts
(benchmarks/_ctx_app.py): `profile` (one member, one param, no database), `search` (20
params) and `shop` (three members, one SQLite query each, on a 2,000-row table):

- at the core level, without Django: the HIT's own work (`cache.lookup`: the HMAC key, the
  generation keys, one `get_many`, the stamp check; then the response), and the whole
  `executor.context_pipeline` (registry, guards, policy, param coercion, lookup, and on a
  MISS the members, the encoding and the store);
- through Django in-process: `WSGIHandler` on a synthetic environ, no middleware;
- the "Python equivalent": the HIT's work written in plain Python (`json` + `hmac` keys, a
  dict under a lock, the response), and a minimal one (one HMAC key, `dict.get`); a
  hand-written Django view doing the minimal one;
- on Redis (a `redis-server` this run starts on loopback, persistence off): the same HIT and
  MISS, `RedisCache.get` alone, redis-py (+hiredis) GET and the same HIT work over redis-py,
  and `redis-benchmark -t get -c 1 -P 1` bursts between the rounds as the floor.

A MISS is a cold entry: `profile` is fetched with a user id never seen before; `shop` has its
entry deleted (`MemoryCache.delete`, measured on its own row) before each fetch. Every
alternative must answer the same bytes first, and C and the pure twins the same bodies.
Memory rows: callgrind Ir per op and wall-time medians of interleaved rounds; Redis rows:
wall time only (they wait on a socket). The pure twins run in subprocesses (MIZAN_PURE is
read at import).

Helpers: _ctx_rows (every row's statement), _ctx_app (the Django side), _ctx_plain (the
plain-Python HIT), _ctx_redis (redis-server, redis-benchmark), _ctx_report (tables, charts,
G5 verdicts).
"""

from __future__ import annotations

import argparse
import functools
import gc
import hashlib
import importlib
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchmarks import _callgrind, _ctx_redis
from benchmarks._ctx_plain import SECRET, PlainStore, python_hit, python_minimal
from benchmarks._ctx_report import build
from benchmarks._ctx_rows import (
    CALLGRIND_OPS,
    CALLGRIND_OPS_PARTS,
    CORE,
    DJANGO,
    EDGE_HIT,
    FLOOR,
    GET_ROWS,
    PARTS,
    PLAIN_VIEW,
    PYTHON,
    QUERIES,
    REDIS,
    REDIS_PY,
    statements,
)
from benchmarks._ctx_wsgi import EDGE, HANDLER, django_fetch, edge_fetch, environ  # noqa: F401  (the rows' statements call them)
from benchmarks._timing import batch_size, interleaved
from mizan.core import _backend, cache, cachepolicy
from mizan.core.executor import HEADER_CACHE, _cached_response, context_pipeline, run_sync

REDIS_PREFIX = "bench:"
SETTINGS: dict[str, Any] = {
    "DEBUG": False,  # True would record every SQL query in connection.queries
    "SECRET_KEY": "benchmark-only-not-secret",
    "ALLOWED_HOSTS": ["testserver"],
    "INSTALLED_APPS": [
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "mizan.apps.SimpleMizanConfig",
        "benchmarks",  # the app of _ctx_app.Product
    ],
    "MIDDLEWARE": [],
    "ROOT_URLCONF": "benchmarks._ctx_app",
    # In memory: never closed by Django between requests, so a MISS pays its queries, not a
    # connect; the rows stay in SQLite's page cache either way.
    "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    "USE_TZ": True,
}
ROUNDS = 15
QUICK_ROUNDS = 5
BENCHMARK_REQUESTS = 4000  # per redis-benchmark burst: ~0.1 s on loopback


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


_SETUP = "from benchmarks.ctx import namespace\nglobals().update(namespace())\n"

# Filled by namespace(): the coerced key params of each context (CKEY-6) as the fetch path
# derives them from QUERIES.
KEY_PARAMS: dict[str, dict[str, Any]] = {}
# Cold entries: user ids no fetch has used (the HIT rows use user 5).
_COLD_IDS = itertools.count(1_000_000)


# --- Mizan, at the core level and through Django ------------------------------------------


def hit_core(backend: Any, context: str) -> Any:
    """The HIT's own work, as `executor.context_pipeline` does it once the context, its
    policy and its key params are known: `cache.lookup` (key, generation keys, one
    `get_many`, stamp check), then the cached response (CACHE-10)."""
    found = cache.lookup(backend, SECRET, context, KEY_PARAMS[context], None, 0)
    if found.body is None:
        raise RuntimeError(f"benchmarks.ctx: {context} is not cached")
    return _cached_response(found.body, "HIT")


def core_fetch(name: str, query: Mapping[str, str]) -> tuple[int, bytes, str | None]:
    """Mizan's whole fetch without a framework: the pipeline the Django view drives, for an
    anonymous request (no user: the public entry)."""
    response = run_sync(context_pipeline(None, name, query), _no_awaitables)
    return response.status, response.body, response.headers.get(HEADER_CACHE)


def _no_awaitables(awaitable: Any) -> Any:
    raise RuntimeError("the benchmark's members are sync")


def fresh_query() -> dict[str, str]:
    return {"user_id": str(next(_COLD_IDS))}


def fresh_environ() -> dict[str, Any]:
    return environ("/api/mizan/ctx/profile/", fresh_query())


# --- set-up -------------------------------------------------------------------------------


def configure_django() -> None:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(**SETTINGS)
        django.setup()


@functools.cache
def namespace(redis_port: int | None = None) -> dict[str, Any]:
    """Everything the statements use, built once per process: Django, the table, the
    contexts registered, a memory cache (active) and, given a port, a Redis cache; every
    HIT entry primed in each."""
    configure_django()
    from django.core.handlers.wsgi import WSGIHandler

    from benchmarks import _ctx_app as app
    from mizan.setup import mizan_module

    mizan_module(app.__name__)
    app.create_products()
    from mizan.edge import wrap_wsgi

    HANDLER[:] = [WSGIHandler()]
    EDGE[:] = [wrap_wsgi(HANDLER[0])]
    for name, query in QUERIES.items():
        policy = cachepolicy.policy_for(name)
        params = policy.key_params(query) if policy is not None else None
        if params is None:
            raise RuntimeError(f"benchmarks.ctx: the {name} query does not coerce")
        KEY_PARAMS[name] = params
    ns: dict[str, Any] = {
        **{name: value for name, value in globals().items() if not name.startswith("__")},
        "BACKEND": _backend.BACKEND,
        "derive_cache_key": _backend.derive_cache_key,
        "generation_key": _backend.generation_key,
        "MEMORY": _backend.MemoryCache(),
        "KEYS": {name: _backend.derive_cache_key(SECRET, name, params, None, 0) for name, params in KEY_PARAMS.items()},
        "ENVIRON": {name: environ(f"/api/mizan/ctx/{name}/", query) for name, query in QUERIES.items()},
        "python_hit": python_hit,
        "python_minimal": python_minimal,
        "STORE": PlainStore(),
        "MINIMAL": app.HANDWRITTEN,  # what the hand-written view looks up, too
    }
    ns["ENVIRON"]["handwritten"] = environ("/handwritten/ctx/profile/", QUERIES["profile"])
    ns["ENVIRON"]["plain"] = environ("/plain/ctx/profile/", QUERIES["profile"])
    if redis_port is not None:
        ns["REDIS"] = _backend.RedisCache(f"redis://127.0.0.1:{redis_port}/0", REDIS_PREFIX)
        ns["REDIS"].clear()
        ns["PHYSICAL_KEY"] = REDIS_PREFIX + ns["KEYS"]["profile"]
        redis = _optional("redis")
        if redis is not None:
            client = redis.Redis(host="127.0.0.1", port=redis_port)
            ns["REDIS_PY"] = client
            ns["redis_py_get_many"] = lambda keys: client.mget([REDIS_PREFIX + key for key in keys])
        use(ns, "REDIS")
        for name in QUERIES:
            core_fetch(name, QUERIES[name])  # the MISS that stores the entry
    use(ns, "MEMORY")
    for name in QUERIES:
        core_fetch(name, QUERIES[name])
        body = ns["MEMORY"].get(ns["KEYS"][name])
        ns["STORE"].entries[ns["KEYS"][name]] = (body, float("inf"))
        ns["MINIMAL"][ns["KEYS"][name]] = body.partition(b"\n")[2]
    app.PLAIN[:] = [ns["MINIMAL"][ns["KEYS"]["profile"]]]
    # What the eviction row deletes: a `shop` entry no fetch reads (category "evicted"), so
    # that row never turns a HIT entry cold. Live for its first delete, absent after that.
    ns["EVICTED"] = _backend.derive_cache_key(SECRET, "shop", {"category": "evicted"}, None, 0)
    ns["MEMORY"].set(ns["EVICTED"], ns["MEMORY"].get(ns["KEYS"]["shop"]))
    found = cache.lookup(ns["MEMORY"], SECRET, "profile", KEY_PARAMS["profile"], None, 0)
    ns["HIT_BODY"], ns["STAMP"] = found.body, found.stamp
    generation = _backend.generation_key(SECRET, "profile", "user_id", KEY_PARAMS["profile"]["user_id"])
    ns["LOOKUP_KEYS"] = [ns["KEYS"]["profile"], cache.context_generation_key("profile"), generation]
    return ns


def use(ns: Mapping[str, Any], backend: str) -> None:
    """Make MEMORY or REDIS the origin cache every fetch goes through."""
    cache.set_cache(ns[backend], SECRET)


def _compile(ns: dict[str, Any], statement: str) -> Callable[[], Any]:
    """A function running `statement` (`a; b` runs a, then returns b): from the same text
    callgrind runs, so wall time measures exactly what is counted."""
    *head, last = statement.split("; ")
    source = "def _op():\n" + "".join(f"    {line}\n" for line in head) + f"    return {last}\n"
    exec(source, ns)
    fn: Callable[[], Any] = ns.pop("_op")
    return fn


# --- checks: every alternative answers the same thing -------------------------------------


def _response(out: Any) -> tuple[int, bytes, str | None]:
    """(status, body, X-Mizan-Cache) of any row's answer."""
    if isinstance(out, tuple) and len(out) == 3 and isinstance(out[2], dict):
        return out[0], out[1], out[2].get("X-Mizan-Cache")
    if isinstance(out, tuple):
        return out
    return out.status, out.body, out.headers.get("X-Mizan-Cache")


def _expected(name: str) -> tuple[str, str]:
    """The context a row fetches and the X-Mizan-Cache it must answer with."""
    context = "search" if "20 params" in name else "shop" if "3-query" in name else "profile"
    return context, "MISS" if "MISS" in name else "HIT"


def _check(ns: dict[str, Any], backend: str, rows: Mapping[str, str]) -> None:
    """Stop unless every row, run once on `backend`, answers what the cache stored: a HIT
    the stored bytes exactly (CACHE-10), a MISS a 200 bundle; GET rows the stored entry."""
    stored = {name: ns["MEMORY"].get(key) for name, key in ns["KEYS"].items()}
    use(ns, backend)
    try:
        for name, statement in rows.items():
            if name.startswith(("key:", "eviction")):
                continue
            answer = _compile(ns, statement)()
            if name in GET_ROWS:
                if answer != stored["profile"]:
                    sys.exit(f"benchmarks.ctx: {name} read {answer!r}, not {stored['profile']!r}")
                continue
            status, body, label = _response(answer)
            context, expected = _expected(name)
            if status != 200 or label != expected:
                sys.exit(f"benchmarks.ctx: {name} answered {status} with X-Mizan-Cache {label}, not 200 {expected}")
            if expected == "HIT" and body != stored[context].partition(b"\n")[2]:
                sys.exit(f"benchmarks.ctx: {name} answered {body!r}, not the stored bundle")
            if expected == "MISS" and not body.startswith(
                b'{"shop_count":' if context == "shop" else b'{"profile_card":'
            ):
                sys.exit(f"benchmarks.ctx: {name} answered {body!r}")
    finally:
        use(ns, "MEMORY")


def _hit_digests(ns: Mapping[str, Any]) -> dict[str, str]:
    """SHA-256 of each stored HIT body: C and the twins must have stored the same bytes."""
    return {name: hashlib.sha256(ns["MEMORY"].get(key)).hexdigest() for name, key in ns["KEYS"].items()}


def _memory_rows(python: bool) -> dict[str, str]:
    rows = {**statements(CORE, "MEMORY"), **statements(DJANGO, "MEMORY")}
    return {**rows, **PYTHON} if python else rows


def _redis_rows(ns: Mapping[str, Any], python: bool) -> dict[str, str]:
    return {**REDIS, **REDIS_PY} if python and "REDIS_PY" in ns else dict(REDIS)


# --- wall time ----------------------------------------------------------------------------


def _wall_memory(ns: dict[str, Any], rounds: int, python: bool) -> dict[str, dict[str, float]]:
    """Medians of interleaved rounds of every memory row (one group: drift hits all alike)."""
    use(ns, "MEMORY")
    groups = [("core", CORE), ("django", DJANGO), *([("python", PYTHON)] if python else [])]
    fns = {f"{group}|{k}": _compile(ns, v) for group, rows in groups for k, v in statements(rows, "MEMORY").items()}
    return _split(interleaved(fns, rounds))


def _wall_redis(ns: dict[str, Any], rounds: int, python: bool, port: int | None) -> dict[str, float]:
    """Redis rows, interleaved with each other and, when `port` is given, with a
    redis-benchmark burst per round (its own per-GET time, read from its output)."""
    use(ns, "REDIS")
    fns = {name: _compile(ns, text) for name, text in _redis_rows(ns, python).items()}
    if port is not None:
        # RedisCache prefixes its keys; redis-benchmark reads a bare one: the same bytes there.
        _ctx_redis.set_key(port, _ctx_redis.BENCHMARK_KEY, ns["REDIS"].get(ns["KEYS"]["profile"]))
    try:
        return _interleaved_with_floor(fns, rounds, port)
    finally:
        use(ns, "MEMORY")


def _interleaved_with_floor(fns: Mapping[str, Callable[[], Any]], rounds: int, port: int | None) -> dict[str, float]:
    """`_timing.interleaved`, plus one redis-benchmark burst per round at a rotating place."""
    names = list(fns)
    numbers = {name: batch_size(fns[name], 0.01) for name in names}
    samples: dict[str, list[float]] = {name: [] for name in [*names, FLOOR]}
    slots = [*names, FLOOR] if port is not None else names
    enabled = gc.isenabled()
    gc.disable()
    try:
        for index in range(rounds):
            for name in slots[index % len(slots) :] + slots[: index % len(slots)]:
                if name == FLOOR:
                    assert port is not None
                    samples[FLOOR].append(_ctx_redis.benchmark_get(port, BENCHMARK_REQUESTS))
                    continue
                fn, number = fns[name], numbers[name]
                start = time.perf_counter()
                for _ in range(number):
                    fn()
                samples[name].append((time.perf_counter() - start) / number)
    finally:
        if enabled:
            gc.enable()
    return {name: statistics.median(values) for name, values in samples.items() if values}


def _split(flat: Mapping[str, float]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for key, value in flat.items():
        group, name = key.split("|", 1)
        out.setdefault(group, {})[name] = value
    return out


def _run_pure_worker(rounds: int, port: int | None) -> dict[str, Any]:
    """The pure twins' wall times, from a subprocess started with MIZAN_PURE=1."""
    env = dict(os.environ, MIZAN_PURE="1")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [sys.executable, "-m", "benchmarks.ctx", "--worker", "--rounds", str(rounds)]
    if port is not None:
        command += ["--redis-port", str(port)]
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out)
    if result["backend"] != "py":
        sys.exit(f"benchmarks.ctx: the pure worker ran on {result['backend']}")
    return result


def _worker(rounds: int, port: int | None) -> dict[str, Any]:
    ns = namespace(port)
    _check(ns, "MEMORY", _memory_rows(python=False))
    result: dict[str, Any] = {"backend": ns["BACKEND"], "bodies": _hit_digests(ns)}
    result.update(_wall_memory(ns, rounds, python=False))
    if port is not None:
        _check(ns, "REDIS", _redis_rows(ns, python=False))
        result["redis"] = _wall_redis(ns, rounds, python=False, port=None)
    return result


# --- instructions -------------------------------------------------------------------------


def _callgrind_ops(pure: bool) -> tuple[dict[str, str], dict[str, int]]:
    """Every memory row as `group|name` -> statement, and its ops per interval."""
    ops = {f"core|{name}": text for name, text in statements(CORE, "MEMORY").items()}
    ops.update({f"django|{name}": text for name, text in statements(DJANGO, "MEMORY").items()})
    if not pure:
        ops.update({f"python|{name}": text for name, text in PYTHON.items()})
        ops.update({f"parts|{name}": text for name, text in PARTS.items()})
    counts = {key: CALLGRIND_OPS.get(key, CALLGRIND_OPS_PARTS) for key in ops}
    if pure:
        counts = {key: max(3, count // 4) for key, count in counts.items()}
    return ops, counts


# The rows whose self cost per C function is listed (the C child's own dumps).
HOT = ("core|HIT: key + lookup + response", "django|HIT")
HOT_LIMIT = 14


def _instructions() -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]], dict[str, Any]]:
    """Callgrind Ir per op on C (with the hot functions of the HIT rows) and on the twins;
    the two children run side by side (instruction counts do not depend on the load)."""
    c_ops, c_counts = _callgrind_ops(pure=False)
    py_ops, py_counts = _callgrind_ops(pure=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        c_job = pool.submit(_callgrind.measure_with_hot, _SETUP, c_ops, c_counts, {"MIZAN_PURE": "0"}, HOT, HOT_LIMIT)
        py_job = pool.submit(_callgrind.measure, _SETUP, py_ops, py_counts, {"MIZAN_PURE": "1"})
        (c_flat, hot), py_flat = c_job.result(), py_job.result()
    return _split(c_flat), _split(py_flat), hot


# check_counts(): label -> the row it counts (Mizan's own rows only, C backend).
CHECKED = {
    "ctx: HIT core (key + lookup + response)": "core|HIT: key + lookup + response",
    "ctx: HIT core (whole fetch pipeline)": "core|HIT: whole fetch pipeline",
    "ctx: HIT through Django (no middleware)": "django|HIT",
    "ctx: HIT through the edge (WSGI)": f"django|{EDGE_HIT}",
    "ctx: plain csrf_exempt view through Django (no middleware)": f"django|{PLAIN_VIEW}",
}


def check_counts() -> dict[str, float]:
    """C-backend Ir of a memory-cache HIT at the core level (the HIT's own work, and the
    whole pipeline) and through Django with no middleware, for `make bench-check`. One
    callgrind child; needs only the `dev` extra."""
    ops, counts = _callgrind_ops(pure=False)
    return _callgrind.measure(
        _SETUP,
        {label: ops[row] for label, row in CHECKED.items()},
        {label: counts[row] for label, row in CHECKED.items()},
        {"MIZAN_PURE": "0"},
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROUNDS} rounds instead of {ROUNDS}")
    parser.add_argument("--no-callgrind", action="store_true", help="wall time only")
    parser.add_argument("--rounds", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--redis-port", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    rounds = options.rounds or (QUICK_ROUNDS if options.quick else ROUNDS)
    if options.worker:
        print(json.dumps(_worker(rounds, options.redis_port)))
        return
    try:
        importlib.import_module("mizan._speedups")
    except ImportError as exc:
        sys.exit(f"benchmarks.ctx: the C extension is not built ({exc}); run `make build`")
    if os.environ.get("MIZAN_PURE") == "1":
        sys.exit("benchmarks.ctx: run without MIZAN_PURE=1 (the pure rows run in a subprocess)")
    skipped: list[str] = []
    redis_reason = _ctx_redis.unavailable()
    if redis_reason is not None:
        skipped.append(f"Redis rows: {redis_reason}")
    floor_reason = _ctx_redis.benchmark_unavailable()
    if redis_reason is None and floor_reason is not None:
        skipped.append(f"Redis floor: {floor_reason}")
    if redis_reason is None and _optional("redis") is None:
        skipped.append("redis-py rows: redis-py is not installed (pip install 'redis[hiredis]')")

    def measure_wall(port: int | None) -> tuple[dict[str, Any], dict[str, Any]]:
        ns = namespace(port)
        _check(ns, "MEMORY", _memory_rows(python=True))
        if port is not None:
            _check(ns, "REDIS", _redis_rows(ns, python=True))
        wall_c: dict[str, Any] = _wall_memory(ns, rounds, python=True)
        if port is not None:
            wall_c["redis"] = _wall_redis(ns, rounds, True, port if floor_reason is None else None)
        wall_py = _run_pure_worker(rounds, port)
        if wall_py.pop("bodies") != _hit_digests(ns):
            sys.exit("benchmarks.ctx: C and the pure twins stored different bodies")
        return wall_c, wall_py

    if redis_reason is None:
        with _ctx_redis.LocalRedis() as server:
            wall_c, wall_py = measure_wall(server.port)
    else:
        wall_c, wall_py = measure_wall(None)
    reason = "--no-callgrind given" if options.no_callgrind else _callgrind.unavailable()
    ir_c = ir_py = None
    hot: dict[str, Any] = {}
    if reason is None:
        ir_c, ir_py, hot = _instructions()
    else:
        skipped.append(f"instructions: {reason}")
    build(wall_c, wall_py, ir_c, ir_py, hot, skipped, rounds).emit()


if __name__ == "__main__":
    main()
