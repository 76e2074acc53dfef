"""Micro-benchmark of the origin-cache units: C MemoryCache against its twin and a plain dict,
and cache-key derivation in C against the twin.

`python -m benchmarks.cache_table` fills each table with 1,000 entries of 1 KiB (keys shaped
like real ones, `ctx:<context>:<64 hex>`), then times `get` (hit and miss), `set`,
`get_many` of 10 keys and `incr`, and `derive_cache_key` / `generation_key` for a typical
context with two params and a user. The dict baseline is a bare `dict[str, tuple[bytes,
float]]` with the same expiry check and no lock: the floor a Python implementation reaches.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
import time
from types import ModuleType
from typing import Any

from benchmarks._timing import micros, per_call, ratio, table

SECRET = "bench-secret-that-is-32-bytes-long!"
PARAMS: dict[str, Any] = {"user_id": 5, "tag": "beta"}
KEYS = [f"ctx:feed:{i:064x}" for i in range(1000)]
VALUE = b"x" * 1024
MANY = KEYS[::100]


class DictCache:
    """The baseline: a dict of (bytes, expiry) with the same lazy expiry, no lock."""

    def __init__(self, default_ttl: float = 86_400.0) -> None:
        self.default_ttl = default_ttl
        self.entries: dict[str, tuple[bytes, float]] = {}

    def get(self, key: str) -> bytes | None:
        entry = self.entries.get(key)
        if entry is None:
            return None
        if entry[1] <= time.monotonic():
            del self.entries[key]
            return None
        return entry[0]

    def get_many(self, keys: list[str]) -> list[bytes | None]:
        return [self.get(k) for k in keys]

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        self.entries[key] = (bytes(value), time.monotonic() + (ttl or self.default_ttl))

    def incr(self, key: str, ttl: float) -> int:
        current = self.get(key)
        value = int(current) + 1 if current is not None else 1
        self.entries[key] = (str(value).encode(), time.monotonic() + ttl)
        return value


def _backends() -> tuple[ModuleType, ModuleType]:
    try:
        c_impl = importlib.import_module("mizan._speedups")
    except ImportError as exc:
        sys.exit(f"benchmarks.cache_table: the C extension is not built ({exc}); run `make build`")
    return c_impl, importlib.import_module("mizan.core._py")


def _table_steps(cache: Any) -> dict[str, Any]:
    for key in KEYS:
        cache.set(key, VALUE)
    hit, miss = KEYS[500], "ctx:feed:missing"
    return {
        "get (hit)": lambda: cache.get(hit),
        "get (miss)": lambda: cache.get(miss),
        "set (1 KiB)": lambda: cache.set(hit, VALUE, 3600),
        "get_many (10)": lambda: cache.get_many(MANY),
        "incr": lambda: cache.incr("gen:feed:counter", 3600),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timing repeats; the best is kept (default 5)")
    options = parser.parse_args(argv)
    c_impl, py_impl = _backends()

    c_steps = _table_steps(c_impl.MemoryCache())
    py_steps = _table_steps(py_impl.MemoryCache())
    dict_steps = _table_steps(DictCache())
    rows = []
    for name in c_steps:
        if name != "incr" and c_steps[name]() != py_steps[name]():
            sys.exit(f"benchmarks.cache_table: C and pure results differ in {name}")
        c_t = per_call(c_steps[name], options.repeat)
        py_t = per_call(py_steps[name], options.repeat)
        dict_t = per_call(dict_steps[name], options.repeat)
        rows.append([name, micros(c_t), micros(py_t), micros(dict_t), ratio(py_t, c_t), ratio(dict_t, c_t)])

    def key_steps(impl: ModuleType) -> dict[str, Any]:
        return {
            "derive_cache_key": lambda: impl.derive_cache_key(SECRET, "feed", PARAMS, "5", 3),
            "generation_key": lambda: impl.generation_key(SECRET, "feed", "user_id", 5),
        }

    c_keys, py_keys = key_steps(c_impl), key_steps(py_impl)
    key_rows = []
    for name in c_keys:
        if c_keys[name]() != py_keys[name]():
            sys.exit(f"benchmarks.cache_table: C and pure results differ in {name}")
        c_t = per_call(c_keys[name], options.repeat)
        py_t = per_call(py_keys[name], options.repeat)
        key_rows.append([name, micros(c_t), micros(py_t), ratio(py_t, c_t)])

    print(f"Python {platform.python_version()} on {platform.machine()}, best of {options.repeat}")
    print(table(["MemoryCache", "C (us)", "twin (us)", "dict (us)", "twin/C", "dict/C"], rows))
    print()
    print(table(["key derivation", "C (us)", "twin (us)", "twin/C"], key_rows))


if __name__ == "__main__":
    main()
