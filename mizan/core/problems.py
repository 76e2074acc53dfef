"""Declaration mistakes of registered functions, found once per registry change (issue 15).

Each is a `Problem` the adapters report where configuration problems belong: Django as
system checks (`mizan.checks`), FastAPI as a `ConfigError` at start-up. None of them stops
a request: they are what would otherwise surface as a 500 at the first call, an
`IRBuildError` at export, or an argument silently lost.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime
import decimal
import enum
import inspect
import pathlib
import re
import threading
import types
import typing
import uuid
from dataclasses import dataclass
from typing import Any, Final, Literal, Union

import pydantic

from mizan.core import registry
from mizan.core.client import FunctionServerFunction, ServerFunction
from mizan.core.ir import context_param_types
from mizan.core.signature import (
    PydanticFallback,
    is_request_annotation,
    is_response_annotation,
    node_fallbacks,
    request_bases,
)

Kind = Literal["request", "param-type", "return-type", "context-param", "annotation"]

# What pydantic-core's serializer converts without a schema, by the class of the value
# (`to_jsonable_python`, SIG-7): a return annotation naming a subclass of one of these
# is serialisable even when Pydantic cannot build a schema for it (a `str` subclass).
_SERIALISED_BASES: Final = (
    str,
    int,
    float,
    complex,
    bytes,
    bytearray,
    list,
    tuple,
    dict,
    set,
    frozenset,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    decimal.Decimal,
    uuid.UUID,
    enum.Enum,
    pathlib.PurePath,
    re.Pattern,
    pydantic.BaseModel,
    collections.abc.Iterator,  # generators are serialised as lists
)
_AWAITABLES: Final = (collections.abc.Awaitable, collections.abc.Coroutine)
_SKIPPED_ARGS: Final = (Literal,)


@dataclass(frozen=True)
class Problem:
    """One declaration mistake.

    Attributes:
        kind: what is wrong (the Django check id follows from it).
        error: False for a warning (the declaration still works, with less typing).
        function: the registered name (for "context-param", the context's name).
        module: the module that defines the function (for "context-param", the members').
        param: the parameter concerned, if any.
        message: what is wrong, naming the function, the parameter and the module.
        hint: how to fix it.
    """

    kind: Kind
    error: bool
    function: str
    module: str
    param: str | None
    message: str
    hint: str


_lock = threading.Lock()
_cached: tuple[tuple[int, frozenset[type]], tuple[Problem, ...]] | None = None


def definition_problems() -> tuple[Problem, ...]:
    """Every declaration mistake in the registry, errors and warnings, in a stable order
    (functions by name, then contexts by name); computed once per registry change."""
    global _cached
    key = (registry.version(), request_bases())
    cached = _cached
    if cached is not None and cached[0] == key:
        return cached[1]
    with _lock:
        found: list[Problem] = []
        functions = registry.get_all_functions()
        for name in sorted(functions):
            found += function_problems(name, functions[name])
        for context, members in sorted(registry.get_context_groups().items()):
            found += context_problems(context, [(member, functions[member]) for member in sorted(members)])
        problems = tuple(found)
        _cached = (key, problems)
    return problems


def describe(problems: list[Problem]) -> str:
    """The problems as one text, one line each with its hint (for a `ConfigError`)."""
    return "\n".join(f"  - {problem.message} HINT: {problem.hint}" for problem in problems)


def _label(name: str, fn_class: type[ServerFunction]) -> str:
    return f"{name} ({fn_class.__module__}.{fn_class.__qualname__})"


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return annotation.__qualname__
    return repr(annotation).replace("typing.", "")


def function_problems(name: str, fn_class: type[ServerFunction]) -> list[Problem]:
    """The mistakes in one function's declaration: request parameter (SIG-1), parameter
    and return types, missing annotations."""
    found: list[Problem] = []
    signature = getattr(fn_class, "_signature", None)
    if issubclass(fn_class, FunctionServerFunction) and signature is not None:
        found += _request_problems(name, fn_class, signature.request, signature.request_annotation)
        for entry in fn_class._param_entries:
            problem = _param_type_problem(name, fn_class, entry[0], entry[1])
            if problem is not None:
                found.append(problem)
        found += _annotation_problems(name, fn_class, signature.unannotated, signature.output_annotated)
    culprit = unserialisable_class(fn_class.Output)
    if culprit is not None:
        found.append(
            Problem(
                "return-type",
                True,
                name,
                fn_class.__module__,
                None,
                f"{_label(name, fn_class)}: the return annotation {_type_name(fn_class.Output)} names "
                f"{culprit.__qualname__}, which Mizan cannot serialise to JSON; every call would "
                "answer 500 (SIG-7).",
                "Return a Pydantic model, a dataclass, a dict, a list or primitives, or annotate "
                "the framework's response class to take the view path.",
            )
        )
    return found


def _request_problems(name: str, fn_class: type[ServerFunction], request: str, annotation: Any) -> list[Problem]:
    if is_request_annotation(annotation):
        return []
    module = fn_class.__module__
    return [
        Problem(
            "request",
            True,
            name,
            module,
            request,
            f"{_label(name, fn_class)}: the first parameter {request!r} is annotated "
            f"{_type_name(annotation)}, but the first parameter of a server function is the "
            f"request (SIG-1); {request!r} would receive the request, never a client argument.",
            f"Add the request as the first parameter: def {fn_class.__name__}(request, {request}: ...).",
        )
    ]


def _param_type_problem(name: str, fn_class: type[ServerFunction], param: str, node: tuple[Any, ...]) -> Problem | None:
    """Build the Pydantic validators the pipeline calls for this parameter (they are
    otherwise built at the first call that sends it, and a failure there is a 500)."""
    fallbacks: list[PydanticFallback] = node_fallbacks(node)
    for fallback in fallbacks:
        try:
            fallback.build()
        except Exception as exc:  # PydanticSchemaGenerationError, PydanticUserError, ...
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return Problem(
                "param-type",
                True,
                name,
                fn_class.__module__,
                param,
                f"{_label(name, fn_class)}: parameter {param!r} is annotated "
                f"{_type_name(fallback.annotation)}, which Mizan cannot validate: {reason}",
                "Use a type Pydantic validates (a Pydantic model, a dataclass, "
                "typing_extensions.TypedDict, primitives and containers of these), or give the "
                "class a __get_pydantic_core_schema__.",
            )
    return None


def _annotation_problems(
    name: str, fn_class: type[ServerFunction], unannotated: tuple[str, ...], output_annotated: bool
) -> list[Problem]:
    module = fn_class.__module__
    found = [
        Problem(
            "annotation",
            False,
            name,
            module,
            param,
            f"{_label(name, fn_class)}: parameter {param!r} has no annotation, so it becomes "
            "any: every JSON value is accepted and the generated client types it as any (SIG-2).",
            f"Annotate it, e.g. {param}: str.",
        )
        for param in unannotated
    ]
    if not output_annotated:
        found.append(
            Problem(
                "annotation",
                False,
                name,
                module,
                None,
                f"{_label(name, fn_class)}: the return annotation is missing, so the result "
                "becomes any in the generated client (SIG-6).",
                "Annotate the return type (-> None when the function returns nothing).",
            )
        )
    return found


def context_problems(context: str, members: list[tuple[str, type[ServerFunction]]]) -> list[Problem]:
    """A param that the context's members type differently: the IR export's "members
    disagree on its type" (IR.md §12.1), found before any export."""
    found: list[Problem] = []
    classes = dict(members)
    for param, typed in sorted(context_param_types(members).items()):
        if len(set(typed.values())) < 2:
            continue
        who = ", ".join(f"{_label(member, classes[member])} takes {kind}" for member, kind in sorted(typed.items()))
        modules = sorted({classes[member].__module__ for member in typed})
        found.append(
            Problem(
                "context-param",
                True,
                context,
                ", ".join(modules),
                param,
                f"context {context!r} / param {param!r}: members disagree on its type: {who} "
                "(the IR cannot be exported; docs/ir.md).",
                f"Give {param!r} the same type in every member of {context!r} (int, float, "
                "bool, or anything else, which the client sends as a string).",
            )
        )
    return found


def unserialisable_class(annotation: Any) -> type | None:
    """The first class named by a return annotation whose instances the serializer cannot
    convert (SIG-7), else None.

    A class counts only when Pydantic cannot build a schema for it *and* it is not a
    subclass of a type the serializer knows by itself (`_SERIALISED_BASES`), a dataclass,
    a Pydantic-serialisable class, a protocol or an abstract class (whose values may be of
    any serialisable subclass), or a framework response class (the view path).
    """
    if annotation is Any or annotation is None or isinstance(annotation, typing.TypeVar):
        return None
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return unserialisable_class(args[0])
    if origin in _SKIPPED_ARGS:
        return None
    if origin in _AWAITABLES:  # awaited by the pipeline: the result is what counts
        return unserialisable_class(args[-1]) if args else None
    if origin is not None:
        if origin not in (Union, types.UnionType):
            culprit = unserialisable_class(origin)
            if culprit is not None:
                return culprit
        for arg in args:
            if arg is Ellipsis or isinstance(arg, list):
                continue
            culprit = unserialisable_class(arg)
            if culprit is not None:
                return culprit
        return None
    if not isinstance(annotation, type) or _serialisable_class(annotation):
        return None
    try:
        pydantic.TypeAdapter(annotation)
    except pydantic.PydanticSchemaGenerationError:
        return annotation
    except Exception:  # another Pydantic limitation says nothing about serialising values
        return None
    return None


def _serialisable_class(cls: type) -> bool:
    return (
        cls is object
        or cls is type(None)
        or issubclass(cls, _SERIALISED_BASES)
        or dataclasses.is_dataclass(cls)
        or hasattr(cls, "__pydantic_serializer__")
        or getattr(cls, "_is_protocol", False)
        or inspect.isabstract(cls)
        or is_response_annotation(cls)
    )
