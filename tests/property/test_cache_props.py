"""Differential properties of the origin-cache units: C and the pure-Python twin build the
same key messages and keys (CKEY-2..5, CPUR-4) and MemoryCache answers the same operation
sequences identically (CBE-1, CBE-2)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.property.strategies import any_text, finite_floats, ints, text

SECRET = "test-pin-secret-that-is-32bytes!"

json_leaf = st.none() | st.booleans() | ints | finite_floats | st.floats() | any_text
param_values = st.recursive(
    json_leaf,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=8,
)
params = st.dictionaries(any_text, param_values, max_size=5)
user_ids = st.none() | any_text | ints | st.sampled_from([True, 1.5, b"5"])
revs = ints | st.sampled_from([True, 1.0, "0"])
secrets = text | st.sampled_from(["", SECRET, "\ud800"])


def outcome(function: Any, *args: Any) -> tuple[Any, ...]:
    try:
        return ("ok", function(*args))
    except Exception as exc:  # noqa: BLE001 - the class and text are what is compared
        return ("error", type(exc), str(exc))


@given(any_text, params, user_ids, revs)
def test_messages_agree(
    c_ext: ModuleType, py_impl: ModuleType, context: str, p: dict[str, Any], user: Any, rev: Any
) -> None:
    assert outcome(c_ext.cache_key_message, context, p, user, rev) == outcome(
        py_impl.cache_key_message, context, p, user, rev
    )


@given(secrets, any_text, params, user_ids, revs)
def test_keys_agree(
    c_ext: ModuleType, py_impl: ModuleType, secret: str, context: str, p: dict[str, Any], user: Any, rev: Any
) -> None:
    c = outcome(c_ext.derive_cache_key, secret, context, p, user, rev)
    assert c == outcome(py_impl.derive_cache_key, secret, context, p, user, rev)
    if c[0] == "ok":
        # Param order never matters (CKEY-5).
        assert c_ext.derive_cache_key(secret, context, dict(reversed(p.items())), user, rev) == c[1]


@given(secrets, any_text | ints, any_text | ints, param_values)
def test_generation_keys_agree(
    c_ext: ModuleType, py_impl: ModuleType, secret: str, context: Any, name: Any, value: Any
) -> None:
    assert outcome(c_ext.generation_key, secret, context, name, value) == outcome(
        py_impl.generation_key, secret, context, name, value
    )


@given(text, text, text)
def test_no_delimiter_collisions(c_ext: ModuleType, context: str, user: str, extra: str) -> None:
    joined = c_ext.derive_cache_key(SECRET, context, {}, user, 0)
    moved = c_ext.derive_cache_key(SECRET, context + extra, {}, user[len(extra) :] if extra else user + "x", 0)
    assert joined.rsplit(":", 1)[1] != moved.rsplit(":", 1)[1]


# MemoryCache: operation sequences on a small key space, so that keys collide and prefixes
# match; every ttl is long enough that nothing expires during the test.
keys = st.sampled_from(["", "a", "ab", "abc", "b", "ctx:a:1", "ctx:a:2", "ctx:b", "\ud800", "é", "n"]) | text
values = st.binary(max_size=40) | st.sampled_from([b"0", b"-5", b"9223372036854775806", b"9223372036854775807", b"x1"])
ttls = st.none() | st.sampled_from([60, 60.0, 1e9, float("inf"), 0, -1, float("nan"), True, "5"])
operations = st.one_of(
    st.tuples(st.just("get"), keys),
    st.tuples(st.just("get_many"), st.lists(keys | st.just(1), max_size=4)),
    st.tuples(st.just("set"), keys | st.just(1), values, ttls),
    st.tuples(st.just("delete"), keys),
    st.tuples(st.just("delete_by_prefix"), keys | st.just(b"a")),
    st.tuples(st.just("clear")),
    st.tuples(st.just("incr"), keys, ttls),
    st.tuples(st.just("len")),
    st.tuples(st.just("repr")),
)


def apply(cache: Any, op: tuple[Any, ...]) -> tuple[Any, ...]:
    name, *args = op
    if name == "len":
        return ("ok", len(cache))
    if name == "repr":
        return ("ok", repr(cache))
    return outcome(getattr(cache, name), *args)


@given(st.none() | st.sampled_from([60, 3600.0]), st.lists(operations, max_size=40))
def test_memory_cache_agrees(
    c_ext: ModuleType, py_impl: ModuleType, default_ttl: Any, ops: list[tuple[Any, ...]]
) -> None:
    c_cache = c_ext.MemoryCache(default_ttl)
    py_cache = py_impl.MemoryCache(default_ttl)
    for op in ops:
        assert apply(c_cache, op) == apply(py_cache, op), op
    assert len(c_cache) == len(py_cache)
