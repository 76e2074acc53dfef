"""A Shape compiled to a django-readers spec, and the queries it runs (SHAPE-1, SHAPE-2).

A plain column is a spec string (`.only()` of that column); a path through to-one
relations is joined in the same query (`select_related` of just those columns); a computed
value is an annotation; a nested Shape is an aliased relationship, which django-readers
loads with one `prefetch_related` query per relation. So a Shape costs one query plus one
per nested relation, whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django_readers import pairs, producers, specs
from django_readers import qs as readers_qs

from mizan.shapes.binding import plan_of

S = TypeVar("S")
Pair = tuple[Callable[[QuerySet[Any]], QuerySet[Any]], Callable[[Any], dict[str, Any]]]

_PAIRS: dict[type[Any], Pair] = {}
ANNOTATION_PREFIX = "_shape_"  # annotation aliases, kept apart from the model's field names


def spec_of(shape: type[Any]) -> list[Any]:
    """The django-readers spec of `shape`: one item per field, keyed by validation key."""
    plan = plan_of(shape)
    spec: list[Any] = []
    for column in plan.columns:
        if len(column.path) == 1:
            (attribute,) = column.path
            spec.append(attribute if attribute == column.key else {column.key: attribute})
        else:
            lookup = "__".join(column.path)
            produce = _through(".".join(column.path))
            spec.append({column.key: (readers_qs.select_related_fields(lookup), produce)})
    for computed in plan.computed:
        annotation = pairs.annotate(**{ANNOTATION_PREFIX + computed.name: computed.expression})
        spec.append({computed.key: annotation})
    for nested in plan.nested:
        spec.append({nested.key: {nested.relation: spec_of(nested.shape)}})
    return spec


def _through(dotted: str) -> Callable[[Any], Any]:
    """A producer of a value through to-one relations: None where a link is empty, a null
    foreign key or a missing reverse one-to-one alike."""
    read = producers.attr(dotted)

    def produce(instance: Any) -> Any:
        try:
            return read(instance)
        except ObjectDoesNotExist:
            return None

    return produce


def pair_of(shape: type[Any]) -> Pair:
    """`(prepare, project)` of `shape`, compiled once per Shape."""
    compiled = _PAIRS.get(shape)
    if compiled is None:
        compiled = _PAIRS[shape] = specs.process(spec_of(shape))
    return compiled


def prepared(shape: type[Any], queryset: QuerySet[Any]) -> QuerySet[Any]:
    """`queryset` selecting and prefetching exactly what `shape` projects.

    Raises:
        TypeError: `queryset` is not a queryset of the Shape's model.
    """
    model = plan_of(shape).model
    if not isinstance(queryset, QuerySet) or queryset.model._meta.concrete_model is not model._meta.concrete_model:
        raise TypeError(f"{shape.__qualname__} projects {model.__name__}; got {queryset!r}")
    prepare, _ = pair_of(shape)
    return prepare(queryset)


def project_rows(shape: type[S], queryset: QuerySet[Any]) -> list[S]:
    """Evaluate a prepared queryset into validated Shapes."""
    _, project = pair_of(shape)
    validate = shape.model_validate  # type: ignore[attr-defined]
    return [validate(project(row)) for row in queryset]


def run_query(shape: type[S], transform: Callable[[QuerySet[Any]], QuerySet[Any]] | None) -> list[S]:
    """`Shape.query`: the default queryset, prepared, then transformed (filter, order, slice)."""
    queryset = prepared(shape, plan_of(shape).model._default_manager.all())
    if transform is not None:
        queryset = transform(queryset)
        if not isinstance(queryset, QuerySet):
            raise TypeError(f"a Shape.query transform must return a queryset, not {type(queryset).__name__}")
    return project_rows(shape, queryset)
