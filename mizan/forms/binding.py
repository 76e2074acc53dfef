"""JSON data bound to a Django form, and a bound form's errors as FORM-3 answers.

A browser sends a form as text (`QueryDict`), and Django's fields and widgets expect that:
a `DateField` calls `.strip()` on what it gets. The wire sends JSON values, so each value
is turned into what a browser would have sent for that field: numbers and booleans as
text, lists for fields that take several values, the JSON text itself for a `JSONField`.
A value whose JSON type the field cannot take (an object for a text field, a list for a
single choice) is not bound; the field reports Django's own "Enter a valid value.".
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from django import forms
from django.forms.utils import ErrorDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy

from mizan.core import Upload
from mizan.core.forms import Checked
from mizan.forms.fields import is_multiple

INVALID: Final = gettext_lazy("Enter a valid value.")  # Django's own message, in its catalogue
NON_FIELD: Final = "__all__"  # django.forms.forms.NON_FIELD_ERRORS


class WrongType(Exception):
    """A JSON value the field cannot take."""


def _text(value: Any) -> Any:
    """A scalar as a browser sends it: text, as JSON writes numbers and booleans."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    raise WrongType


def _value(field: forms.Field, value: Any) -> Any:
    widget = field.widget
    if isinstance(field, forms.JSONField):
        return json.dumps(value)
    if is_multiple(field):
        items = value if isinstance(value, list) else [value]
        return [_text(item) for item in items]
    if isinstance(widget, forms.CheckboxInput) and isinstance(value, bool):
        return value
    return _text(value)


def bind(
    fields: Mapping[str, forms.Field], data: Mapping[str, Any], prefix: str | None
) -> tuple[dict[str, Any], list[str]]:
    """Form data from JSON `data` for these fields (file fields and unknown keys are left
    out; `None` is "not sent"), and the names whose values had the wrong JSON type."""
    bound: dict[str, Any] = {}
    wrong: list[str] = []
    for name, field in fields.items():
        value = data.get(name)
        if value is None or isinstance(field, forms.FileField):
            continue
        key = f"{prefix}-{name}" if prefix else name
        widget = field.widget
        try:
            if isinstance(widget, forms.MultiWidget) and not isinstance(field, forms.JSONField):
                if not isinstance(value, list) or len(value) != len(widget.widgets_names):
                    raise WrongType
                for suffix, part in zip(widget.widgets_names, value, strict=True):
                    bound[key + suffix] = _text(part)
                continue
            bound[key] = _value(field, value)
        except WrongType:
            wrong.append(name)
    return bound, wrong


def file_data(files: Mapping[str, Upload | list[Upload]], prefix: str | None = None) -> MultiValueDict[str, Any]:
    """The framework's file objects of the bound uploads, as Django's `request.FILES`."""
    out: MultiValueDict[str, Any] = MultiValueDict()
    for name, value in files.items():
        uploads = value if isinstance(value, list) else [value]
        out.setlist(f"{prefix}-{name}" if prefix else name, [upload.source for upload in uploads])
    return out


def mark_wrong(form: forms.BaseForm, wrong: Sequence[str]) -> None:
    """Give each field whose value had the wrong JSON type Django's "Enter a valid value."
    instead of whatever its absence caused (run after the form was cleaned)."""
    errors: ErrorDict = form.errors
    for name in wrong:
        errors[name] = form.error_class([INVALID], renderer=form.renderer)
        form.cleaned_data.pop(name, None)


def checked(form: forms.BaseForm) -> Checked:
    """A cleaned form's verdict: Django's messages per field and for the whole form."""
    messages = {
        name: [str(error["message"]) for error in errors] for name, errors in form.errors.get_json_data().items()
    }
    non_field = messages.pop(NON_FIELD, [])
    return Checked(messages, non_field, form)
