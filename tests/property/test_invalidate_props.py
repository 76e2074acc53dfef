"""Properties of the invalidation unit: the header round-trips (XMI-5) on both backends, and
C agrees with the pure-Python twin on format, parse, NORM-1 and resolution."""

from __future__ import annotations

import json
import math
from types import ModuleType
from typing import Any
from urllib.parse import unquote_to_bytes

from hypothesis import event, example, given
from hypothesis import strategies as st

from mizan.core._py import format_invalidate_header as py_format
from tests.property.strategies import (
    MyStr,
    Unsupported,
    any_text,
    defaults,
    finite_floats,
    ints,
    py_values,
    text,
)

# CTX-3 context names; the header never encodes them, so only these round-trip.
contexts = st.text(st.sampled_from("abcXYZ019_-"), min_size=1, max_size=6)
# Keys and values full of the characters the header uses as syntax, plus astral ones.
_TRICKY = [";", ",", "=", '"', "'", " ", "\t", "%", "%2", "%zz", "+", "~", "é", "\U0001f600", "\x00", "\\"]
tricky_text = text | st.lists(st.sampled_from(_TRICKY) | text, max_size=4).map("".join) | st.just("")
json_leaf = st.none() | st.booleans() | ints | finite_floats | tricky_text
json_value = st.recursive(
    json_leaf,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(tricky_text, children, max_size=3),
    max_leaves=8,
)
param_values = json_leaf | st.floats() | json_value
params = st.dictionaries(tricky_text, param_values, max_size=4)


@st.composite
def entries(draw: st.DrawFn) -> Any:
    context = draw(contexts)
    form = draw(st.sampled_from(["broad", "scoped", "function", "function-scoped", "null-params"]))
    if form == "broad":
        return context
    entry: dict[str, Any] = {"context": context}
    if form.startswith("function"):
        entry["function"] = draw(contexts)
    if form.endswith("scoped"):
        entry["params"] = draw(params)
    if form == "null-params":
        entry["params"] = None
    return entry


invalidation_lists = st.lists(entries(), max_size=8) | st.lists(entries(), min_size=20, max_size=30)


