"""Hypothesis strategies shared by the differential tests: JSON values, Python values to
encode, raw bodies, and parameter specs with the annotations they stand for."""

from __future__ import annotations

import enum
import json
from typing import Any, Literal

import pydantic
from hypothesis import strategies as st

INT64_EDGES = [2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**53, 2**53 + 1, -(2**53) - 1, 0, -1]

# Text without surrogates (JSON-safe), text with them (only encode_json can be handed these).
_plain_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
# Characters at the edges of the escaping rules, spliced in often enough to matter.
_SPECIAL = ["\x00", "\x1f", "\x7f", '"', "\\", "/", "\n", "\t", "\b", "\x0b", "\u2028", "\ufeff", "\U0001f600"]
text = _plain_text | st.builds(lambda a, s, b: a + s + b, _plain_text, st.sampled_from(_SPECIAL), _plain_text)
surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, categories=["Cs"])
any_text = text | st.builds(lambda a, s, b: a + s + b, text, surrogates, text)
ints = st.integers() | st.sampled_from(INT64_EDGES) | st.integers(min_value=-(2**80), max_value=2**80)
finite_floats = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(
    [0.0, -0.0, 5e-324, 1.7976931348623157e308]
)

json_scalars = st.none() | st.booleans() | ints | finite_floats | text
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(text, children, max_size=5),
    max_leaves=25,
)


@st.composite
def json_documents(draw: st.DrawFn) -> tuple[Any, bytes]:
    """A JSON value and one of the many ways json.dumps can spell it."""
    value = draw(json_values)
    indent = draw(st.sampled_from([None, None, 0, 2, "\t"]))
    separators = draw(st.sampled_from([None, (",", ":"), (", ", ": "), (" ,", " : ")]))
    ensure_ascii = draw(st.booleans())
    document = json.dumps(value, indent=indent, separators=separators, ensure_ascii=ensure_ascii)
    padding = draw(st.sampled_from(["", " ", "\n", "\r\n\t "]))
    return value, (padding + document + padding).encode()


JSONISH = b'[]{}",:\\ \t\n0123456789eE.-+tfnrulasNIy\x00\x7f\xff\xc3\xa9\xed\xa0\x80'


@st.composite
def mutated_documents(draw: st.DrawFn) -> bytes:
    """A valid document with a few bytes inserted, deleted or replaced."""
    _, data = draw(json_documents())
    body = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(body)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        byte = draw(st.sampled_from(JSONISH))
        if action == "insert" or not body:
            body.insert(position, byte)
        elif action == "delete":
            del body[min(position, len(body) - 1)]
        else:
            body[min(position, len(body) - 1)] = byte
    return bytes(body)


raw_bodies = (
    st.binary(max_size=40)
    | st.builds(bytes, st.lists(st.sampled_from(JSONISH), max_size=40))
    | mutated_documents()
    | st.sampled_from(
        [
            b'"\\ud800"',
            b'"\\ud83d\\ude00"',
            b'{"a":1,"a":2}',
            b'{"a\\u0000":1}',
            b'"\\u0000"',
            b"NaN",
            b"-Infinity",
            b"1e400",
            b"9223372036854775808",
            b"\xef\xbb\xbf1",
            b"[1\x00]",
            b'["\\"[["',
        ]
    )
)


# --- Python values for encode_json ----------------------------------------------------------


class MyStr(str):
    pass


class MyInt(int):
    pass


class MyFloat(float):
    pass


class MyDict(dict):  # type: ignore[type-arg]
    pass


class MyList(list):  # type: ignore[type-arg]
    pass


class MyTuple(tuple):  # type: ignore[type-arg]
    pass


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Unsupported:
    """An object only `default` can write."""

    def __init__(self, payload: Any) -> None:
        self.payload = payload


py_scalars = (
    st.none()
    | st.booleans()
    | ints
    | st.floats()
    | any_text
    | text.map(MyStr)
    | ints.map(MyInt)
    | st.floats().map(MyFloat)
    | st.sampled_from(Level)
    | st.sampled_from([Unsupported(None), Unsupported([1, "x"]), Unsupported(Unsupported(1)), {1, 2}, b"bytes"])
)
py_keys = any_text | ints | text.map(MyStr) | st.sampled_from([True, None, 1.5, Level.LOW, "1", 1, (1,)])
# A small pool, so that two keys often share a text ("1" and 1, "a" and MyStr("a")) and
# surrogate keys sort among others.
pooled_keys = st.sampled_from(
    ["1", 1, "a", MyStr("a"), Level.LOW, "\ud800", "\ue000", "é", 10, -1, "\U0001f600", "\uffff"]
)


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=4).map(tuple)
        | st.lists(children, max_size=4).map(MyList)
        | st.lists(children, max_size=4).map(MyTuple)
        | st.dictionaries(py_keys, children, max_size=4)
        | st.dictionaries(pooled_keys, children, max_size=5)
        | st.dictionaries(text, children, max_size=4).map(MyDict)
    )


