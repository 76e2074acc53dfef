"""Differential property of the Redis backend (CBE-1, CBE-3): generated operation sequences
give identical results on the C RedisCache, the twin RedisCache and MemoryCache, the two
Redis caches under distinct prefixes on one real server (tests/redis_server.py)."""

from __future__ import annotations

import importlib
import itertools
import os
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.property.strategies import text
from tests.redis_server import RedisServer

_RUN = itertools.count()
_DECIMAL = re.compile(rb"-?[0-9]+")

# A small key space so that keys collide and prefixes match, glob characters included.
keys = st.sampled_from(["", "a", "ab", "a*", "a?", "[a]", "a\\", "*", "ctx:a:1", "ctx:b", "\ud800", "é", "n"]) | text
# Redis takes only canonical decimal text for INCR (no leading zeros, no "-0"), MemoryCache
# any -?[0-9]+: generated digit strings are left out, canonical ones are sampled.
values = st.binary(max_size=40).filter(lambda v: _DECIMAL.fullmatch(v) is None) | st.sampled_from(
    [b"0", b"7", b"-5", b"9223372036854775806", b"9223372036854775807", b"x1"]
)
ttls = st.none() | st.sampled_from([60, 60.0, 1e9, float("inf"), 0, -1, float("nan"), True, "5"])
operations = st.one_of(
    st.tuples(st.just("get"), keys),
    st.tuples(st.just("get_many"), st.lists(keys | st.just(1), max_size=4)),
    st.tuples(st.just("set"), keys | st.just(1), values, ttls),
    st.tuples(st.just("delete"), keys),
    st.tuples(st.just("delete_by_prefix"), keys | st.just(b"a")),
    st.tuples(st.just("clear")),
    st.tuples(st.just("incr"), keys, ttls),
)


def apply(cache: Any, op: tuple[Any, ...]) -> tuple[Any, ...]:
    name, *args = op
    try:
        return ("ok", getattr(cache, name)(*args))
    except Exception as exc:  # noqa: BLE001 - the class and text are what is compared
        return ("error", type(exc), str(exc))


def implementations() -> list[Any]:
    """The twin always; the C extension too unless MIZAN_PURE=1 (imported directly: a missing
    build fails the run)."""
    found = [importlib.import_module("mizan.core._py")]
    if os.environ.get("MIZAN_PURE", "") != "1":
        found.insert(0, importlib.import_module("mizan._speedups"))
    return found


@given(st.none() | st.sampled_from([60, 3600.0]), st.lists(operations, max_size=30))
def test_redis_caches_agree_with_memory_cache(
    redis_server: RedisServer, default_ttl: Any, ops: list[tuple[Any, ...]]
) -> None:
    run = next(_RUN)
    caches = [
        module.RedisCache(redis_server.url, f"prop{run}:{module.__name__}:", default_ttl)
        for module in implementations()
    ]
    memory = importlib.import_module("mizan.core._py").MemoryCache(default_ttl)
    try:
        for op in ops:
            expected = apply(memory, op)
            for cache in caches:
                assert apply(cache, op) == expected, (type(cache).__module__, op)
    finally:
        for cache in caches:
            cache.clear()
            cache.close()
