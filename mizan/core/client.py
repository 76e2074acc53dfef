"""`@client` and `ServerFunction`: what a declaration turns into (PROTOCOL §1.1, §1.4, DEC-1).

`@client` returns a ServerFunction *subclass* wrapping the function; the original stays
reachable as `fn` (and `__wrapped__`), so tests can call it directly:
`echo.fn(request, text="hi")`.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar, overload

import pydantic

from mizan.core import _backend
from mizan.core.errors import MizanRegistrationError, ValidationError
from mizan.core.options import FunctionOptions, is_global, normalize_options
from mizan.core.signature import (
    FunctionSignature,
    compile_entries,
    inspect_function,
    is_response_annotation,
    model_errors,
    spec_entry,
)
from mizan.core.uploads import mentions_upload, upload_kind

Bound = Any  # what `bind` returns and `run` takes: kwargs (functions) or an Input instance


class ServerFunction:
    """Base class of every registered server function (SF-1).

    Class attributes: `Input` (Pydantic model or None), `Output` (the return annotation),
    `_meta` (a fresh dict per class, DEC-2). Instances are made per call with the request.
    Hand-written subclasses implement `call(self, input)`, sync or async (SF-2, SF-3).
    """

    Input: ClassVar[type[pydantic.BaseModel] | None] = None
    Output: ClassVar[Any] = Any
    _meta: ClassVar[dict[str, Any]] = {}
    _options: ClassVar[FunctionOptions] = FunctionOptions()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Never share metadata with a parent class (seed: "a fresh dict per class").
        cls._meta = dict(cls.__dict__.get("_meta", {}))

    def __init__(self, request: Any) -> None:
        self.request = request

    def call(self, input: Any) -> Any:
        """Run the function body with a validated Input instance (or None)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement call()")

    async def acall(self, input: Any) -> Any:
        """Always awaitable: async bodies are awaited, sync bodies run in a thread (SF-2)."""
        if inspect.iscoroutinefunction(self.call):
            return await self.call(input)
        result = await asyncio.to_thread(self.call, input)
        if inspect.isawaitable(result):
            return await result
        return result

    # -- executor protocol: validate once, then run --------------------------------------

    @classmethod
    def bind(cls, args: dict[str, Any]) -> tuple[Bound, tuple[str, ...]]:
        """Validate decoded arguments; return the bound input and the supplied names.

        Raises:
            ValidationError: the arguments do not fit `Input`.
        """
        if cls.Input is None:
            return None, ()
        try:
            instance = cls.Input.model_validate(args)
        except pydantic.ValidationError as exc:
            raise ValidationError(model_errors(exc)) from None
        supplied = tuple(name for name in type(instance).model_fields if name in instance.model_fields_set)
        return instance, supplied

    def run(self, bound: Bound) -> Any:
        """Invoke the body with what `bind` returned (may return an awaitable)."""
        return self.call(bound)

    @classmethod
    def arguments(cls, bound: Bound) -> dict[str, Any]:
        """The validated arguments by name (what invalidation scoping matches, INV-3)."""
        if bound is None or cls.Input is None:
            return {}
        return {name: getattr(bound, name) for name in cls.Input.model_fields}


class FunctionServerFunction(ServerFunction):
    """A ServerFunction made by `@client` from a plain function (SIG-5: `fn(request, **fields)`)."""

    fn: ClassVar[Callable[..., Any]]
    _param_spec: ClassVar[Any] = None
    _param_entries: ClassVar[tuple[tuple[str, tuple[Any, ...], int, Any], ...]] = ()
    _signature: ClassVar[FunctionSignature | None] = None
    _field_names: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def bind(cls, args: dict[str, Any]) -> tuple[Bound, tuple[str, ...]]:
        if cls._param_spec is None:
            return {}, ()
        kwargs, supplied = _backend.validate_args(cls._param_spec, args)
        return kwargs, supplied

    def run(self, bound: Bound) -> Any:
        return type(self).fn(self.request, **bound)

    @classmethod
    def arguments(cls, bound: Bound) -> dict[str, Any]:
        return bound if isinstance(bound, dict) else {}

    def call(self, input: Any) -> Any:
        kwargs = {} if input is None else {name: getattr(input, name) for name in self._field_names}
        return type(self).fn(self.request, **kwargs)


class AsyncFunctionServerFunction(FunctionServerFunction):
    """`@client` on an `async def`: `run` is a coroutine function itself, so an event-loop
    driver awaits it on the loop instead of calling it in a worker thread first (FA-4)."""

    async def run(self, bound: Bound) -> Any:
        return await type(self).fn(self.request, **bound)


S = TypeVar("S", bound=type[ServerFunction])


