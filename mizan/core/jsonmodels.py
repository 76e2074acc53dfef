"""Which Pydantic models the JSON writer may write straight from their fields (SIG-7).

A result is encoded with `pydantic_core.to_jsonable_python` as the writer's default, so a
model is first copied into a dict of JSON-able values and then written. For a *plain*
model that copy is the model's `__dict__` itself, so the writer may skip it: this module
decides, once per class when `@client` registers a function, whether a model class named
by a return annotation (and every model class its fields name) is plain, and hands the
plain ones to the writer (`_backend.register_json_model`) with a plan: the field names in
the order they are written and, per field, the exact types it may hold.

Plain is decided from the class's core schema, the same schema Pydantic's serializer is
built from, and only what is known to be written unchanged counts: fields of type `str`,
`int`, `float`, `bool`, `X | None`, `list[X]`, `dict[str, X]` and plain models, with
defaults and before/after/wrap validators allowed; no serializer of any kind, no
serialisation alias, no excluded field, no computed field, no `extra='allow'`, no
RootModel. Anything else keeps the default. At write time an instance takes the fast path
only when it is of exactly the planned class, holds exactly the planned fields, and every
value is of exactly its kind's type (an `int` in a `float` field, a subclass, a NaN, a
model nested very deep all go through the default instead), so the bytes never differ.
"""

from __future__ import annotations

import sys
import threading
import typing
from collections.abc import Iterator
from typing import Any

import pydantic
from pydantic_core import to_jsonable_python

from mizan.core import _backend
from mizan.core._py.jsonmodel import BOOL, DICT, FLOAT, INT, LIST, MODEL, NULLABLE, STR

Kind = tuple[int, Any]
Plan = tuple[tuple[str, Kind], ...]

_SCALARS: dict[str, Kind] = {"str": (STR, None), "int": (INT, None), "float": (FLOAT, None), "bool": (BOOL, None)}
# Schemas whose serializer is the inner schema's when they carry no `serialization`.
_TRANSPARENT = frozenset({"default", "function-after", "function-before", "function-wrap"})
# The keys a plain model's schemas may carry; any other key may change what is written.
_MODEL_KEYS = frozenset(
    {"type", "cls", "config", "custom_init", "metadata", "ref", "root_model", "schema", "post_init", "generic_origin"}
)
_FIELDS_KEYS = frozenset({"type", "fields", "computed_fields", "model_name", "strict", "extra_behavior"})
_FIELD_KEYS = frozenset({"type", "schema", "metadata", "validation_alias", "frozen"})

_lock = threading.Lock()
_verdicts: dict[type, bool] = {}  # every model class examined: plain or not


def register_annotation(annotation: Any) -> None:
    """Examine the model classes a return annotation names and register the plain ones."""
    for cls in set(_model_classes(annotation)):
        with _lock:
            if cls in _verdicts:
                continue
            plans: dict[type, Plan | None] = {}
            _plan_class(cls, plans)
            for model, plan in plans.items():
                _verdicts[model] = plan is not None
                if plan is not None:
                    _backend.register_json_model(model, plan, to_jsonable_python)


def is_plain(cls: type) -> bool:
    """Whether `cls` was examined and registered as plain (for tests and benchmarks)."""
    return _verdicts.get(cls, False)


def plans_for(cls: type) -> dict[type, Plan]:
    """The plans of `cls` and of the model classes its fields name, those that are plain,
    computed afresh and not registered (for tests and benchmarks)."""
    plans: dict[type, Plan | None] = {}
    _plan_class(cls, plans, fresh=True)
    return {model: plan for model, plan in plans.items() if plan is not None}


def _model_classes(annotation: Any, depth: int = 0) -> Iterator[type]:
    if depth > 32:
        return
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _model_classes(arg, depth + 1)


def _plan_class(cls: type, plans: dict[type, Plan | None], fresh: bool = False) -> bool:
    """Fill `plans[cls]` (None when not plain) and the plans of the classes it names.

    A class met again while its own plan is being built counts as plain: if it turns out
    not to be, the writer finds no plan for it and takes the default for its instances.
    """
    if cls in plans:
        return True
    if not fresh and cls in _verdicts:
        return _verdicts[cls]
    plans[cls] = None
    plan = _build_plan(cls, plans, fresh)
    plans[cls] = plan
    return plan is not None


