"""Micro-benchmark of the Redis backend: C RedisCache (hiredis) against its twin (RESP2 over a
plain socket) and redis-py, per call, against a real redis-server on loopback.

`python -m benchmarks.redis_cache` starts its own `redis-server` on a free port, stores 1,000
entries of 1 KiB (keys shaped like real ones, `ctx:<context>:<64 hex>`), then times `get`
(hit and miss), `set`, `get_many` of 10 keys and `incr`. The redis-py column runs the same
commands the way RedisCache sends them (prefix, `SET PX`, `MGET`, a MULTI pipeline of INCR +
PEXPIRE); redis-py is a benchmark-only comparison, never imported by mizan. When it is not
installed the column is skipped with a note.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
from types import ModuleType
from typing import Any

from benchmarks._timing import micros, per_call, ratio, table
from tests.redis_server import RedisServer

PREFIX = "bench:"
KEYS = [f"ctx:feed:{i:064x}" for i in range(1000)]
VALUE = b"x" * 1024
MANY = KEYS[::100]
TTL = 3600


class RedisPyCache:
    """redis-py doing what RedisCache does, command for command."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def get(self, key: str) -> bytes | None:
        return self.client.get(PREFIX + "py:" + key)  # type: ignore[no-any-return]

    def get_many(self, keys: list[str]) -> list[bytes | None]:
        return self.client.mget([PREFIX + "py:" + k for k in keys])  # type: ignore[no-any-return]

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        self.client.set(PREFIX + "py:" + key, value, px=int((ttl or TTL) * 1000))

    def incr(self, key: str, ttl: float) -> int:
        pipe = self.client.pipeline(transaction=True)
        pipe.incr(PREFIX + "py:" + key)
        pipe.pexpire(PREFIX + "py:" + key, int(ttl * 1000))
        return pipe.execute()[0]  # type: ignore[no-any-return]


def _backends() -> tuple[ModuleType, ModuleType]:
    try:
        c_impl = importlib.import_module("mizan._speedups")
    except ImportError as exc:
        sys.exit(f"benchmarks.redis_cache: the C extension is not built ({exc}); run `make build`")
    return c_impl, importlib.import_module("mizan.core._py")


def _redis_py(url: str) -> RedisPyCache | None:
    try:
        redis = importlib.import_module("redis")
    except ImportError:
        return None
    return RedisPyCache(redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0))


def _steps(cache: Any) -> dict[str, Any]:
    for key in KEYS:
        cache.set(key, VALUE)
    hit, miss = KEYS[500], "ctx:feed:missing"
    return {
        "get (hit)": lambda: cache.get(hit),
        "get (miss)": lambda: cache.get(miss),
        "set (1 KiB)": lambda: cache.set(hit, VALUE, TTL),
        "get_many (10)": lambda: cache.get_many(MANY),
        "incr": lambda: cache.incr("gen:feed:counter", TTL),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timing repeats; the best is kept (default 5)")
    options = parser.parse_args(argv)
    c_impl, py_impl = _backends()
    server = RedisServer()
    server.start()
    try:
        c_cache = c_impl.RedisCache(server.url, PREFIX + "c:")
        py_cache = py_impl.RedisCache(server.url, PREFIX + "twin:")
        rp_cache = _redis_py(server.url)
        c_steps, py_steps = _steps(c_cache), _steps(py_cache)
        rp_steps = _steps(rp_cache) if rp_cache is not None else None
        rows = []
        for name in c_steps:
            if name != "incr" and c_steps[name]() != py_steps[name]():
                sys.exit(f"benchmarks.redis_cache: C and twin results differ in {name}")
            c_t = per_call(c_steps[name], options.repeat)
            py_t = per_call(py_steps[name], options.repeat)
            row = [name, micros(c_t), micros(py_t)]
            if rp_steps is not None:
                rp_t = per_call(rp_steps[name], options.repeat)
                row += [micros(rp_t), ratio(py_t, c_t), ratio(rp_t, c_t)]
            else:
                row += [ratio(py_t, c_t)]
            rows.append(row)
        c_cache.clear()
        py_cache.clear()
    finally:
        server.stop()
    where = f"Python {platform.python_version()} on {platform.machine()}, best of {options.repeat}"
    print(f"{where}, redis-server on loopback")
    if rp_steps is None:
        print("redis-py is not installed (pip install 'redis>=5'): its column is skipped")
        print(table(["RedisCache", "C (us)", "twin (us)", "twin/C"], rows))
    else:
        print(table(["RedisCache", "C (us)", "twin (us)", "redis-py (us)", "twin/C", "redis-py/C"], rows))


if __name__ == "__main__":
    main()
