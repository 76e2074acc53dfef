"""Pure-Python twin of `register_json_model` (`mzpy_jsonw.c`).

The C writer writes an instance of a registered plain Pydantic model from its fields when
the default is `pydantic_core.to_jsonable_python`. The twin keeps the plans (and refuses
the malformed ones exactly as C does) but does not use them: its `encode_json` hands every
model to the default, whose output is by definition what the fast path must reproduce
byte for byte (tests/property/test_jsonmodel_differential.py holds C to that).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Field kinds, the tags of mzpy_jsonw.h (MZ_FIELD_*).
STR, INT, FLOAT, BOOL, NULLABLE, LIST, DICT, MODEL = range(8)
_SCALARS = frozenset({STR, INT, FLOAT, BOOL})
_WRAPPERS = frozenset({NULLABLE, LIST, DICT})
KIND_MAX_NESTING = 32
MSG_MALFORMED = "malformed JSON model plan"

_plans: dict[type, tuple[tuple[str, tuple[int, Any]], ...]] = {}
_default: list[Callable[[Any], Any]] = []


def _valid_kind(kind: object, nesting: int) -> bool:
    if nesting > KIND_MAX_NESTING or type(kind) is not tuple or len(kind) != 2:
        return False
    tag, arg = kind
    if type(tag) is not int:
        return False
    if tag in _SCALARS:
        return arg is None
    if tag in _WRAPPERS:
        return _valid_kind(arg, nesting + 1)
    return tag == MODEL and isinstance(arg, type)


def _valid_name(name: object) -> bool:
    if type(name) is not str:
        return False
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _valid_plan(plan: object) -> bool:
    if type(plan) is not tuple:
        return False
    previous: str | None = None
    for entry in plan:
        if type(entry) is not tuple or len(entry) != 2:
            return False
        name, kind = entry
        if not _valid_name(name) or not _valid_kind(kind, 0):
            return False
        if previous is not None and previous >= name:  # code point order, no duplicates
            return False
        previous = name
    return True


def register_json_model(
    cls: type, plan: tuple[tuple[str, tuple[int, Any]], ...], default: Callable[[Any], Any], /
) -> None:
    """Record the plan of a plain Pydantic model class (see `mizan.core.jsonmodels`).

    Args:
        cls: the model class; only instances of exactly this class are concerned.
        plan: `(field name, kind)` pairs in code point order of the names; a kind is
            `(tag, arg)`: arg None for STR/INT/FLOAT/BOOL, the inner kind for
            NULLABLE/LIST/DICT, the model class for MODEL.
        default: the `encode_json` default the plans stand for
            (`pydantic_core.to_jsonable_python`); the last one registered counts.

    Raises:
        TypeError: `cls` is not a class, `plan` is malformed, or `default` is not callable.
    """
    if not isinstance(cls, type) or not _valid_plan(plan) or not callable(default):
        raise TypeError(MSG_MALFORMED)
    _plans[cls] = plan
    _default[:] = [default]
