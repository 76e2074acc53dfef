"""Invalidation and merge rules of each mutation, derived from the registry (§3.1, §4).

Everything here depends only on registrations, so it runs once per registry change and
the result (a compiled `InvalidationPlan`) is cached: per request only argument matching
and encoding run (in C, or the twin under MIZAN_PURE=1).
"""

from __future__ import annotations

import logging
import threading
import types
import typing
from typing import Any, Union

import pydantic

from mizan.core import _backend, registry
from mizan.core.client import ServerFunction

logger = logging.getLogger("mizan")

_lock = threading.Lock()
_plans: dict[type[ServerFunction], Any] = {}
_plans_version = -1


# --- MRG-3: type matching -----------------------------------------------------------------


def _strip_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(annotation)) == 2:
            return args[0]
    return annotation


def same_shape(a: Any, b: Any, _seen: frozenset[tuple[int, int]] = frozenset()) -> bool:
    """The same type, or the same canonical shape (MRG-3, GAP-51): models with the same
    name and the same fields of the same shapes, recursively; generics with the same
    origin and arguments of the same shapes."""
    if a is b or a == b:
        return True
    pair = (id(a), id(b))
    if pair in _seen:
        return True  # a recursive model already being compared
    seen = _seen | {pair}
    if isinstance(a, type) and isinstance(b, type):
        if not (issubclass(a, pydantic.BaseModel) and issubclass(b, pydantic.BaseModel)):
            return False
        fields_a, fields_b = a.model_fields, b.model_fields
        return (
            a.__name__ == b.__name__
            and list(fields_a) == list(fields_b)
            and all(same_shape(fields_a[n].annotation, fields_b[n].annotation, seen) for n in fields_a)
        )
    origin_a, origin_b = typing.get_origin(a), typing.get_origin(b)
    if origin_a is None or origin_b is None:
        return False
    if {origin_a, origin_b} <= {Union, types.UnionType}:
        origin_a = origin_b
    args_a, args_b = typing.get_args(a), typing.get_args(b)
    return (
        origin_a == origin_b
        and len(args_a) == len(args_b)
        and all(same_shape(x, y, seen) for x, y in zip(args_a, args_b, strict=True))
    )


def types_match_for_merge(slot: Any, value: Any) -> bool:
    """MRG-3: direct (`S` is `V`), upsert (`S` is `list[V]`) or list-replace (`S` and `V`
    are both `list[T]`); an `Optional` around the slot's type is ignored."""
    slot = _strip_optional(slot)
    if same_shape(slot, value):
        return True
    if typing.get_origin(slot) is not list:
        return False
    (item,) = typing.get_args(slot) or (Any,)
    if same_shape(item, value):
        return True
    return typing.get_origin(value) is list and same_shape(item, (typing.get_args(value) or (Any,))[0])


def merge_output(fn_class: type[ServerFunction]) -> Any:
    """The type of the value a mutation's merge entries carry (MRG-3, MRG-4): its Output,
    unless it answers with an envelope around that value and declares the value's type as
    `MergeOutput` (a form submit: `{"success": true, "data": <value>}`, FORM-5)."""
    return getattr(fn_class, "MergeOutput", fn_class.Output)


def resolve_slot(context: str, output: Any) -> str | None:
    """MRG-2: the one member of `context` (view-path and private excluded) whose output
    matches `output`; None when there is no candidate or more than one."""
    view = registry.context_view(context)
    if view is None:
        return None
    candidates = [name for name, fn_class in view.executed if types_match_for_merge(fn_class.Output, output)]
    return candidates[0] if len(candidates) == 1 else None


# --- plans -------------------------------------------------------------------------------


def _context_params(context: str) -> tuple[str, ...]:
    view = registry.context_view(context)
    return tuple(sorted(view.params)) if view is not None else ()


def affects_targets(fn_class: type[ServerFunction]) -> list[tuple[str, str | None, tuple[str, ...]]]:
    """INV-2: each affects= target as (context, function or None, the context's params)."""
    contexts = registry.context_names()
    targets: list[tuple[str, str | None, tuple[str, ...]]] = []
    for target in fn_class._options.affects:
        if target.kind == "context" or (target.kind == "name" and target.name in contexts):
            context = target.name or ""
            targets.append((context, None, _context_params(context)))
            continue
        ref = target.ref if target.kind == "function" else registry.get_function(target.name or "")
        function = registry.name_of(ref) if ref is not None else None
        parent = ref._options.context if ref is not None else None
        if function is None or parent is None:
            continue  # unresolvable: validate_registry() reports it and requests answer 500
        targets.append((parent, function, _context_params(parent)))
    return targets


def unresolved_merges() -> list[str]:
    """Every registered `merge=` entry no single context member matches (MRG-2): each one is
    dropped at run time and left out of the IR (IR.md planning resolution Q2)."""
    problems = []
    for name, fn_class in sorted(registry.get_all_functions().items()):
        for context in fn_class._options.merge:
            if registry.context_view(context) is not None and resolve_slot(context, merge_output(fn_class)) is None:
                problems.append(f"{name}: merge={context!r} matches no single member's return type, so it is dropped")
    return problems


def merge_targets(fn_class: type[ServerFunction], name: str) -> list[tuple[str, str, tuple[str, ...]]]:
    merges = []
    for context in fn_class._options.merge:
        slot = resolve_slot(context, merge_output(fn_class))
        if slot is None:
            logger.warning(
                "merge=%r of %s dropped: no single member of %r returns a matching type (MRG-2)",
                context,
                name,
                context,
            )
            continue
        merges.append((context, slot, _context_params(context)))
    return merges


def plan_for(fn_class: type[ServerFunction]) -> Any:
    """The compiled InvalidationPlan of a registered function, or None when it declares
    neither affects= nor merge= (or every target dropped out)."""
    global _plans_version
    if _plans_version != registry.version():
        with _lock:
            _plans.clear()
            _plans_version = registry.version()
    if fn_class in _plans:
        return _plans[fn_class]
    plan = None
    options = fn_class._options
    if options.affects or options.merge:
        name = registry.name_of(fn_class) or fn_class.__name__
        targets, merges = affects_targets(fn_class), merge_targets(fn_class, name)
        if targets or merges:
            plan = _backend.compile_invalidation(targets, merges)
    _plans[fn_class] = plan
    return plan
