"""The wire shapes of form functions (FORM-3), as dicts and as the models the IR describes.

Bodies answer plain dicts, so that optional keys (`max_length`, `choices`, ...) are left
out rather than sent as null; the models below only give the IR (and the client code
generated from it) the shapes' types.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Optional

import pydantic
from pydantic_core import to_jsonable_python

TYPES = (
    "string",
    "email",
    "url",
    "integer",
    "decimal",
    "float",
    "boolean",
    "date",
    "datetime",
    "time",
    "duration",
    "choice",
    "multiple_choice",
    "file",
    "json",
    "uuid",
)
"""The field `type` vocabulary (docs/forms.md)."""


class MizanFormField(pydantic.BaseModel):
    """One field of a `.schema` answer."""

    type: str
    required: bool
    label: str
    help_text: str
    initial: Any = None
    widget: str
    max_length: int | None = None
    min_length: int | None = None
    choices: list[tuple[Any, str]] | None = None
    multiple: bool | None = None


class MizanFormSchema(pydantic.BaseModel):
    """A `.schema` answer (FORM-3)."""

    name: str
    title: str
    submit_label: str
    live_validation: bool
    field_order: list[str]
    fields: dict[str, MizanFormField]


class MizanFormsetOptions(pydantic.BaseModel):
    """How many forms a formset takes, and whether they carry DELETE/ORDER fields."""

    extra: int
    min_num: int
    max_num: int
    can_delete: bool
    can_order: bool


class MizanFormsetSchema(MizanFormSchema):
    """A `.formset.schema` answer: the form's schema plus the formset's options."""

    formset: MizanFormsetOptions


class MizanFormErrors(pydantic.BaseModel):
    """The errors of one form of a formset."""

    errors: dict[str, list[str]]
    non_field_errors: list[str]


class MizanFormValidation(MizanFormErrors):
    """A `.validate` answer (FORM-3)."""

    valid: bool


class MizanFormsetValidation(pydantic.BaseModel):
    """A `.formset.validate` answer."""

    valid: bool
    forms: list[MizanFormErrors]
    non_form_errors: list[str]


def submit_model(name: str, data: Any, formset: bool) -> type[pydantic.BaseModel]:
    """The `.submit` answer's model: `success`, `data` (the handler's return type) or the
    errors, the per-form errors for a formset."""
    fields: dict[str, Any] = {"success": (bool, ...), "data": (Optional[data], None)}  # noqa: UP045 (data may be None)
    if formset:
        fields["forms"] = (list[MizanFormErrors] | None, None)
        fields["non_form_errors"] = (list[str] | None, None)
    else:
        fields["errors"] = (dict[str, list[str]] | None, None)
        fields["non_field_errors"] = (list[str] | None, None)
    model: type[pydantic.BaseModel] = pydantic.create_model(name, **fields)
    return model


# --- answers -----------------------------------------------------------------------------


def pretty_name(name: str) -> str:
    """`first_name` -> `First name`: a label for a field that declares none (Django's rule)."""
    return name.replace("_", " ").capitalize() if name else ""


def jsonable(value: Any) -> Any:
    """A JSON value for an initial value or a choice (dates as ISO text, lazy text as
    text, anything else Pydantic cannot convert as its `str()`)."""
    return to_jsonable_python(value, fallback=str)


def field_schema(
    *,
    type: str,
    required: bool,
    label: Any,
    help_text: Any,
    initial: Any,
    widget: str,
    max_length: int | None = None,
    min_length: int | None = None,
    choices: Iterable[tuple[Any, Any]] | None = None,
    multiple: bool = False,
) -> dict[str, Any]:
    """One field of a `.schema` answer, optional keys left out when they do not apply."""
    field: dict[str, Any] = {
        "type": type,
        "required": bool(required),
        "label": str(label),
        "help_text": str(help_text or ""),
        "initial": jsonable(initial),
        "widget": widget,
    }
    if max_length is not None:
        field["max_length"] = max_length
    if min_length is not None:
        field["min_length"] = min_length
    if choices is not None:
        field["choices"] = [[jsonable(value), str(label)] for value, label in choices]
    if multiple:
        field["multiple"] = True
    return field


def only(errors: Mapping[str, Sequence[str]], names: Sequence[str] | None) -> dict[str, list[str]]:
    """The errors of the named fields (all of them when `names` is None)."""
    return {field: list(messages) for field, messages in errors.items() if names is None or field in names}