def _build_plan(cls: type, plans: dict[type, Plan | None], fresh: bool) -> Plan | None:
    if not (isinstance(cls, type) and issubclass(cls, pydantic.BaseModel)) or issubclass(cls, pydantic.RootModel):
        return None
    if not cls.__pydantic_complete__ or cls.model_config.get("extra") == "allow":
        return None
    core_schema = cls.__pydantic_core_schema__
    definitions = _definitions(core_schema)
    schema = _resolve(core_schema, definitions)
    if schema is None or schema.get("type") != "model" or schema.get("cls") is not cls:
        return None
    if set(schema) - _MODEL_KEYS or schema.get("root_model"):
        return None
    if schema.get("config", {}).get("extra_fields_behavior") == "allow":
        return None
    fields_schema = schema.get("schema", {})
    if fields_schema.get("type") != "model-fields" or set(fields_schema) - _FIELDS_KEYS:
        return None
    if fields_schema.get("computed_fields") or fields_schema.get("extra_behavior") == "allow":
        return None
    entries: list[tuple[str, Kind]] = []
    for name, field in fields_schema.get("fields", {}).items():
        if type(name) is not str or field.get("type") != "model-field" or set(field) - _FIELD_KEYS:
            return None
        kind = _kind(field["schema"], definitions, plans, fresh, 0)
        if kind is None:
            return None
        entries.append((sys.intern(name), kind))  # __dict__ lookups then compare pointers
    try:
        for name, _ in entries:
            name.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return tuple(sorted(entries, key=lambda entry: entry[0]))


def _kind(
    schema: Any, definitions: dict[str, Any], plans: dict[type, Plan | None], fresh: bool, nesting: int
) -> Kind | None:
    """The kind of a field's schema, or None when the writer cannot match Pydantic on it."""
    schema = _resolve(schema, definitions)
    if schema is None or "serialization" in schema or nesting > 16:
        return None
    kind = schema.get("type")
    if kind in _TRANSPARENT:
        return _kind(schema.get("schema"), definitions, plans, fresh, nesting)
    if kind in _SCALARS:
        return _SCALARS[kind]
    if kind in ("nullable", "list", "dict"):
        inner_key = {"nullable": "schema", "list": "items_schema", "dict": "values_schema"}[kind]
        if kind == "dict":
            keys = _resolve(schema.get("keys_schema"), definitions)
            if keys is None or keys.get("type") != "str" or "serialization" in keys:
                return None
        inner = _kind(schema.get(inner_key), definitions, plans, fresh, nesting + 1)
        if inner is None:
            return None
        return ({"nullable": NULLABLE, "list": LIST, "dict": DICT}[kind], inner)
    if kind == "model":
        cls = schema.get("cls")
        return (MODEL, cls) if isinstance(cls, type) and _plan_class(cls, plans, fresh) else None
    return None


def _resolve(schema: Any, definitions: dict[str, Any]) -> dict[str, Any] | None:
    """Follow `definitions` wrappers and `definition-ref`s to the schema they stand for."""
    for _ in range(8):
        if not isinstance(schema, dict):
            return None
        kind = schema.get("type")
        if kind == "definitions":
            schema = schema.get("schema")
        elif kind == "definition-ref":
            if "serialization" in schema:
                return None
            schema = definitions.get(schema.get("schema_ref", ""))
        else:
            return schema
    return None


def _definitions(schema: Any) -> dict[str, Any]:
    """Every schema carrying a `ref` in a core schema, by its ref."""
    found: dict[str, Any] = {}
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("ref")
            if isinstance(ref, str) and node.get("type") != "definition-ref":
                found.setdefault(ref, node)
            stack.extend(value for key, value in node.items() if key not in ("metadata", "cls"))
        elif isinstance(node, list | tuple):
            stack.extend(node)
    return found