def _nested(depth: int) -> Any:
    value: Any = 0
    for index in range(depth):
        value = [value] if index % 2 else {"k": value}
    return value


py_values = st.recursive(py_scalars, _containers, max_leaves=20)
deep_values = st.integers(505, 515).map(_nested)
plain_values = st.recursive(
    st.none() | st.booleans() | ints | finite_floats | text,
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=4).map(tuple)
        | st.dictionaries(text, children, max_size=4)
    ),
    max_leaves=25,
)


def default_unwrap(obj: Any) -> Any:
    if isinstance(obj, Unsupported):
        return obj.payload
    raise TypeError(f"cannot default {type(obj).__name__}")


defaults = st.sampled_from([None, default_unwrap, repr, lambda obj: [obj]])


# --- parameter specs ---------------------------------------------------------------------------


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Inner(pydantic.BaseModel):
    a: int
    b: list[str] = []


def fallback(annotation: Any) -> Any:
    adapter = pydantic.TypeAdapter(annotation)

    def validate(value: Any) -> tuple[bool, Any]:
        try:
            return True, adapter.validate_python(value)
        except pydantic.ValidationError as exc:
            return False, [(tuple(e["loc"]), e["msg"]) for e in exc.errors(include_url=False)]

    return validate


# (annotation, node, values) triples: the annotation for Pydantic, the node for
# compile_params, and a strategy of values that usually fit the annotation.
Param = tuple[Any, tuple[Any, ...], st.SearchStrategy[Any]]
_LITERALS = [("a", "b"), (1, 2), ("x", 1, True, None), (True,), (0, "0", False)]


def _leaf(kind: str) -> Param:
    annotation = {"int": int, "str": str, "float": float, "bool": bool, "none": None}[kind]
    values: st.SearchStrategy[Any] = {
        "int": ints | st.integers(-(10**19), 10**19).map(str),
        "str": text,
        "float": finite_floats | ints,
        "bool": st.booleans() | st.sampled_from(["true", "false"]),
        "none": st.none(),
    }[kind]
    return annotation, (kind, fallback(annotation), None), values


def _literal(choices: tuple[Any, ...]) -> Param:
    annotation = Literal[choices]  # type: ignore[valid-type]
    return annotation, ("literal", fallback(annotation), choices), st.sampled_from(choices)


def _enum(cls: type[enum.Enum]) -> Param:
    values = st.sampled_from([m.value for m in cls]) | st.sampled_from(list(cls))
    return cls, ("enum", fallback(cls), tuple((m.value, m) for m in cls)), values


_inner_values = st.fixed_dictionaries(
    {"a": ints | st.integers(-99, 99).map(str)}, optional={"b": st.lists(text, max_size=3)}
)

leaf_specs = (
    st.sampled_from(["int", "str", "float", "bool", "none"]).map(_leaf)
    | st.sampled_from(_LITERALS).map(_literal)
    | st.sampled_from([Color, Level]).map(_enum)
    | st.just((Inner, ("delegate", fallback(Inner), None), _inner_values))
)


def _wrap(children: st.SearchStrategy[Param]) -> st.SearchStrategy[Param]:
    def optional(param: Param) -> Param:
        annotation, node, values = param
        return annotation | None, ("optional", None, node), st.none() | values

    def listed(param: Param) -> Param:
        annotation, node, values = param
        return (
            list[annotation],  # type: ignore[valid-type]
            ("list", fallback(list[annotation]), node),  # type: ignore[valid-type]
            st.lists(values, max_size=4),
        )

    return children.filter(lambda p: p[0] is not None).map(optional) | children.map(listed)


param_types = st.recursive(leaf_specs, _wrap, max_leaves=3)

numeric_text = st.from_regex(r"\s?[+-]?0*[0-9_]{1,20}(\.[0-9]*)?([eE][+-]?[0-9]{1,3})?\s?", fullmatch=True)
arg_scalars = (
    st.none()
    | st.booleans()
    | ints
    | st.floats()
    | numeric_text
    | st.sampled_from(["true", "false", "yes", "no", "True", "on", "1", "0", "-0", "", "red", "x", "a", "b"])
    | st.sampled_from(["\u0661\u0662", "\uff11\uff12", "12\n", "0x1f", "1e3", "inf", "nan", "-", "007", "1_0"])
    | any_text
    | st.sampled_from(list(Color) + list(Level))
)
arg_values = st.recursive(
    arg_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=3).map(tuple)
        | st.fixed_dictionaries({"a": children}, optional={"b": st.lists(children, max_size=3)})
        | st.dictionaries(text, children, max_size=3)
    ),
    max_leaves=10,
)
