"""Signature -> parameter specs and Input model; return annotation -> Output (PROTOCOL §1.3).

Everything here runs once, when `@client` decorates a function. The per-request work is
`validate_args` on the compiled `ParamSpec` (C, or its twin under MIZAN_PURE=1).
"""

from __future__ import annotations

import copy
import enum
import functools
import inspect
import re
import types
import typing
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Union

import pydantic
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from mizan.core import _backend
from mizan.core._py.validate import DEFAULT_FACTORY, DEFAULT_VALUE, REQUIRED
from mizan.core.errors import Loc, MizanRegistrationError

_EMPTY = inspect.Parameter.empty
_IMMUTABLE = (str, int, float, bool, bytes, type(None), enum.Enum, frozenset)

# --- framework response bases (SIG-10) --------------------------------------------------

_response_bases: set[type] = set()


def set_framework_response_base(cls: type) -> None:
    """Register a framework's HTTP response base class (Django `HttpResponseBase`,
    Starlette `Response`): functions returning one take the view path (SIG-8, DEC-3)."""
    if not isinstance(cls, type):
        raise TypeError("a framework response base must be a class")
    _response_bases.add(cls)


def is_framework_response(value: object) -> bool:
    """True when `value` is an instance of a registered framework response base."""
    return bool(_response_bases) and isinstance(value, tuple(_response_bases))


def is_response_annotation(annotation: object) -> bool:
    """True when a return annotation names a framework response type (DEC-3)."""
    return isinstance(annotation, type) and bool(_response_bases) and issubclass(annotation, tuple(_response_bases))


# --- framework request bases (SIG-1) ---------------------------------------------------

_request_bases: set[type] = set()


def set_request_base(cls: type) -> None:
    """Register a framework's request base class (Django `HttpRequest`, Starlette
    `HTTPConnection`): a first parameter annotated with it, or a subclass, is the request."""
    if not isinstance(cls, type):
        raise TypeError("a framework request base must be a class")
    _request_bases.add(cls)


def request_bases() -> frozenset[type]:
    """The registered framework request bases."""
    return frozenset(_request_bases)


def is_request_annotation(annotation: object) -> bool:
    """True when a first-parameter annotation can name the request (SIG-1): none, `Any`,
    `object`, a registered request base or a subclass of one, and `Annotated` forms and
    unions of these (`HttpRequest | Request`, `Optional[...]`)."""
    if annotation is _EMPTY or annotation is Any or annotation is object:
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return is_request_annotation(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        arms = [arm for arm in typing.get_args(annotation) if arm is not type(None)]
        return bool(arms) and all(is_request_annotation(arm) for arm in arms)
    return isinstance(annotation, type) and bool(_request_bases) and issubclass(annotation, tuple(_request_bases))


# --- fallbacks: Pydantic validators for one node ------------------------------------------


class PydanticFallback:
    """Validates one value with Pydantic's lax rules for `annotation` (built on first use).

    Returns `(True, value)` or `(False, [(loc, message), ...])`, the form the validation
    units (C and twin) expect from a fallback.
    """

    __slots__ = ("_validate", "annotation")

    def __init__(self, annotation: Any) -> None:
        self.annotation = annotation
        self._validate: Callable[[Any], Any] | None = None

    def build(self) -> Callable[[Any], Any]:
        """The Pydantic validator, built now if it was not yet (the system checks build
        every fallback once, so a type Pydantic cannot handle fails there, not per call).

        Raises:
            pydantic.PydanticUserError: Pydantic cannot build a schema for the annotation.
        """
        validate = self._validate
        if validate is None:
            validate = self._validate = pydantic.TypeAdapter(self.annotation).validate_python
        return validate

    def __call__(self, value: Any) -> tuple[bool, Any]:
        validate = self._validate
        if validate is None:
            validate = self.build()
        try:
            return True, validate(value)
        except pydantic.ValidationError as exc:
            details = exc.errors(include_url=False, include_context=False, include_input=False)
            return False, [(tuple(e["loc"]), e["msg"]) for e in details]

    def __repr__(self) -> str:
        return f"PydanticFallback({self.annotation!r})"


_PRIMITIVES: dict[Any, str] = {str: "str", int: "int", float: "float", bool: "bool", None: "none", type(None): "none"}


def node_for(annotation: Any) -> tuple[Any, ...]:
    """The validation node for an annotation (forms in `mizan.core._py.validate`).

    Bare primitives, `Optional`, `list`, `Literal` of simple values and plain `Enum`s get
    native nodes; anything else (models, `Annotated` constraints, unions, dates, ...) is a
    delegate node that Pydantic validates.
    """
    if annotation is Any:
        return ("any", None, None)
    kind = _PRIMITIVES.get(annotation) if _hashable(annotation) else None
    if kind is not None:
        return (kind, PydanticFallback(annotation), None)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (Union, types.UnionType) and len(args) == 2 and type(None) in args:
        inner = args[0] if args[1] is type(None) else args[1]
        return ("optional", None, node_for(inner))
    if annotation is list or (origin is list and len(args) == 1):
        item = args[0] if args else Any
        return ("list", PydanticFallback(annotation), node_for(item))
    if origin is Literal and all(type(v) in (str, int, bool, type(None)) for v in args):
        return ("literal", PydanticFallback(annotation), tuple(args))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum) and not issubclass(annotation, enum.Flag):
        pairs = tuple((m.value, m) for m in annotation if type(m.value) in (str, int))
        return ("enum", PydanticFallback(annotation), pairs)
    return ("delegate", PydanticFallback(annotation), None)


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


