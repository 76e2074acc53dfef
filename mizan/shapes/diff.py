"""Diffing a list of Shapes against the rows of a queryset by primary key, and applying the
difference in one transaction (SHAPE-4).

Decisions (docs/shapes.md, "Diff and apply"):
- An item without a primary key, or with one the queryset does not hold, is *added*:
  a key of another parent's row (outside the queryset), of a row deleted meanwhile, or
  invented by the client. `apply` creates it as a new row: a database-generated key
  (AutoField) is dropped and the database assigns one, so another parent's row is never
  touched; any other key (a slug, a UUID) is inserted as given, and if that row exists
  outside the queryset the insert fails and the whole apply rolls back.
- Two items with the same primary key are refused (ValidationError, 422 in a server
  function) before anything is read or written.
- Only writable fields count: the model's own editable, non-key columns (by name, renamed
  with `Source("column")`, or a foreign key's `*_id`). Paths through relations, computed
  expressions and nested Shapes are read-only; nested rows are applied with their own
  Shape.
- `apply` locks the queryset's rows (SELECT ... FOR UPDATE where the database has it),
  diffs inside the transaction, deletes, updates through `Model.save(update_fields=...)`
  and creates through `Model.save(force_insert=True)`, so signals and custom `save()`
  methods run. A row deleted by someone else between the diff and its update is a
  `StaleRowError` (a ValidationError located at the item: the client refetches), and
  nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Generic, NamedTuple, TypeVar

import pydantic
from django.db import connections, transaction
from django.db.models import QuerySet
from django.db.models.fields import AutoFieldMixin

from mizan.core.errors import Loc, ValidationError
from mizan.shapes.binding import Plan, plan_of

S = TypeVar("S")
DUPLICATE_PK = "Duplicate primary key"
TAKEN_PK = "Primary key belongs to a row outside the queryset"
STALE_PK = "Row was deleted by another writer; fetch it again"


class ShapeDiff(NamedTuple, Generic[S]):
    """`(added, modified, deleted)`: incoming items to create, incoming items whose row
    changes, and the current Shapes of rows to delete."""

    added: list[S]
    modified: list[S]
    deleted: list[S]


class StaleRowError(ValidationError):
    """A row `apply` was about to update disappeared inside its transaction: a 422 located
    at the item in a server function, and nothing written."""


def _plan_with_pk(shape: type[Any]) -> Plan:
    plan = plan_of(shape)
    if plan.pk is None:
        raise TypeError(
            f"{shape.__qualname__} does not project the primary key of {plan.model.__name__}; "
            "diff and apply match rows by it (declare e.g. `id: int | None = None`)"
        )
    return plan


def _validated(shape: type[S], incoming: Iterable[S | Mapping[str, Any]]) -> list[S]:
    """Every item as a `shape` instance; all validation errors at once, located by index."""
    items: list[S] = []
    errors: list[tuple[Loc, str]] = []
    for index, item in enumerate(incoming):
        if isinstance(item, shape):
            items.append(item)
            continue
        try:
            items.append(shape.model_validate(item))  # type: ignore[attr-defined]
        except pydantic.ValidationError as exc:
            errors.extend(((index, *error["loc"]), error["msg"]) for error in exc.errors())
    if errors:
        raise ValidationError(errors)
    return items


def compute_diff(
    shape: type[S],
    queryset: QuerySet[Any],
    incoming: Iterable[S | Mapping[str, Any]],
    compared: tuple[str, ...] | None = None,
) -> ShapeDiff[S]:
    """`Shape.diff`: see the module's docstring for the rules. `compared` narrows the fields
    that make a row modified (apply leaves out the ones `create_defaults` owns)."""
    from mizan.shapes.projection import prepared, project_rows  # django-readers: the `shapes` extra

    plan = _plan_with_pk(shape)
    assert plan.pk is not None
    pk_name = plan.pk.name
    items = _validated(shape, incoming)
    seen: dict[Any, int] = {}
    duplicates: list[tuple[Loc, str]] = []
    for index, item in enumerate(items):
        pk = getattr(item, pk_name)
        if pk is None:
            continue
        if pk in seen:
            duplicates.append(((index, plan.pk.key), DUPLICATE_PK))
        else:
            seen[pk] = index
    if duplicates:
        raise ValidationError(duplicates)
    current = {getattr(row, pk_name): row for row in project_rows(shape, prepared(shape, queryset))}
    names = compared if compared is not None else tuple(column.name for column in plan.writable)
    added: list[S] = []
    modified: list[S] = []
    for item in items:
        now = current.get(getattr(item, pk_name))
        if now is None:
            added.append(item)
        elif any(getattr(item, name) != getattr(now, name) for name in names):
            modified.append(item)
    deleted = [row for pk, row in current.items() if pk not in seen]
    return ShapeDiff(added, modified, deleted)


def _lock(queryset: QuerySet[Any]) -> None:
    """Lock the queryset's rows until the transaction ends, where the database can."""
    features = connections[queryset.db].features
    if features.has_select_for_update:
        options = {"of": ("self",)} if features.has_select_for_update_of else {}
        # Model rows, not values_list(): FOR UPDATE OF needs the model's columns selected.
        list(queryset.select_for_update(**options).only("pk"))


