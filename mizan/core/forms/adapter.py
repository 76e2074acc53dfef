"""What the core needs from a form technology (Django forms, Pydantic models, ...).

An adapter describes its fields (FORM-3), says which fields are files and which argument,
if any, names an instance to edit, and checks submitted data. The core turns it into the
`.schema`, `.validate` and `.submit` server functions (mizan.core.forms.functions).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from mizan.core.uploads import Upload

Files = Mapping[str, "Upload | list[Upload]"]
"""The bound file fields of one call, by field name (absent when not sent)."""


@dataclass(frozen=True)
class Checked:
    """The verdict on one form's data.

    Attributes:
        errors: messages per field (fields without errors absent).
        non_field_errors: messages about the form as a whole.
        bound: what the submit handler receives when there are no errors (a bound Django
            form, a validated Pydantic model).
    """

    errors: Mapping[str, Sequence[str]] = field(default_factory=dict)
    non_field_errors: Sequence[str] = ()
    bound: Any = None

    @property
    def valid(self) -> bool:
        return not self.errors and not self.non_field_errors


@dataclass(frozen=True)
class CheckedSet:
    """The verdict on a formset's data: one `Checked` per form, and the set's own errors."""

    forms: Sequence[Checked]
    non_form_errors: Sequence[str] = ()
    bound: Any = None

    @property
    def valid(self) -> bool:
        return not self.non_form_errors and all(form.valid for form in self.forms)


@dataclass(frozen=True)
class InstanceArgument:
    """An argument of `.validate` and `.submit` naming the object a form edits (FORM-5).

    Attributes:
        name: the argument's name.
        annotation: its type (e.g. the model's primary key type); it is optional on the
            wire, and absent means "a new object".
        load: `load(request, value)` returns the object, or raises `NotFound`; it runs in
            the function body, so after the guard.
    """

    name: str
    annotation: Any
    load: Callable[[Any, Any], Any]


class FormAdapter(Protocol):
    """One form class seen by the core."""

    def field_names(self) -> Sequence[str]:
        """The names a `.validate` call's `fields` may list (every field of one form)."""
        ...

    def schema_fields(self, request: Any) -> tuple[list[str], dict[str, dict[str, Any]]]:
        """`(field_order, fields)` of the `.schema` answer (see `wire.field_schema`)."""
        ...

    def file_fields(self) -> Mapping[str, bool]:
        """The file fields by name, True for those taking several files."""
        ...

    def instance_argument(self) -> InstanceArgument | None:
        """The argument naming the object to edit, if the form edits objects."""
        ...

    def check(self, request: Any, data: Mapping[str, Any], files: Files, instance: Any) -> Checked:
        """Validate one form's data (JSON values as sent) and files."""
        ...


class FormsetAdapter(Protocol):
    """A set of forms of one class, submitted together."""

    def field_names(self) -> Sequence[str]:
        """The names a `.validate` call's `fields` may list (every field of one form)."""
        ...

    def schema_fields(self, request: Any) -> tuple[list[str], dict[str, dict[str, Any]]]:
        """`(field_order, fields)` of one form of the set."""
        ...

    def options(self) -> dict[str, Any]:
        """The `formset` object of the schema (`extra`, `min_num`, `max_num`, ...)."""
        ...

    def check(self, request: Any, forms: Sequence[Mapping[str, Any]]) -> CheckedSet:
        """Validate the forms' data, and the set as a whole."""
        ...
