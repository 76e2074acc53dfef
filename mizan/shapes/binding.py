"""A Shape's fields resolved against its Django model: the plan the projection and the diff
work from, and the mistakes the system check reports (mizan.E015..E017).

Resolution waits until the models are loaded (the first query, or the check at startup):
a Shape may be declared before the relations it names are.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from pydantic.fields import FieldInfo

MODEL = "model"  # mizan.E015: Shape[X] where X is not a concrete Django model
FIELD = "field"  # mizan.E016: a field the model does not have, or a path that goes nowhere
NESTED = "nested"  # mizan.E017: a nested Shape that does not fit its relation


@dataclass(frozen=True)
class Problem:
    """One declaration mistake of a Shape, in the check's terms."""

    kind: str
    message: str
    hint: str


class ShapeError(TypeError):
    """A Shape that cannot be resolved against its model; `problems` lists every mistake.

    The system check reports the same problems at startup, so this is only raised when a
    Shape is used in a process that skipped the checks.
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(problem.message for problem in problems))


@dataclass(frozen=True)
class Column:
    """A value read from a model field, here or through to-one relations (`path`)."""

    name: str
    key: str  # the validation key: the field's alias when it has one
    path: tuple[str, ...]
    write_to: str | None  # the attribute `apply` writes, for the model's own columns
    is_pk: bool


@dataclass(frozen=True)
class Computed:
    """A value the database computes in the same query (`Source(expression=...)`)."""

    name: str
    key: str
    expression: Any


@dataclass(frozen=True)
class Nested:
    """A relation projected by another Shape, one object or a list of them."""

    name: str
    key: str
    relation: str
    shape: type[Any]
    many: bool


@dataclass(frozen=True)
class Plan:
    """Everything a Shape projects, resolved against `model`."""

    model: Any
    columns: tuple[Column, ...] = ()
    computed: tuple[Computed, ...] = ()
    nested: tuple[Nested, ...] = ()
    pk: Column | None = None
    writable: tuple[Column, ...] = field(default=())


_PLANS: dict[type[Any], Plan] = {}


def is_model(value: Any) -> bool:
    """A Django model class."""
    return isinstance(value, type) and issubclass(value, models.Model)


def plan_of(shape: type[Any]) -> Plan:
    """The resolved plan of `shape`, cached once the models are loaded.

    Raises:
        ShapeError: the Shape does not fit its model (the check's E015..E017).
    """
    cached = _PLANS.get(shape)
    if cached is not None:
        return cached
    apps.check_models_ready()
    plan, problems = resolve(shape)
    if problems or plan is None:
        raise ShapeError(problems)
    _PLANS[shape] = plan
    return plan


def resolve(shape: type[Any]) -> tuple[Plan | None, list[Problem]]:
    """The plan of `shape` and its mistakes (a plan only when there are none)."""
    model: Any = shape.__shape_model__
    where = shape.__qualname__
    if not is_model(model) or model._meta.abstract:
        return None, [
            Problem(
                MODEL,
                f"{where} is declared as Shape[{getattr(model, '__name__', model)!r}], which is not a concrete "
                "Django model",
                "Bind the Shape to a model class: class AuthorShape(Shape[Author]).",
            )
        ]
    if not shape.__pydantic_complete__ and not shape.model_rebuild(raise_errors=False):
        return None, [
            Problem(
                FIELD,
                f"{where} has annotations that do not resolve",
                "Declare every Shape it names before it is queried, or call model_rebuild().",
            )
        ]
    problems: list[Problem] = []
    columns: list[Column] = []
    computed: list[Computed] = []
    nested: list[Nested] = []
    for name, info in shape.model_fields.items():
        key = _key(name, info)
        source = _source(info)
        target, many, bad = nested_shape(info.annotation)
        label = f"{where}.{name}"
        if bad:
            problems.append(
                Problem(
                    NESTED,
                    f"{label} nests a Shape in a type Shapes cannot project ({info.annotation!r})",
                    "Annotate a nested relation as OtherShape, OtherShape | None or list[OtherShape].",
                )
            )
        elif target is not None:
            if source is not None and source.expression is not None:
                problems.append(
                    Problem(NESTED, f"{label} nests a Shape but its Source is an expression", "Give a relation name.")
                )
                continue
            relation = source.path if source is not None and source.path else name
            problem = _check_relation(model, label, relation, target, many)
            if problem is not None:
                problems.append(problem)
            else:
                nested.append(Nested(name, key, relation, target, many))
        elif source is not None and source.expression is not None:
            computed.append(Computed(name, key, source.expression))
        else:
            path = source.path if source is not None and source.path else name
            column, problem = _column(model, label, name, key, path)
            if problem is not None:
                problems.append(problem)
            elif column is not None:
                columns.append(column)
    problems.extend(cycle_problems(shape))
    if problems:
        return None, problems
    pk = next((column for column in columns if column.is_pk), None)
    writable = tuple(column for column in columns if column.write_to is not None)
    return Plan(model, tuple(columns), tuple(computed), tuple(nested), pk, writable), []


def nested_shape(annotation: Any) -> tuple[type[Any] | None, bool, bool]:
    """`(shape, many, unsupported)` of a field annotation: `S`, `S | None` and `list[S]`
    (optionally `| None`) nest the Shape `S`; a Shape anywhere else is unsupported."""
    from mizan.shapes.declaration import Shape

    def is_shape(value: Any) -> bool:
        return isinstance(value, type) and issubclass(value, Shape) and value.__shape_model__ is not None

    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        arms = [arm for arm in typing.get_args(annotation) if arm is not type(None)]
        if len(arms) == 1:
            return nested_shape(arms[0])
    elif origin is list:
        (item,) = typing.get_args(annotation) or (Any,)
        if is_shape(item):
            return item, True, False
    elif is_shape(annotation):
        return annotation, False, False
    return None, False, _mentions_shape(annotation)


def _mentions_shape(annotation: Any) -> bool:
    from mizan.shapes.declaration import Shape

    if isinstance(annotation, type) and issubclass(annotation, Shape):
        return True
    return any(_mentions_shape(arg) for arg in typing.get_args(annotation))


def _key(name: str, info: FieldInfo) -> str:
    alias = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
    return alias if isinstance(alias, str) else name


def _source(info: FieldInfo) -> Any:
    from mizan.shapes.declaration import Source

    return next((item for item in info.metadata if isinstance(item, Source)), None)


def _check_relation(model: Any, label: str, relation: str, target: type[Any], many: bool) -> Problem | None:
    try:
        found = model._meta.get_field(relation)
    except FieldDoesNotExist:
        return _missing(model, label, relation)
    related: Any = getattr(found, "related_model", None)
    if not found.is_relation or not is_model(related):
        return Problem(
            NESTED,
            f"{label} nests {target.__qualname__}, but {model.__name__}.{relation} is not a relation",
            'Annotate the field with its scalar type, or name a relation with Source("...").',
        )
    wanted: Any = target.__shape_model__
    if not is_model(wanted):
        return None  # the nested Shape's own E015 says what is wrong
    if wanted._meta.concrete_model is not related._meta.concrete_model:
        return Problem(
            NESTED,
            f"{label} nests {target.__qualname__} (a Shape of {wanted.__name__}), but "
            f"{model.__name__}.{relation} relates to {related.__name__}",
            f"Nest a Shape bound to {related.__name__}.",
        )
    to_many = bool(found.one_to_many or found.many_to_many)
    if to_many != many:
        kind, form = ("to-many", f"list[{target.__qualname__}]") if to_many else ("to-one", target.__qualname__)
        return Problem(
            NESTED,
            f"{label}: {model.__name__}.{relation} is a {kind} relation",
            f"Annotate it as {form}" + ("" if to_many else f" or {target.__qualname__} | None") + ".",
        )
    return None


def _column(model: Any, label: str, name: str, key: str, path: str) -> tuple[Column | None, Problem | None]:
    parts = tuple(path.split("__"))
    current = model
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        try:
            found = current._meta.pk if part == "pk" else current._meta.get_field(part)
        except FieldDoesNotExist:
            return None, _missing(current, label, part)
        if not last:
            related: Any = getattr(found, "related_model", None)
            if not (found.is_relation and (found.many_to_one or found.one_to_one) and isinstance(related, type)):
                return None, Problem(
                    FIELD,
                    f"{label}: {current.__name__}.{part} in {path!r} is not a foreign key or one-to-one",
                    "A path may only go through to-one relations; nest a Shape for a to-many one.",
                )
            current = related
            continue
        is_key_column = part == getattr(found, "attname", None) or part == "pk"
        if found.is_relation and not is_key_column:
            attname = getattr(found, "attname", None)
            hint = f"Project its key as {attname!r}, or nest a Shape." if attname else "Nest a Shape for it."
            return None, Problem(FIELD, f"{label}: {current.__name__}.{part} is a relation, not a value", hint)
        own = len(parts) == 1
        is_pk = own and found is model._meta.pk
        writable = own and found.concrete and not is_pk and found.editable
        return Column(name, key, parts, found.attname if writable else None, is_pk), None
    return None, None  # unreachable: a path has at least one part


def _missing(model: Any, label: str, name: str) -> Problem:
    names = sorted({f.name for f in model._meta.get_fields()})
    return Problem(
        FIELD,
        f"{label}: {model.__name__} has no field {name!r}",
        f'Fields of {model.__name__}: {", ".join(names)}. Rename with Annotated[..., Source("field")].',
    )


def cycle_problems(shape: type[Any]) -> list[Problem]:
    """E017 when `shape` nests itself, directly or through other Shapes (an endless projection)."""
    seen: set[type[Any]] = set()

    def walk(current: type[Any], trail: tuple[type[Any], ...]) -> tuple[type[Any], ...] | None:
        for info in current.model_fields.values():
            target, _, _ = nested_shape(info.annotation)
            if target is None:
                continue
            if target is shape:
                return (*trail, target)
            if target not in seen:
                seen.add(target)
                found = walk(target, (*trail, target))
                if found:
                    return found
        return None

    loop = walk(shape, (shape,))
    if loop is None:
        return []
    chain = " -> ".join(s.__name__ for s in loop)
    return [Problem(NESTED, f"{shape.__qualname__} nests itself ({chain})", "Give each level its own Shape.")]
