"""The registry of server functions, context groups and extensions (PROTOCOL §1.5).

Registration-time checks run in `register()`; order-dependent checks run in
`validate_registry()`. Everything derived from registrations (context groups, member
lists, params) is computed once per registry change and cached, never per request.
"""

from __future__ import annotations

import inspect
import logging
import threading
from dataclasses import dataclass
from typing import Any, Protocol

from mizan.core import jsonmodels
from mizan.core.client import ServerFunction
from mizan.core.errors import MizanRegistrationError, MizanRegistryError
from mizan.core.options import FUNCTION_NAME

logger = logging.getLogger("mizan")


class Extension(Protocol):
    """A registry extension (REG-7): contributes `schema()` and is reset by `clear()`."""

    def schema(self) -> Any: ...

    def clear(self) -> None: ...


_lock = threading.RLock()
_functions: dict[str, type[ServerFunction]] = {}
_names: dict[type[ServerFunction], str] = {}
_extensions: dict[str, Extension] = {}
_version = 0  # bumped by every change; cached derived state keys on it
# CTX-6: whether the members of each context are websocket functions, kept by
# `register()` and `clear_registry()` so a registration need not scan the registry.
_context_websocket: dict[str, bool] = {}


def _changed() -> None:
    global _version, _context_names, _views
    _version += 1
    _views = None
    _context_names = None


def _same_function(a: type[ServerFunction], b: type[ServerFunction]) -> bool:
    if a is b:
        return True
    fa, fb = getattr(a, "fn", None), getattr(b, "fn", None)
    return fa is not None and fa is fb


def _where(fn_class: type[ServerFunction]) -> str:
    """`module.qualname` of a class, for messages that must say which one is meant."""
    return f"{fn_class.__module__}.{fn_class.__qualname__}"


def register(fn_class: type[ServerFunction], name: str) -> None:
    """Register a ServerFunction subclass under `name` (REG-1..5, CTX-6).

    Raises:
        TypeError: `fn_class` is not a ServerFunction subclass.
        MizanRegistrationError: invalid name, name taken by another class, class already
            registered under another name, or a context mixing websocket and HTTP members.
    """
    if not (isinstance(fn_class, type) and issubclass(fn_class, ServerFunction)) or fn_class is ServerFunction:
        raise TypeError(f"register() takes a ServerFunction subclass, not {fn_class!r}")
    if not isinstance(name, str) or not FUNCTION_NAME.fullmatch(name):
        raise MizanRegistrationError(f"{name!r} is not a valid function name (REG-2)")
    with _lock:
        existing = _functions.get(name)
        if existing is not None:
            if _same_function(existing, fn_class):
                return
            raise MizanRegistrationError(
                f"the name {name!r} is already registered to {_where(existing)}; {_where(fn_class)} "
                "cannot take it (REG-3)"
            )
        other_name = _names.get(fn_class)
        if other_name is not None:
            raise MizanRegistrationError(
                f"{fn_class.__qualname__} is already registered as {other_name!r}; one name per class (REG-4)"
            )
        context = fn_class._options.context
        if context is not None:
            websocket = _context_websocket.get(context)
            if websocket is not None and websocket != fn_class._options.websocket:
                raise MizanRegistrationError(
                    f"context {context!r} mixes websocket and HTTP functions; {name!r} cannot join it (CTX-6)"
                )
        _functions[name] = fn_class
        _names[fn_class] = name
        if context is not None:
            _context_websocket.setdefault(context, fn_class._options.websocket)
        _changed()
    # Plain result models are written by the JSON writer from their fields. An `Output`
    # worked out on first use (form functions) is left alone: reading it here would force it.
    output = inspect.getattr_static(fn_class, "Output", None)
    if not hasattr(output, "__get__"):
        jsonmodels.register_annotation(output)


def version() -> int:
    """A counter bumped by every registry change; caches of derived state key on it."""
    return _version


def get_function(name: str) -> type[ServerFunction] | None:
    """The class registered under `name`, or None."""
    return _functions.get(name)


def name_of(fn_class: type[ServerFunction]) -> str | None:
    """The registered name of a class, or None."""
    return _names.get(fn_class)


def get_all_functions() -> dict[str, type[ServerFunction]]:
    """A copy of `{name: class}`."""
    return dict(_functions)


def get_context_groups() -> dict[str, list[str]]:
    """`{context: [member names in registration order]}` (CTX-4)."""
    groups: dict[str, list[str]] = {}
    for name, fn_class in _functions.items():
        context = fn_class._options.context
        if context is not None:
            groups.setdefault(context, []).append(name)
    return groups