def apply_diff(
    shape: type[S],
    queryset: QuerySet[Any],
    incoming: Iterable[S | Mapping[str, Any]],
    create_defaults: Mapping[str, Any],
) -> ShapeDiff[S]:
    """`Shape.apply`: diff inside one transaction, then delete, update and create.

    Fields named in `create_defaults` are set on created rows whatever the item says, and
    never written on modified rows: the server owns them (typically the parent).
    """
    plan = _plan_with_pk(shape)
    assert plan.pk is not None
    model = plan.model
    pk_name = plan.pk.name
    owned = {model._meta.get_field(name).attname for name in create_defaults}
    written = [
        (column.name, attname)
        for column in plan.writable
        if (attname := column.write_to) is not None and attname not in owned
    ]
    items = _validated(shape, incoming)
    position = {pk: index for index, item in enumerate(items) if (pk := getattr(item, pk_name)) is not None}
    generated = isinstance(model._meta.pk, AutoFieldMixin)
    with transaction.atomic(using=queryset.db):
        _lock(queryset)
        diff = compute_diff(shape, queryset, items, tuple(name for name, _ in written))
        manager = model._base_manager.db_manager(queryset.db)
        given = [pk for item in diff.added if (pk := getattr(item, pk_name)) is not None]
        if given and not generated:
            taken = manager.filter(pk__in=given).values_list("pk", flat=True)
            if taken:
                raise ValidationError(sorted(((position[pk], plan.pk.key), TAKEN_PK) for pk in taken))
        if diff.deleted:
            manager.filter(pk__in=[getattr(row, pk_name) for row in diff.deleted]).delete()
        rows = manager.in_bulk([getattr(item, pk_name) for item in diff.modified]) if diff.modified else {}
        for item in diff.modified:
            row = rows.get(getattr(item, pk_name))
            if row is None:
                raise StaleRowError([((position[getattr(item, pk_name)], plan.pk.key), STALE_PK)])
            for name, attname in written:
                setattr(row, attname, getattr(item, name))
            row.save(using=queryset.db, update_fields=[attname for _, attname in written])
        created: list[S] = []
        for item in diff.added:
            row = model(**{attname: getattr(item, name) for name, attname in written}, **create_defaults)
            pk = getattr(item, pk_name)
            if pk is not None and not generated:
                row.pk = pk
            row.save(using=queryset.db, force_insert=True)
            created.append(item.model_copy(update={pk_name: row.pk}))  # type: ignore[attr-defined]
    return ShapeDiff(created, diff.modified, diff.deleted)