def _check_global(options: FunctionOptions, signature: FunctionSignature | None, where: str) -> None:
    if not is_global(options.context) or signature is None:
        return
    required = [p.name for p in signature.params if p.required]
    if required:
        raise MizanRegistrationError(
            f"{where}: functions in the global context cannot have required parameters ({', '.join(required)}) (CTX-2)"
        )


def _check_uploads(options: FunctionOptions, annotations: dict[str, Any], where: str) -> None:
    """DEC-5: `Upload` parameters only on non-context HTTP functions (the bundle fetch and
    the socket carry JSON only, WS-10), and only as `Upload`, `list[Upload]` or either
    `| None`: the shapes a multipart form can bind (UPL-1, UPL-2)."""
    for name, annotation in annotations.items():
        if not mentions_upload(annotation):
            continue
        if options.context is not None or options.websocket:
            place = "a context function" if options.context is not None else "a websocket=True function"
            raise MizanRegistrationError(f"{where}: parameter {name!r} is an Upload, which {place} cannot take (DEC-5)")
        try:
            upload_kind(annotation)
        except TypeError as exc:
            raise MizanRegistrationError(f"{where}: parameter {name!r}: {exc}") from None


def _derived_meta(output: Any) -> dict[str, Any]:
    return {"view_path": True} if is_response_annotation(output) else {}


def _wrap_function(
    fn: Callable[..., Any], options: FunctionOptions, localns: dict[str, Any]
) -> type[FunctionServerFunction]:
    if not callable(fn):
        raise MizanRegistrationError(f"@client decorates functions or ServerFunction classes, not {fn!r}")
    signature = inspect_function(fn, localns)
    _check_global(options, signature, fn.__qualname__)
    _check_uploads(options, {p.name: p.annotation for p in signature.params}, fn.__qualname__)
    options = _with_meta(options, _derived_meta(signature.output))
    entries = tuple(spec_entry(p) for p in signature.params)
    namespace: dict[str, Any] = {
        "__module__": fn.__module__,
        "__qualname__": fn.__qualname__,
        "__doc__": fn.__doc__,
        "__wrapped__": staticmethod(fn),
        "fn": staticmethod(fn),
        "Input": signature.input_model,
        "Output": signature.output,
        "_meta": options.meta(),
        "_options": options,
        "_signature": signature,
        # The entries keep the Pydantic fallbacks the spec calls, so the system checks can
        # build those very validators once (mizan.core.problems).
        "_param_entries": entries,
        "_param_spec": compile_entries(entries) if entries else None,
        "_field_names": tuple(p.name for p in signature.params),
    }
    base = AsyncFunctionServerFunction if inspect.iscoroutinefunction(fn) else FunctionServerFunction
    return type(fn.__name__, (base,), namespace)


def _with_meta(options: FunctionOptions, extra: dict[str, Any]) -> FunctionOptions:
    if not extra:
        return options
    from dataclasses import replace

    return replace(options, extra_meta={**options.extra_meta, **extra})


def _configure_class(cls: type[ServerFunction], options: FunctionOptions) -> type[ServerFunction]:
    """DEC-6: `@client` on a ServerFunction subclass writes the options into that class."""
    if is_global(options.context) and cls.Input is not None:
        required = [name for name, f in cls.Input.model_fields.items() if f.is_required()]
        if required:
            raise MizanRegistrationError(
                f"{cls.__qualname__}: global context functions cannot have required fields (CTX-2)"
            )
    if cls.Input is not None:
        _check_uploads(options, {k: f.annotation for k, f in cls.Input.model_fields.items()}, cls.__qualname__)
    options = _with_meta(options, _derived_meta(cls.Output))
    cls._options = options
    cls._meta = options.meta()
    return cls


@overload
def client(target: S, /) -> S: ...
@overload
def client(target: Callable[..., Any], /) -> type[FunctionServerFunction]: ...
@overload
def client(target: None = None, /, **options: Any) -> Callable[[Any], Any]: ...


def client(target: Any = None, /, **options: Any) -> Any:
    """Declare a server function: `@client` or `@client(context=..., affects=..., ...)`.

    Options (DEC-2): `context`, `affects`, `merge`, `auth`, `websocket`, `private`,
    `route`, `methods`, `rev`, `cache`. Returns a ServerFunction subclass (DEC-1); it is
    registered by discovery (`clients.py`) or by `register()`.

    Raises:
        MizanRegistrationError: for any refused declaration (DEC-5, SIG-1..3, CTX-2/3).
    """
    normalized = normalize_options(options)

    def decorate(obj: Any, depth: int = 1) -> Any:
        if isinstance(obj, type) and issubclass(obj, ServerFunction):
            return _configure_class(obj, normalized)
        # The defining scope, for annotations naming classes local to it.
        return _wrap_function(obj, normalized, sys._getframe(depth).f_locals)

    if target is None:
        return decorate
    return decorate(target, 2)