# --- signatures ------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """One input field taken from a function parameter."""

    name: str
    annotation: Any
    default: Any  # inspect.Parameter.empty when required

    @property
    def required(self) -> bool:
        if isinstance(self.default, FieldInfo):
            return self.default.is_required()
        return self.default is _EMPTY


@dataclass(frozen=True)
class FunctionSignature:
    """What `@client` learns from a function: its fields, Input model and Output."""

    params: tuple[Param, ...]
    input_model: type[pydantic.BaseModel] | None
    output: Any
    is_async: bool
    request: str = "request"  # the first parameter's name
    request_annotation: Any = _EMPTY  # its annotation, `inspect.Parameter.empty` when none
    unannotated: tuple[str, ...] = ()  # the fields without an annotation (they become Any)
    output_annotated: bool = True  # False when the return annotation is missing


def camel(name: str) -> str:
    """PascalCase of a name, splitting on `_` and `.` (IR-8): `user_profile` -> `UserProfile`."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_.]", name) if part)


def _hints(fn: Callable[..., Any], localns: dict[str, Any] | None) -> dict[str, Any]:
    try:
        return typing.get_type_hints(fn, localns=localns, include_extras=True)
    except Exception as exc:  # NameError for unresolved forward references, and kin
        raise MizanRegistrationError(f"cannot resolve the annotations of {fn.__qualname__}: {exc}") from exc


def inspect_function(fn: Callable[..., Any], localns: dict[str, Any] | None = None) -> FunctionSignature:
    """Read a server function's signature (SIG-1..SIG-6).

    `localns` resolves string annotations naming classes local to the defining scope
    (modules with `from __future__ import annotations`).

    Raises:
        MizanRegistrationError: no request parameter, `*args`/`**kwargs`, positional-only
            parameters after the request, or a parameter name starting with `_`.
    """
    where = getattr(fn, "__qualname__", repr(fn))
    parameters = list(inspect.signature(fn).parameters.values())
    if not parameters or parameters[0].kind not in (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    ):
        raise MizanRegistrationError(f"{where}: the first parameter must be the request (SIG-1)")
    hints = _hints(fn, localns)
    params = []
    for parameter in parameters[1:]:
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            raise MizanRegistrationError(f"{where}: *{parameter.name} cannot map to a JSON field (SIG-3)")
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            raise MizanRegistrationError(f"{where}: **{parameter.name} cannot map to a JSON field (SIG-3)")
        if parameter.kind is inspect.Parameter.POSITIONAL_ONLY:
            raise MizanRegistrationError(f"{where}: positional-only parameter {parameter.name!r} (SIG-3)")
        if parameter.name.startswith("_"):
            raise MizanRegistrationError(f"{where}: parameter {parameter.name!r} starts with '_' (SIG-3)")
        params.append(Param(parameter.name, hints.get(parameter.name, Any), parameter.default))
    output = hints.get("return", Any)
    return FunctionSignature(
        params=tuple(params),
        input_model=build_input_model(camel(fn.__name__) + "Input", params) if params else None,
        output=output,
        is_async=inspect.iscoroutinefunction(fn),
        request=parameters[0].name,
        request_annotation=hints.get(parameters[0].name, _EMPTY),
        unannotated=tuple(p.name for p in parameters[1:] if p.name not in hints),
        output_annotated="return" in hints,
    )


def build_input_model(name: str, params: list[Param]) -> type[pydantic.BaseModel]:
    """The Pydantic Input model of SIG-2 (field order = parameter order)."""
    fields: dict[str, Any] = {}
    for param in params:
        default = ... if param.default is _EMPTY else param.default
        fields[param.name] = (param.annotation, default)
    config = pydantic.ConfigDict(protected_namespaces=(), arbitrary_types_allowed=True)
    with warnings.catch_warnings():
        # A parameter named like a BaseModel attribute (`json`, `copy`) only shadows it
        # on the model; validation goes through the compiled spec, not this model.
        warnings.simplefilter("ignore")
        model: type[pydantic.BaseModel] = pydantic.create_model(name, __config__=config, **fields)
    return model


def spec_entry(param: Param) -> tuple[str, tuple[Any, ...], int, Any]:
    """The compile_params entry for one parameter: node and default handling."""
    default = param.default
    if isinstance(default, FieldInfo):
        # Field(...) constraints: Pydantic validates the annotated type as a whole.
        # (Subscripted, not Annotated.__class_getitem__: Python 3.13 made Annotated a special
        # form without it.)
        annotated: Any = typing.Annotated[param.annotation, default]
        node = ("delegate", PydanticFallback(annotated), None)
        if default.default_factory is not None:
            return (param.name, node, DEFAULT_FACTORY, default.default_factory)
        if default.default is PydanticUndefined:
            return (param.name, node, REQUIRED, None)
        return (param.name, node, DEFAULT_VALUE, default.default)
    node = node_for(param.annotation)
    if default is _EMPTY:
        return (param.name, node, REQUIRED, None)
    if isinstance(default, _IMMUTABLE) or (isinstance(default, tuple) and _hashable(default)):
        return (param.name, node, DEFAULT_VALUE, default)
    return (param.name, node, DEFAULT_FACTORY, functools.partial(copy.deepcopy, default))


def compile_entries(entries: tuple[tuple[str, tuple[Any, ...], int, Any], ...]) -> Any:
    """Compile `spec_entry` results into the backend's ParamSpec (the fallbacks inside
    the entries are the ones the pipeline calls)."""
    return _backend.compile_params(list(entries))


def node_fallbacks(node: tuple[Any, ...]) -> list[PydanticFallback]:
    """Every Pydantic fallback of a validation node, outermost first."""
    kind, fallback, payload = node
    found = [fallback] if isinstance(fallback, PydanticFallback) else []
    if kind in ("optional", "list"):
        found += node_fallbacks(payload)
    return found


def model_errors(exc: pydantic.ValidationError) -> list[tuple[Loc, str]]:
    """Pydantic's errors as `(loc, message)` pairs (ERR-4 keeps nothing else)."""
    details = exc.errors(include_url=False, include_context=False, include_input=False)
    return [(tuple(e["loc"]), e["msg"]) for e in details]
