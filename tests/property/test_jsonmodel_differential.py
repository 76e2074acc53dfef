"""Plain Pydantic models written by the C writer from their fields, against the path every
model took before (`to_jsonable_python` as the default, then the writer; the twin's
`encode_json` is exactly that path): over generated model classes (plain and not) and
generated instances, valid or tampered with after construction, the bytes, the exception
(class and message) and the serializer warnings are the same.

Runs in the C pass (the twin has no fast path to compare) and under ASan with the rest of
tests/property.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import math
import types
import typing
import uuid
import warnings
from types import ModuleType
from typing import Annotated, Any, Literal, Union

import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic_core import to_jsonable_python

from mizan.core import jsonmodels
from mizan.core._py.json import encode_json as old_path
from tests.model_probe import probed


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Text(str):
    """A str subclass: Pydantic keeps it in a str field, the writer must not take it."""


# A type is a nested tuple: ("str",) ... ("opt", t), ("list", t), ("dict", t),
# ("model", (field types...), options); the leaves after "bool" are not plain.
PLAIN_LEAVES = ("str", "int", "float", "bool")
OTHER_LEAVES = ("datetime", "decimal", "uuid", "enum", "set", "bytes", "literal", "any", "tuple")
LEAF_TYPES: dict[str, Any] = {
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "datetime": datetime.datetime,
    "decimal": decimal.Decimal,
    "uuid": uuid.UUID,
    "enum": Colour,
    "set": set[int],
    "bytes": bytes,
    "literal": Literal["a", "b"],
    "any": Any,
    "tuple": tuple[int, ...],
}
# Field options, most of them making the class not plain.
OPTIONS = ("plain", "plain", "plain", "plain", "default", "alias", "exclude", "serializer", "validator")

leaf = st.sampled_from(PLAIN_LEAVES * 3 + OTHER_LEAVES)


def type_trees(leaves: st.SearchStrategy[str], options: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """Model types: fields of nested optional/list/dict/model types, each with an option."""

    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.tuples(st.just("opt"), children),
            st.tuples(st.just("list"), children),
            st.tuples(st.just("dict"), children),
            st.tuples(st.just("model"), st.lists(st.tuples(children, options), max_size=4)),
        )

    fields = st.recursive(st.tuples(leaves), extend, max_leaves=6)
    return st.tuples(st.just("model"), st.lists(st.tuples(fields, options), min_size=1, max_size=5))


model_types = type_trees(leaf, st.sampled_from(OPTIONS))
plain_model_types = type_trees(st.sampled_from(PLAIN_LEAVES), st.just("plain"))
CONFIGS = ({}, {}, {}, {"frozen": True}, {"extra": "allow"}, {"extra": "forbid"}, {"validate_assignment": True})

_counter = [0]


def annotation(tp: tuple[Any, ...], config: dict[str, Any]) -> Any:
    head = tp[0]
    if head in LEAF_TYPES:
        return LEAF_TYPES[head]
    if head == "opt":
        return annotation(tp[1], config) | None
    if head == "list":
        return list[annotation(tp[1], config)]  # type: ignore[misc]
    if head == "dict":
        return dict[str, annotation(tp[1], config)]  # type: ignore[misc]
    return build_model(tp, config)


def build_model(tp: tuple[Any, ...], config: dict[str, Any]) -> type[pydantic.BaseModel]:
    _counter[0] += 1
    fields: dict[str, Any] = {}
    for index, (field_type, option) in enumerate(tp[1]):
        name = f"f{index}" if index % 3 else f"\u00e9f{index}"  # non-ASCII names sort by code point
        ann = annotation(field_type, {})
        if option == "default":
            fields[name] = (ann | None, None)
        elif option == "alias":
            fields[name] = (ann, pydantic.Field(alias=f"A{name}"))
        elif option == "exclude":
            fields[name] = (ann, pydantic.Field(exclude=True))
        elif option == "serializer":
            fields[name] = (Annotated[ann, pydantic.PlainSerializer(repr)], ...)
        elif option == "validator":
            fields[name] = (Annotated[ann, pydantic.AfterValidator(lambda v: v)], ...)
        else:
            fields[name] = (ann, ...)
    model: type[pydantic.BaseModel] = pydantic.create_model(  # type: ignore[call-overload]
        f"M{_counter[0]}", __config__=pydantic.ConfigDict(**config), **fields
    )
    return model


def value_for(ann: Any, draw: Any, depth: int = 0, wide: bool = True) -> Any:
    """A valid value (Python side) for an annotation; ints past 64 bits only when `wide`."""
    origin = typing.get_origin(ann)
    args = typing.get_args(ann)
    if isinstance(ann, type) and issubclass(ann, pydantic.BaseModel):
        kwargs = {}
        for name, info in ann.model_fields.items():
            if info.is_required() or draw(st.booleans()):
                kwargs[info.alias or name] = value_for(info.annotation, draw, depth + 1, wide)
        return ann(**kwargs)
    if origin is Annotated:
        return value_for(args[0], draw, depth, wide)
    if origin in (Union, types.UnionType):
        inner = [a for a in args if a is not type(None)][0]
        return None if draw(st.booleans()) else value_for(inner, draw, depth, wide)
    if origin is list:
        return [value_for(args[0], draw, depth + 1, wide) for _ in range(draw(st.integers(0, 2 if depth < 3 else 0)))]
    if origin is dict:
        keys = draw(st.lists(st.text(max_size=3), max_size=2 if depth < 3 else 0, unique=True))
        return {k: value_for(args[1], draw, depth + 1, wide) for k in keys}
    if origin is tuple:
        return tuple(draw(st.lists(st.integers(-5, 5), max_size=2)))
    if origin is set:
        return set(draw(st.lists(st.integers(-5, 5), max_size=2)))
    if origin is Literal:
        return draw(st.sampled_from(args))
    strategies: dict[Any, st.SearchStrategy[Any]] = {
        str: st.text(max_size=5),
        int: st.one_of(st.integers(-(2**63), 2**63 - 1), st.integers(-(2**80), 2**80) if wide else st.just(0)),
        float: st.floats(allow_nan=False, allow_infinity=False),
        bool: st.booleans(),
        datetime.datetime: st.datetimes(),
        decimal.Decimal: st.decimals(allow_nan=False, allow_infinity=False, places=3),
        uuid.UUID: st.uuids(),
        Colour: st.sampled_from(Colour),
        bytes: st.binary(max_size=4).filter(lambda b: b.isascii()),
        Any: st.one_of(st.none(), st.integers(-3, 3), st.text(max_size=3), st.lists(st.integers(-3, 3), max_size=2)),
    }
    return draw(strategies[ann])


# Off-type values put into a field behind Pydantic's back (validate_assignment off).
ODD = st.sampled_from(
    [
        1,
        True,
        0,
        2.5,
        float("nan"),
        math.inf,
        "x",
        "\ud800",
        Text("sub"),
        2**70,
        None,
        [1, "a"],
        {"k": 1},
        {1: 2},
        (1, 2),
        b"b",
        Colour.RED,
        decimal.Decimal("1.5"),
    ]
)


def tamper(instance: pydantic.BaseModel, draw: Any) -> None:
    """Change one instance after construction: an odd value, a missing or stray attribute."""
    names = list(type(instance).model_fields)
    action = draw(st.sampled_from(["value", "value", "value", "missing", "stray", "subclass"]))
    if action == "value" and names:
        object.__setattr__(instance, draw(st.sampled_from(names)), draw(ODD))
    elif action == "missing" and names:
        del instance.__dict__[draw(st.sampled_from(names))]
    elif action == "stray":
        object.__setattr__(instance, "zz_stray", 1)
    elif action == "subclass":
        sub = type("Sub", (type(instance),), {})
        object.__setattr__(instance, "__class__", sub)


def encoded(encode: Any, payload: Any) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result: Any = encode(payload, to_jsonable_python)
        except Exception as exc:  # noqa: BLE001 - the exception itself is compared
            result = (type(exc), str(exc))
    return result, [str(w.message) for w in caught]


def register(c_ext: ModuleType, cls: type) -> bool:
    plans = jsonmodels.plans_for(cls)
    for model, plan in plans.items():
        c_ext.register_json_model(model, plan, to_jsonable_python)
    return cls in plans


@st.composite
def cases(draw: Any) -> tuple[type[pydantic.BaseModel], list[Any]]:
    model = build_model(draw(model_types), draw(st.sampled_from(CONFIGS)))
    instances: list[Any] = []
    for _ in range(draw(st.integers(1, 3))):
        instance = value_for(model, draw)
        if draw(st.integers(0, 3)) == 0:
            tamper(instance, draw)
        nested = [v for v in instance.__dict__.values() if isinstance(v, pydantic.BaseModel)]
        if nested and draw(st.booleans()):
            tamper(draw(st.sampled_from(nested)), draw)
        instances.append(instance)
    return model, instances


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cases())
def test_same_bytes_errors_and_warnings_as_before(c_ext: ModuleType, case: tuple[type, list[Any]]) -> None:
    model, instances = case
    register(c_ext, model)
    for payload in (instances, instances[0], {"items": instances, "n": len(instances)}):
        assert encoded(c_ext.encode_json, payload) == encoded(old_path, payload)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plain_model_types, st.data())
def test_plain_classes_of_plain_fields_are_planned(c_ext: ModuleType, tp: tuple[Any, ...], data: Any) -> None:
    """A class made only of plain field types is planned (the fast path is not vacuous)."""
    model = build_model(tp, {})
    assert register(c_ext, model)
    instance = value_for(model, data.draw, wide=False)
    assert encoded(c_ext.encode_json, [instance]) == encoded(old_path, [instance])
    with probed(model):  # and the writer really took the fields, not the default
        assert encoded(c_ext.encode_json, [instance]) != encoded(old_path, [instance])


class Node(pydantic.BaseModel):
    value: int
    next: Node | None = None
    children: list[Node] = []


def chain(length: int) -> Node:
    head = Node(value=0)
    node = head
    for index in range(1, length):
        following = Node(value=index)
        object.__setattr__(node, "next", following)
        node = following
    return head


@pytest.mark.parametrize("length", [1, 50, 127, 128, 129, 200, 254, 255, 256, 400, 600])
def test_deep_chains_end_as_before(c_ext: ModuleType, length: int) -> None:
    assert register(c_ext, Node)
    payload = chain(length)
    assert encoded(c_ext.encode_json, payload) == encoded(old_path, payload)
    wrapped: Any = [payload]
    for _ in range(300):
        wrapped = [wrapped]
    assert encoded(c_ext.encode_json, wrapped) == encoded(old_path, wrapped)


def test_cycles_end_as_before(c_ext: ModuleType) -> None:
    assert register(c_ext, Node)
    node = Node(value=1)
    object.__setattr__(node, "next", node)
    assert encoded(c_ext.encode_json, node) == encoded(old_path, node)
    node = Node(value=1)
    node.children.append(node)
    assert encoded(c_ext.encode_json, [node]) == encoded(old_path, [node])
