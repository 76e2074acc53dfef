"""Differential properties of validation: C, the twin and Pydantic's own model agree."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pydantic
from hypothesis import event, given
from hypothesis import strategies as st

from tests.property.strategies import arg_values, param_types

REQUIRED, DEFAULT_VALUE, DEFAULT_FACTORY = 0, 1, 2
SENTINEL = "the default"


def made() -> str:
    return "made by the factory"


@st.composite
def specs_and_args(draw: st.DrawFn) -> tuple[list[tuple[str, Any, int, Any]], dict[str, Any], dict[str, Any]]:
    """compile_params entries, Pydantic field definitions and an args dict for both."""
    count = draw(st.integers(1, 4))
    entries: list[tuple[str, Any, int, Any]] = []
    fields: dict[str, Any] = {}
    args: dict[str, Any] = {}
    for index in range(count):
        name = f"p{index}"
        annotation, node, values = draw(param_types)
        kind = draw(st.sampled_from([REQUIRED, REQUIRED, DEFAULT_VALUE, DEFAULT_FACTORY]))
        if kind == REQUIRED:
            entries.append((name, node, REQUIRED, None))
            fields[name] = (annotation, ...)
        elif kind == DEFAULT_VALUE:
            entries.append((name, node, DEFAULT_VALUE, SENTINEL))
            fields[name] = (annotation, SENTINEL)
        else:
            entries.append((name, node, DEFAULT_FACTORY, made))
            fields[name] = (annotation, pydantic.Field(default_factory=made))
        if draw(st.integers(0, 4)):
            args[name] = draw(values if draw(st.integers(0, 3)) else arg_values)
    if draw(st.booleans()):
        args["extra"] = draw(arg_values)
    return entries, fields, args


def outcome(backend: ModuleType, spec: Any, args: dict[str, Any]) -> tuple[Any, ...]:
    try:
        kwargs, supplied = backend.validate_args(spec, args)
    except Exception as exc:  # noqa: BLE001 - the exception is the outcome under test
        return ("raised", type(exc).__name__, repr(getattr(exc, "errors", exc.args)))
    return ("ok", repr(kwargs), supplied)


def pydantic_outcome(fields: dict[str, Any], args: dict[str, Any]) -> tuple[Any, ...]:
    model = pydantic.create_model("Input", **fields)
    try:
        instance = model.model_validate(args)
    except pydantic.ValidationError as exc:
        errors = [(tuple(e["loc"]), e["msg"]) for e in exc.errors(include_url=False)]
        return ("raised", "ValidationError", repr(errors))
    values = {name: getattr(instance, name) for name in fields}
    return ("ok", repr(values), tuple(name for name in fields if name in args))


@given(specs_and_args())
def test_c_twin_and_pydantic_agree(
    c_ext: ModuleType, py_impl: ModuleType, case: tuple[list[tuple[str, Any, int, Any]], dict[str, Any], dict[str, Any]]
) -> None:
    entries, fields, args = case
    c_result = outcome(c_ext, c_ext.compile_params(entries), args)
    py_result = outcome(py_impl, py_impl.compile_params(entries), args)
    assert c_result == py_result
    assert py_result == pydantic_outcome(fields, args)
    event(f"outcome: {py_result[0]}")
