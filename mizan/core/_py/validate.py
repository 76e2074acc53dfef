"""Pure-Python twin of the C validation unit (`mz_validate.c` + `mzpy_validate.c`).

A function's parameters are compiled once, at registration, into a `ParamSpec`. Each
call's arguments are then checked against it: the common cases (exact primitives,
`Optional`, `list`, `Literal`, `Enum`, defaults) are decided here, and every other input
is handed to the node's *fallback*, a Pydantic validator for exactly that node, so the
result always equals what Pydantic's lax mode gives (tests compare against the Input
model itself).

Node forms (tuples, built by `mizan.core.signature`):

    ("any", None, None)
    ("str" | "int" | "float" | "bool" | "none", fallback, None)
    ("optional", None, inner)
    ("list", fallback, inner)
    ("literal", fallback, (value, ...))            values of type str, int, bool or None
    ("enum", fallback, ((value, member), ...))     values of type str or int
    ("delegate", fallback, None)                    always the fallback (models, dates, ...)

A fallback is `f(value) -> (True, validated) | (False, [(loc, message), ...])`.

Parameters are `(name, node, default_kind, default)` with default_kind `REQUIRED` (0),
`DEFAULT_VALUE` (1: the default object itself) or `DEFAULT_FACTORY` (2: call it).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from mizan.core.errors import Loc, ValidationError

REQUIRED = 0
DEFAULT_VALUE = 1
DEFAULT_FACTORY = 2

MSG_REQUIRED = "Field required"

KINDS = ("any", "str", "int", "float", "bool", "none", "optional", "list", "literal", "enum", "delegate")
_MAX_SPEC_DEPTH = 64
_EXACT_FLOAT_INT = 2**53

# Decimal integers the C side converts without help: optional minus, no leading zeros,
# at most 18 digits (always inside int64). Anything else goes to the fallback.
_FAST_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")

Fallback = Callable[[Any], tuple[bool, Any]]


class ParamSpec:
    """The compiled, immutable parameter list of one function."""

    __slots__ = ("_names", "_params")

    def __init__(self, params: tuple[tuple[str, tuple[Any, ...], int, Any], ...]) -> None:
        self._params = params
        self._names: tuple[str, ...] = tuple(p[0] for p in params)

    @property
    def names(self) -> tuple[str, ...]:
        """The parameter names, in order (read-only, as on the C type)."""
        return self._names

    def __repr__(self) -> str:
        return f"<ParamSpec {', '.join(self.names)}>"


def _check_node(node: object, depth: int) -> tuple[Any, ...]:
    if depth > _MAX_SPEC_DEPTH:
        raise ValueError("parameter spec nested too deeply")
    if not isinstance(node, tuple) or len(node) != 3 or node[0] not in KINDS:
        raise ValueError(f"invalid parameter spec node: {node!r}")
    kind, fallback, payload = node
    if kind == "optional":
        _check_node(payload, depth + 1)
    elif kind == "any":
        pass
    else:
        if not callable(fallback):
            raise ValueError(f"{kind} node needs a callable fallback")
        if kind == "list":
            _check_node(payload, depth + 1)
        elif kind == "literal":
            if not isinstance(payload, tuple):
                raise ValueError("literal node needs a tuple of values")
        elif kind == "enum":
            if not isinstance(payload, tuple) or not all(isinstance(p, tuple) and len(p) == 2 for p in payload):
                raise ValueError("enum node needs a tuple of (value, member) pairs")
    return node


def compile_params(params: Sequence[tuple[str, tuple[Any, ...], int, Any]], /) -> ParamSpec:
    """Check and freeze a parameter list (see the module docstring for the forms).

    Raises:
        ValueError: a malformed entry or node, a duplicate name, an unknown default kind,
            or a factory default that is not callable.
    """
    checked = []
    seen: set[str] = set()
    for entry in params:
        if not isinstance(entry, tuple) or len(entry) != 4:
            raise ValueError(f"invalid parameter entry: {entry!r}")
        name, node, default_kind, default = entry
        if not isinstance(name, str):
            raise ValueError("parameter name must be a str")
        if name in seen:
            raise ValueError(f"duplicate parameter {name!r}")
        seen.add(name)
        if default_kind not in (REQUIRED, DEFAULT_VALUE, DEFAULT_FACTORY):
            raise ValueError(f"invalid default kind for {name!r}")
        if default_kind == DEFAULT_FACTORY and not callable(default):
            raise ValueError(f"default factory of {name!r} is not callable")
        checked.append((name, _check_node(node, 0), default_kind, default))
    return ParamSpec(tuple(checked))


def _fallback(fallback: Fallback, value: Any, loc: Loc, errors: list[tuple[Loc, str]]) -> tuple[bool, Any]:
    ok, result = fallback(value)
    if ok:
        return True, result
    for sub_loc, message in result:
        errors.append((loc + tuple(sub_loc), message))
    return False, None


def _validate(node: tuple[Any, ...], value: Any, loc: Loc, errors: list[tuple[Loc, str]]) -> tuple[bool, Any]:
    kind, fallback, payload = node
    if kind == "any":
        return True, value
    if kind == "optional":
        if value is None:
            return True, None
        return _validate(payload, value, loc, errors)
    kind_of = type(value)
    if kind == "str":
        if kind_of is str:
            return True, value
    elif kind == "int":
        if kind_of is int:
            return True, value
        if kind_of is str and _FAST_INT.fullmatch(value):
            return True, int(value)
    elif kind == "float":
        if kind_of is float and math.isfinite(value):
            return True, value
        if kind_of is int and -_EXACT_FLOAT_INT <= value <= _EXACT_FLOAT_INT:
            return True, float(value)
    elif kind == "bool":
        if kind_of is bool:
            return True, value
        if kind_of is str and value in ("true", "false"):
            return True, value == "true"
    elif kind == "none":
        if value is None:
            return True, None
    elif kind == "list":
        if kind_of is list:
            items = []
            failed = False
            for index, item in enumerate(value):
                ok, result = _validate(payload, item, (*loc, index), errors)
                failed = failed or not ok
                items.append(result)
            return (False, None) if failed else (True, items)
    elif kind == "literal":
        for allowed in payload:
            if kind_of is type(allowed) and value == allowed:
                return True, allowed
    elif kind == "enum":
        for allowed, member in payload:
            if kind_of is type(allowed) and value == allowed:
                return True, member
    return _fallback(fallback, value, loc, errors)


def validate_args(spec: ParamSpec, args: dict[str, Any], /) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Validate call arguments against `spec`.

    Args:
        spec: from :func:`compile_params`.
        args: the decoded `args` object; keys that are not parameters are ignored (RPC-5).

    Returns:
        `(kwargs, supplied)`: validated values for every parameter (defaults filled in),
        and the names the caller supplied, in parameter order (INV-3 uses them).

    Raises:
        ValidationError: every failure, in parameter order, with Pydantic's messages.
        TypeError: `spec` is not a ParamSpec or `args` is not a dict.
    """
    if not isinstance(spec, ParamSpec):
        raise TypeError("spec must be a ParamSpec")
    # type(), not isinstance(): a proxy claiming to be a dict is refused, and a dict
    # subclass is read through dict's own methods, as the C unit reads it.
    if not issubclass(type(args), dict):
        raise TypeError("args must be a dict")
    kwargs: dict[str, Any] = {}
    supplied: list[str] = []
    errors: list[tuple[Loc, str]] = []
    for name, node, default_kind, default in spec._params:
        if dict.__contains__(args, name):
            supplied.append(name)
            ok, result = _validate(node, dict.__getitem__(args, name), (name,), errors)
            if ok:
                kwargs[name] = result
        elif default_kind == REQUIRED:
            errors.append(((name,), MSG_REQUIRED))
        elif default_kind == DEFAULT_VALUE:
            kwargs[name] = default
        else:
            kwargs[name] = default()
    if errors:
        raise ValidationError(errors)
    return kwargs, tuple(supplied)