def norm1(value: Any) -> str:
    """NORM-1 written out independently of both backends."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def expected_round_trip(invalidate: list[Any]) -> list[Any]:
    """XMI-5: values as NORM-1 strings, function entries as their context, empty params
    broad, and entries that render alike kept once."""
    result: list[Any] = []
    seen: set[Any] = set()
    for entry in invalidate:
        if isinstance(entry, str):
            context, pairs = entry, {}
        else:
            context, pairs = entry["context"], {k: norm1(v) for k, v in (entry.get("params") or {}).items()}
        identity = (context, tuple(sorted(pairs.items())))
        if identity in seen:
            continue
        seen.add(identity)
        result.append({"context": context, "params": pairs} if pairs else context)
    return result


def outcome(function: Any, *args: Any) -> tuple[Any, ...]:
    """What a call did: ("ok", type, repr of the result) or ("raised", class, args)."""
    try:
        result = function(*args)
    except Exception as exc:  # noqa: BLE001 - the exception is the outcome under test
        event(f"{function.__name__}: {type(exc).__name__}")
        return ("raised", type(exc), exc.args)
    event(f"{function.__name__}: ok")
    return ("ok", type(result), repr(result))


# --- XMI-5 round trips, on both backends -------------------------------------------------


@given(invalidation_lists)
@example(["user", {"context": "user", "function": "f"}, {"context": "user", "params": {}}])
@example([{"context": "s", "params": {"q": 'a;b c"d', "": "", "%": "%25"}}])
def test_format_then_parse_round_trips(backend: ModuleType, invalidate: list[Any]) -> None:
    header = backend.format_invalidate_header(invalidate)
    expected = expected_round_trip(invalidate)
    if not invalidate:
        assert header is None
        return
    assert header is not None and header.isascii()
    assert backend.parse_invalidate_header(header) == expected
    event(f"entries: {'20+' if len(invalidate) >= 20 else '<20'}")


@given(st.lists(entries(), min_size=1, max_size=6))
def test_header_is_restricted_to_its_grammar(backend: ModuleType, invalidate: list[Any]) -> None:
    header = backend.format_invalidate_header(invalidate)
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%;=, ")
    assert header is not None and set(header) <= allowed
    for item in header.split(", "):
        context, *pairs = item.split(";")
        keys = [unquote_to_bytes(pair.split("=")[0]) for pair in pairs]
        assert all(pair.count("=") == 1 for pair in pairs)
        assert keys == sorted(keys)  # XMI-2: byte order of the UTF-8 keys
        assert context


# --- C against the twin -----------------------------------------------------------------

# Mostly well-formed entries with awkward contents (surrogates, unsupported objects, odd keys),
# now and then something of the wrong shape.
loose_params = st.dictionaries(any_text, py_values, max_size=4) | st.dictionaries(
    any_text | ints | st.none(), json_leaf, max_size=3
)
loose_entries = st.one_of(
    entries(),
    any_text,
    st.fixed_dictionaries({"context": any_text, "params": loose_params}),
    st.fixed_dictionaries({"context": any_text}, optional={"function": py_values, "params": loose_params | py_values}),
    py_values,
)


@given(st.lists(loose_entries, max_size=4))
def test_format_alike(c_ext: ModuleType, py_impl: ModuleType, invalidate: list[Any]) -> None:
    c_result = outcome(c_ext.format_invalidate_header, invalidate)
    assert c_result == outcome(py_impl.format_invalidate_header, invalidate)
    if c_result[0] == "ok" and c_result[1] is str:
        assert c_ext.format_invalidate_header(invalidate).encode(errors="surrogatepass") == (
            py_impl.format_invalidate_header(invalidate).encode(errors="surrogatepass")
        )


header_chars = st.sampled_from([",", ";", "=", "%", " ", "\t", "\n", "a", "B", "0", "f", "F", "é", "\U0001f600"])
headers = (
    any_text
    | st.lists(header_chars | st.sampled_from(["%C3", "%A9", "%FF", "%ED%A0%80", "%e2%82%ac", "%2"]), max_size=20).map(
        "".join
    )
    | invalidation_lists.map(lambda invalidate: py_format(invalidate) or "")
)


@given(headers)
@example("a;k=%C0%80, b;k=%F4%8F%BF%BF")
@example("\ud800, a")
def test_parse_alike(c_ext: ModuleType, py_impl: ModuleType, header: str) -> None:
    assert outcome(c_ext.parse_invalidate_header, header) == outcome(py_impl.parse_invalidate_header, header)


@given(py_values | param_values | st.sampled_from([MyStr("s"), -0.0, 2.0**53, -(2.0**53) + 1]), defaults)
def test_normalize_alike(c_ext: ModuleType, py_impl: ModuleType, value: Any, default: Any) -> None:
    c_result = outcome(c_ext.normalize_value, value, default)
    assert c_result == outcome(py_impl.normalize_value, value, default)


@given(json_value)
def test_normalize_matches_the_model(backend: ModuleType, value: Any) -> None:
    assert backend.normalize_value(value, None) == norm1(value)


# Plans and calls: a small pool of names, so targets share contexts and param sets.
names = st.sampled_from(["a", "b", "c", "user_id", "id", "é"])
param_tuples = st.lists(names, max_size=3).map(tuple)
targets = st.lists(
    st.tuples(st.sampled_from(["u", "v", "w"]), st.none() | st.sampled_from(["f", "g"]), param_tuples), max_size=8
)
merges = st.lists(st.tuples(st.sampled_from(["u", "v"]), st.sampled_from(["s", "t"]), param_tuples), max_size=3)
argument_values = (
    st.none()
    | st.booleans()
    | ints
    | st.floats()
    | text
    | st.sampled_from([Unsupported(1), Unsupported("x"), Unsupported(Unsupported(2)), [1, 2], (3,), MyStr("m")])
    | st.sampled_from([Unsupported(3), float("nan"), {1}, "\ud800"])
)
arguments = st.dictionaries(names, argument_values, max_size=6)
supplied = st.lists(names, min_size=1, max_size=6).map(tuple) | st.lists(names | st.sampled_from([5, None])).map(tuple)


@given(targets, merges, arguments, supplied, defaults)
def test_resolve_alike(
    c_ext: ModuleType,
    py_impl: ModuleType,
    target_list: list[Any],
    merge_list: list[Any],
    args: dict[str, Any],
    names_supplied: tuple[Any, ...],
    default: Any,
) -> None:
    value = object()
    results = []
    for impl in (c_ext, py_impl):
        plan = impl.compile_invalidation(target_list, merge_list)
        results.append(outcome(impl.resolve_invalidation, plan, args, names_supplied, value, default))
    assert results[0] == results[1]
    if results[0][0] == "ok":
        c_plan = c_ext.compile_invalidation(target_list, merge_list)
        invalidate, merge = c_ext.resolve_invalidation(c_plan, args, names_supplied, value, default)
        assert all(entry["value"] is value for entry in merge)
        keys = [json.dumps(e, sort_keys=True) for e in invalidate]
        assert len(keys) == len(set(keys))


malformed_targets = st.lists(
    st.tuples(
        any_text | st.none() | ints, st.none() | any_text | ints, st.lists(any_text | ints, max_size=2).map(tuple)
    )
    | st.lists(any_text, max_size=4)
    | st.tuples(any_text),
    max_size=3,
)


@given(malformed_targets | targets, malformed_targets | merges)
def test_compile_alike(c_ext: ModuleType, py_impl: ModuleType, target_list: Any, merge_list: Any) -> None:
    c_result = outcome(c_ext.compile_invalidation, target_list, merge_list)
    py_result = outcome(py_impl.compile_invalidation, target_list, merge_list)
    if c_result[0] == "ok":  # plans of different types: compare what they say
        assert py_result[0] == "ok" and c_result[2] == py_result[2]
    else:
        assert c_result == py_result
