"""Differential properties of the JSON units: C and the pure-Python twin agree on every input."""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

from hypothesis import event, example, given
from hypothesis import strategies as st

from tests.property.strategies import (
    deep_values,
    defaults,
    json_documents,
    plain_values,
    py_values,
    raw_bodies,
)

limits = st.one_of(st.none(), st.integers(-1, 80), st.just(2**70))
depths = st.one_of(st.just(64), st.integers(-2, 6))


def outcome(function: Any, *args: Any) -> tuple[Any, ...]:
    """What a call did: ("ok", repr of the result) or ("raised", class, args)."""
    try:
        result = function(*args)
    except Exception as exc:  # noqa: BLE001 - the exception is the outcome under test
        event(f"{getattr(function, '__name__', '?')}: {type(exc).__name__}{exc.args!r:.60}")
        return ("raised", type(exc), exc.args)
    event(f"{getattr(function, '__name__', '?')}: ok")
    return ("ok", type(result), repr(result))


@given(json_documents(), depths)
def test_dumped_documents_parse_alike(
    c_ext: ModuleType, py_impl: ModuleType, doc: tuple[Any, bytes], depth: int
) -> None:
    value, data = doc
    c_result = outcome(c_ext.parse_json, data, None, depth)
    assert c_result == outcome(py_impl.parse_json, data, None, depth)
    assert outcome(c_ext.parse_call, data, None, depth) == outcome(py_impl.parse_call, data, None, depth)
    if c_result[0] == "ok" and depth == 64:
        assert c_ext.parse_json(data, None, depth) == value


@given(raw_bodies, limits, depths)
@example(b'{"a":[1,2,{"b":"\\u00e9"}]}', 10, 64)
@example(b"]]][[[", None, -1)
def test_raw_bodies_parse_alike(
    c_ext: ModuleType, py_impl: ModuleType, data: bytes, size: int | None, depth: int
) -> None:
    assert outcome(c_ext.parse_json, data, size, depth) == outcome(py_impl.parse_json, data, size, depth)
    assert outcome(c_ext.parse_call, data, size, depth) == outcome(py_impl.parse_call, data, size, depth)


@given(raw_bodies)
def test_buffer_types_parse_alike(c_ext: ModuleType, py_impl: ModuleType, data: bytes) -> None:
    for wrapped in (bytearray(data), memoryview(data)):
        assert outcome(c_ext.parse_json, wrapped, None, 64) == outcome(py_impl.parse_json, data, None, 64)


@given(py_values, defaults)
def test_values_encode_alike(c_ext: ModuleType, py_impl: ModuleType, value: Any, default: Any) -> None:
    assert outcome(c_ext.encode_json, value, default) == outcome(py_impl.encode_json, value, default)


@given(deep_values, defaults)
def test_deep_values_encode_alike(c_ext: ModuleType, py_impl: ModuleType, value: Any, default: Any) -> None:
    assert outcome(c_ext.encode_json, value, default) == outcome(py_impl.encode_json, value, default)


@given(plain_values)
def test_plain_values_encode_as_json_dumps(c_ext: ModuleType, py_impl: ModuleType, value: Any) -> None:
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert c_ext.encode_json(value, None) == expected
    assert py_impl.encode_json(value, None) == expected
    # The canonical bytes parse back to the same data (within the ERR-8 grammar).
    parsed = outcome(c_ext.parse_json, expected, None, 10_000)
    assert parsed == outcome(py_impl.parse_json, expected, None, 10_000)


@given(plain_values)
def test_encode_is_stable_under_key_order(c_ext: ModuleType, value: Any) -> None:
    def reverse(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {k: reverse(v) for k, v in reversed(list(obj.items()))}
        if isinstance(obj, list | tuple):
            return [reverse(v) for v in obj]
        return obj

    assert c_ext.encode_json(reverse(value), None) == c_ext.encode_json(value, None)
