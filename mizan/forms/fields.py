"""A Django form field as a `.schema` field (FORM-3): type, widget, label, choices, ...

Types come from the field's class, most specific first (an `EmailField` is a `CharField`,
a `FloatField` an `IntegerField`); a class not listed is a `string`. The widget is the
HTML input type the widget declares (`text`, `email`, `number`, `checkbox`, `select`,
`radio`, `file`, ...) or, for widgets without one, their class name in snake case
(`Textarea` -> `textarea`, `SplitDateTimeWidget` -> `split_date_time`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any, Final

from django import forms
from django.core.files import File
from django.db import models
from django.forms.models import ModelChoiceIteratorValue

from mizan.core.forms import field_schema

FIELD_TYPES: Final[tuple[tuple[type[forms.Field], str], ...]] = (
    (forms.ModelMultipleChoiceField, "multiple_choice"),
    (forms.MultipleChoiceField, "multiple_choice"),
    (forms.ModelChoiceField, "choice"),
    (forms.ChoiceField, "choice"),
    (forms.BooleanField, "boolean"),
    (forms.EmailField, "email"),
    (forms.URLField, "url"),
    (forms.UUIDField, "uuid"),
    (forms.JSONField, "json"),
    (forms.FileField, "file"),
    (forms.DecimalField, "decimal"),
    (forms.FloatField, "float"),
    (forms.IntegerField, "integer"),
    (forms.SplitDateTimeField, "datetime"),
    (forms.DateTimeField, "datetime"),
    (forms.DateField, "date"),
    (forms.TimeField, "time"),
    (forms.DurationField, "duration"),
)
_CAMEL_BOUNDARY: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def field_type(field: forms.Field) -> str:
    """The `type` of a field (docs/forms.md lists the vocabulary)."""
    for cls, name in FIELD_TYPES:
        if isinstance(field, cls):
            return name
    return "string"


def widget_name(widget: forms.Widget) -> str:
    """The widget's HTML input type, else its class name in snake case."""
    input_type = getattr(widget, "input_type", None)
    if isinstance(input_type, str) and input_type:
        return input_type
    return _CAMEL_BOUNDARY.sub("_", type(widget).__name__).lower().removesuffix("_widget")


def is_multiple(field: forms.Field) -> bool:
    """True when the field takes several values (a list on the wire)."""
    return bool(getattr(field.widget, "allow_multiple_selected", False)) or isinstance(
        field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField
    )


def _flat_choices(choices: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
    """`(value, label)` pairs; an option group's options are listed in its place."""
    for value, label in choices:
        if isinstance(label, list | tuple):
            yield from _flat_choices(label)
            continue
        if isinstance(value, ModelChoiceIteratorValue):
            value = value.value
        yield value, label


def json_initial(value: Any) -> Any:
    """An initial value as JSON: a model instance as its primary key, files as null."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet) or (
        isinstance(value, list | tuple) and value and isinstance(value[0], models.Model)
    ):
        return [item.pk for item in value]
    if isinstance(value, File):
        return None
    return value


def describe(bound: forms.BoundField) -> dict[str, Any]:
    """The `.schema` entry of one bound field of an unbound form."""
    field = bound.field
    kind = field_type(field)
    max_length = getattr(field, "max_length", None)
    min_length = getattr(field, "min_length", None)
    choices = _flat_choices(field.choices) if isinstance(field, forms.ChoiceField | forms.ModelChoiceField) else None
    return field_schema(
        type=kind,
        required=field.required,
        label=bound.label,
        help_text=field.help_text,
        initial=json_initial(bound.initial),
        widget=widget_name(field.widget),
        max_length=max_length if isinstance(max_length, int) else None,
        min_length=min_length if isinstance(min_length, int) else None,
        choices=choices,
        multiple=kind == "file" and is_multiple(field),
    )
