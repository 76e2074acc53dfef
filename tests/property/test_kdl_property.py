"""Differential properties of the KDL writer: C and the pure-Python twin write the same bytes
or raise the same IRBuildError, and what they write is KDL 2.0 that a real parser (ckdl)
reads back as the tree that was written."""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from mizan.core.errors import IRBuildError

GOOD_NAMES = ("a", "n", "node", "field", "x-1", "default-value", "b2", "z-")
BAD_NAMES: tuple[Any, ...] = ("", "A", "1a", "-a", "a_b", "é", "a b", None, 1, b"a", "a\ud800")
# Code points around every edge of the escape table, and the one-letter escapes.
SPECIAL = '"\\\n\r\t\b\f\x00\x0b\x1f\x20\x7e\x7f\x80\x9f\xa0/#é\u200d\u200e\u200f\u2010\u2027\u2028'
SPECIAL += "\u202e\u202f\u2065\u2066\u2069\u206a\ufeff\ufffe\U0001f600\U0010ffff\ud800\udfff"


def rarely(common: st.SearchStrategy[Any], rare: st.SearchStrategy[Any], odds: int = 7) -> st.SearchStrategy[Any]:
    """`common` `odds` times as often as `rare`, so that most trees stay valid deep down."""
    return st.integers(0, odds).flatmap(lambda i: rare if i == odds else common)


names = rarely(st.sampled_from(GOOD_NAMES), st.sampled_from(BAD_NAMES))
texts = st.text(
    alphabet=st.one_of(st.characters(codec=None, exclude_categories=()), st.sampled_from(SPECIAL)),
    max_size=30,
)
ints = st.one_of(st.integers(), st.integers(-(2**70), 2**70), st.integers(-(10**400), 10**400))
floats = st.floats(allow_nan=True, allow_infinity=True)
scalars = st.one_of(texts, ints, floats, st.none(), st.booleans())
unsupported: st.SearchStrategy[Any] = st.sampled_from([{}, [1], b"x", (1, 2, 3), (), ("a", ("b", 1)), object()])
# Wrapped in deferred() so that the repr of the recursive tree strategy stays small.
values = st.deferred(lambda: rarely(st.one_of(scalars, scalars, st.tuples(names, scalars)), unsupported))


def sequences(elements: st.SearchStrategy[Any], max_size: int = 4, odds: int = 7) -> st.SearchStrategy[Any]:
    """A list or a tuple of `elements`, now and then something that is neither."""
    items = st.lists(elements, max_size=max_size)
    return rarely(st.one_of(items, items.map(tuple)), st.sampled_from([None, "ab", {}]), odds)


def good_sequences(elements: st.SearchStrategy[Any], max_size: int = 4) -> st.SearchStrategy[Any]:
    items = st.lists(elements, max_size=max_size)
    return st.one_of(items, items.map(tuple))


props = st.deferred(lambda: rarely(st.tuples(names, values), st.sampled_from([("k",), ["k", 1], "k"])))
inlines = rarely(st.booleans(), st.sampled_from([None, 1, "true"]))


def nodes(children: st.SearchStrategy[Any] | None) -> st.SearchStrategy[Any]:
    """Nodes with children drawn from `children`, or leaves (no, empty or bad children)."""
    kids = sequences(st.nothing(), 0) if children is None else sequences(children, 3)
    node = st.tuples(names, sequences(values), sequences(props, 3), st.one_of(st.none(), kids), inlines)
    return rarely(node, st.sampled_from([("a", (), (), None), ["a", (), (), None, False], "a"]), 30)


trees = st.recursive(nodes(None), nodes, max_leaves=12)
documents = rarely(good_sequences(sequences(trees, 4, 30), 4), st.sampled_from([None, "doc"]))

# Error-free trees only, for the parser round trip.
clean_scalars = st.one_of(
    st.text(alphabet=st.one_of(st.characters(exclude_categories=["Cs"]), st.sampled_from(SPECIAL[:-2])), max_size=30),
    ints,
    floats,
    st.none(),
    st.booleans(),
)
clean_values = st.deferred(lambda: st.one_of(clean_scalars, st.tuples(st.sampled_from(GOOD_NAMES), clean_scalars)))