_context_names: frozenset[str] | None = None


def context_names() -> frozenset[str]:
    """The declared context names, computed once per registry change."""
    global _context_names
    names = _context_names
    if names is None:
        with _lock:
            names = _context_names = frozenset(get_context_groups())
    return names


def get_contexts() -> list[str]:
    """Sorted context names."""
    return sorted(get_context_groups())


def register_extension(name: str, ext: Extension) -> None:
    """Add a registry extension (REG-7); its `schema()` is exported under `name`."""
    with _lock:
        _extensions[name] = ext
        _changed()


def get_extensions() -> dict[str, Extension]:
    return dict(_extensions)


def clear_registry() -> None:
    """Remove every function and clear and drop every extension (REG-6)."""
    with _lock:
        for ext in _extensions.values():
            ext.clear()
        _extensions.clear()
        _functions.clear()
        _names.clear()
        _context_websocket.clear()
        _changed()


# --- derived views, computed once per registry version --------------------------------


@dataclass(frozen=True)
class ContextView:
    """A context group as the executor needs it."""

    name: str
    members: tuple[tuple[str, type[ServerFunction]], ...]  # every member, sorted by name
    executed: tuple[tuple[str, type[ServerFunction]], ...]  # BND-3: not view-path, not private
    params: frozenset[str]  # CTX-5: union of the members' input field names
    guarded: tuple[type[ServerFunction], ...]  # AUTH-1: the executed members with auth, in order


_views: dict[str, ContextView] | None = None  # every context's view; None until built


def field_names(fn_class: type[ServerFunction]) -> tuple[str, ...]:
    """Input field names of a function (parameter order)."""
    return tuple(fn_class.Input.model_fields) if fn_class.Input is not None else ()


def _build_views() -> dict[str, ContextView]:
    """Every context's view, in one pass over the registry."""
    groups: dict[str, list[tuple[str, type[ServerFunction]]]] = {}
    for n, f in _functions.items():
        context = f._options.context
        if context is not None:
            groups.setdefault(context, []).append((n, f))
    views: dict[str, ContextView] = {}
    for context, group in groups.items():
        members = tuple(sorted(group))
        executed = tuple((n, f) for n, f in members if not f._meta.get("view_path") and not f._options.private)
        params = frozenset(p for _, f in members for p in field_names(f))
        guarded = tuple(f for _, f in executed if f._options.auth is not None)
        views[context] = ContextView(context, members, executed, params, guarded)
    return views


def context_view(name: str) -> ContextView | None:
    """The executor's view of context `name`, or None when no function declares it."""
    global _views
    views = _views
    if views is None:
        with _lock:
            views = _views
            if views is None:
                views = _views = _build_views()
    return views.get(name)


# --- validation (REG-9) ------------------------------------------------------------------

_validated_version = -1
_validation_problems: list[str] = []


def registry_problems() -> list[str]:
    """Every order-dependent problem of the registry (empty when valid)."""
    problems: list[str] = []
    contexts = context_names()
    for name, fn_class in sorted(_functions.items()):
        options = fn_class._options
        for target in options.affects:
            if target.kind == "context":
                if target.name not in contexts:
                    problems.append(f"{name}: affects context {target.name!r}, which no function declares")
                continue
            if target.kind == "name":
                if target.name in contexts:
                    continue  # DEC-4: a context wins over a function of the same name
                ref = _functions.get(target.name or "")
                if ref is None:
                    problems.append(f"{name}: affects {target.name!r}, which is neither a context nor a function")
                    continue
                label = repr(target.name)
            else:
                ref = target.ref
                label = getattr(ref, "__qualname__", repr(ref))
                if ref not in _names:
                    problems.append(f"{name}: affects {label}, which is not registered")
                    continue
            if ref._options.context is None:
                problems.append(f"{name}: affects function {label}, which is not a context function (INV-7)")
        for context in options.merge:
            if context not in contexts:
                problems.append(f"{name}: merges into context {context!r}, which no function declares")
    return problems


def validate_registry() -> None:
    """Raise `MizanRegistryError` listing all problems, if any (REG-9)."""
    problems = registry_problems()
    if problems:
        raise MizanRegistryError(problems)


def cached_registry_problems() -> list[str]:
    """`registry_problems()` cached until the registry changes (REG-9 (c))."""
    global _validated_version, _validation_problems
    if _validated_version != _version:
        problems = registry_problems()
        if problems:
            logger.error("Mizan registry is invalid:\n%s", "\n".join(f"  - {p}" for p in problems))
        _validation_problems, _validated_version = problems, _version
    return _validation_problems