def clean_nodes(children: st.SearchStrategy[Any] | None) -> st.SearchStrategy[Any]:
    kids = good_sequences(st.nothing(), 0) if children is None else good_sequences(children, 3)
    return st.tuples(
        st.sampled_from(GOOD_NAMES),
        good_sequences(clean_values),
        good_sequences(st.tuples(st.sampled_from(GOOD_NAMES), clean_values), 3),
        st.one_of(st.none(), kids),
        st.booleans(),
    )


clean_trees = st.recursive(clean_nodes(None), clean_nodes, max_leaves=12)
clean_documents = good_sequences(good_sequences(clean_trees, 4), 4)


def outcome(function: Any, *args: Any) -> tuple[Any, ...]:
    """What a call did: ("ok", bytes) or ("raised", class, args)."""
    try:
        result = function(*args)
    except IRBuildError as exc:
        event(f"IRBuildError: {exc.args[0].split(':')[0]}")
        return ("raised", type(exc), exc.args)
    event("ok")
    return ("ok", type(result), result)


@given(documents)
@example([[("a", ["\ud800"], [], None, False)]])
@example([[("a", [], [], [("B", [], [], None, 1)], 1)]])
def test_trees_write_alike(c_ext: ModuleType, py_impl: ModuleType, document: Any) -> None:
    assert outcome(c_ext.write_kdl, document) == outcome(py_impl.write_kdl, document)


@given(st.integers(120, 135), st.booleans(), st.sampled_from(["leaf", "empty", "bad"]))
def test_depth_boundary_alike(c_ext: ModuleType, py_impl: ModuleType, levels: int, inline: bool, end: str) -> None:
    tree: Any = {"leaf": ("x", [1], [], None, False), "empty": ("x", [], [], [], inline), "bad": 5}[end]
    for _ in range(levels):
        tree = ("x", [], [("k", "v")], [tree], inline)
    document = [[tree]]
    assert outcome(c_ext.write_kdl, document) == outcome(py_impl.write_kdl, document)


class Close:
    """A float compared loosely: ckdl's strtod-style parsing is not always correctly rounded
    (it reads 5.15948617201955e-249 as 5.159486172019549e-249), so the round trip checks
    the number, not its last bit. The exact text is checked against repr() in test_kdl.py."""

    def __init__(self, value: float) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Close):
            return NotImplemented
        a, b = self.value, other.value
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Close({self.value!r})"


def _plain(value: Any) -> Any:
    """A written value as ckdl reads it back: (annotation, value) or the value, with bools
    and ints told apart and floats compared loosely."""
    if type(value).__name__ == "Value":  # ckdl.Value: a type-annotated value
        return (value.type_annotation, _plain(value.value))
    if isinstance(value, tuple):
        return (value[0], _plain(value[1]))
    if isinstance(value, float):
        return Close(value)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", value)
    return value


def _expected(node: Any) -> Any:
    name, args, props, children, _ = node
    return (
        name,
        [_plain(a) for a in args],
        {k: _plain(v) for k, v in props},  # KDL: the rightmost property wins
        [_expected(c) for c in children or ()],
    )


def _parsed(node: Any) -> Any:
    return (
        node.name,
        [_plain(a) for a in node.args],
        {k: _plain(v) for k, v in node.properties.items()},
        [_parsed(c) for c in node.children],
    )


@given(clean_documents)
@example([[("a", ['\x85\u2028\ufeff\x7f\x00"\\/#'], [("k", ("json", "[]"))], [], True)]])
def test_output_is_kdl_2(c_ext: ModuleType, py_impl: ModuleType, document: Any) -> None:
    ckdl = pytest.importorskip("ckdl")  # the KDL 2.0 parser of the dev extra
    text = c_ext.write_kdl(document)
    assert text == py_impl.write_kdl(document)
    parsed = ckdl.parse(text.decode("utf-8"), version=2)
    expected = [_expected(node) for section in document for node in section]
    assert [_parsed(node) for node in parsed.nodes] == expected
