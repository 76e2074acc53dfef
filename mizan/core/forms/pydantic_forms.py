"""Forms from Pydantic models (FORM-4): a model's fields are the form's fields.

Framework-neutral: `mizan_fastapi.forms.register_form` is `register_pydantic_form`, and a
Django project may use it too. Types come from the annotations, labels from
`Field(title=...)`, help texts from `description`, initial values from defaults, length
limits from the constraints and choices from `Literal` and `Enum`. Errors are Pydantic's
messages per field; a model validator's become `non_field_errors`.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import types
import typing
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pydantic
from pydantic.fields import FieldInfo

from mizan.core.client import ServerFunction
from mizan.core.errors import MizanRegistrationError
from mizan.core.forms import wire
from mizan.core.forms.adapter import Checked, Files, InstanceArgument
from mizan.core.forms.functions import FormDefinition, FormOptions, Handler, register_form_functions
from mizan.core.uploads import Upload

# (class, type, widget), most specific first: datetime is a date, bool an int.
_SCALARS: typing.Final[tuple[tuple[type, str, str], ...]] = (
    (Upload, "file", "file"),
    (bool, "boolean", "checkbox"),
    (int, "integer", "number"),
    (float, "float", "number"),
    (decimal.Decimal, "decimal", "number"),
    (datetime.datetime, "datetime", "datetime-local"),
    (datetime.date, "date", "date"),
    (datetime.time, "time", "time"),
    (datetime.timedelta, "duration", "text"),
    (uuid.UUID, "uuid", "text"),
    (pydantic.EmailStr, "email", "email"),
    (pydantic.AnyUrl, "url", "url"),
    (str, "string", "text"),
)
_LISTS: typing.Final = (list, set, frozenset, tuple)
_TEXT_TYPES: typing.Final = frozenset({"string", "email", "url"})


class _Kind(typing.NamedTuple):
    type: str
    widget: str
    choices: list[tuple[Any, Any]] | None = None
    multiple: bool = False


def _unwrap(annotation: Any, metadata: list[Any]) -> Any:
    """The annotation without `Optional` and `Annotated` (whose metadata is collected)."""
    while True:
        if typing.get_origin(annotation) is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            metadata.extend(extra)
            continue
        if typing.get_origin(annotation) in (typing.Union, types.UnionType):
            arms = [arm for arm in typing.get_args(annotation) if arm is not type(None)]
            if len(arms) == 1:
                annotation = arms[0]
                continue
        return annotation


def _choices(annotation: Any) -> list[tuple[Any, Any]] | None:
    if typing.get_origin(annotation) is Literal:
        return [(value, value) for value in typing.get_args(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [
            (member.value, getattr(member, "label", None) or wire.pretty_name(member.name.lower()))
            for member in annotation
        ]
    return None


def _kind(annotation: Any) -> _Kind:
    """The form type and widget of an (unwrapped) annotation; anything else is `json`."""
    choices = _choices(annotation)
    if choices is not None:
        return _Kind("choice", "select", choices)
    if typing.get_origin(annotation) in _LISTS:
        (item, *_) = typing.get_args(annotation) or (Any,)
        item = _unwrap(item, [])
        if item is Upload:
            return _Kind("file", "file", multiple=True)
        choices = _choices(item)
        if choices is not None:
            return _Kind("multiple_choice", "select", choices)
    if isinstance(annotation, type):
        for cls, kind, widget in _SCALARS:
            if issubclass(annotation, cls):
                return _Kind(kind, widget)
    return _Kind("json", "textarea")


def _limit(metadata: Sequence[Any], attribute: str) -> int | None:
    for item in metadata:
        value = getattr(item, attribute, None)
        if isinstance(value, int):
            return value
    return None


def _widget(info: FieldInfo, default: str) -> str:
    """`Field(json_schema_extra={"widget": "textarea"})` overrides the widget."""
    extra = info.json_schema_extra
    widget = extra.get("widget") if isinstance(extra, dict) else None
    return widget if isinstance(widget, str) else default


def _initial(info: FieldInfo) -> Any:
    if info.is_required():
        return None
    return info.get_default(call_default_factory=True, validated_data={})


def message(error: Mapping[str, Any]) -> str:
    """Pydantic's message; a `ValueError` raised by a validator reads as its own text
    (without Pydantic's "Value error, " prefix)."""
    context = error.get("ctx") or {}
    if error.get("type") == "value_error" and "error" in context:
        return str(context["error"])
    return str(error["msg"])


class PydanticForm:
    """The form adapter of a Pydantic model (see `mizan.core.forms.adapter.FormAdapter`)."""

    def __init__(self, model: type[pydantic.BaseModel]) -> None:
        self.model = model
        self._keys = {name: info.alias or name for name, info in model.model_fields.items()}
        self._files = {
            self._keys[name]: kind.multiple
            for name, info in model.model_fields.items()
            if (kind := _kind(_unwrap(info.annotation, []))).type == "file"
        }

    def field_names(self) -> Sequence[str]:
        return list(self._keys.values())

    def file_fields(self) -> Mapping[str, bool]:
        return self._files

    def instance_argument(self) -> InstanceArgument | None:
        return None

    def schema_fields(self, request: Any) -> tuple[list[str], dict[str, dict[str, Any]]]:
        fields = {}
        for name, info in self.model.model_fields.items():
            metadata = list(info.metadata)
            kind = _kind(_unwrap(info.annotation, metadata))
            text = kind.type in _TEXT_TYPES
            fields[self._keys[name]] = wire.field_schema(
                type=kind.type,
                required=info.is_required(),
                label=info.title or wire.pretty_name(name),
                help_text=info.description,
                initial=_initial(info),
                widget=_widget(info, kind.widget),
                max_length=_limit(metadata, "max_length") if text else None,
                min_length=_limit(metadata, "min_length") if text else None,
                choices=kind.choices,
                multiple=kind.multiple,
            )
        return list(fields), fields

    def check(self, request: Any, data: Mapping[str, Any], files: Files, instance: Any) -> Checked:
        values = {key: value for key, value in data.items() if key not in self._files}
        values.update(files)
        try:
            # Validators see the caller as `info.context["request"]` (Pydantic's own channel
            # for outside state), e.g. to check that a referenced row is the caller's.
            bound = self.model.model_validate(values, context={"request": request})
        except pydantic.ValidationError as exc:
            errors: dict[str, list[str]] = {}
            non_field: list[str] = []
            for error in exc.errors(include_url=False, include_input=False):
                loc = error["loc"]
                if loc:
                    errors.setdefault(str(loc[0]), []).append(message(error))
                else:
                    non_field.append(message(error))
            return Checked(errors, non_field)
        return Checked(bound=bound)


def register_pydantic_form(
    model: type[pydantic.BaseModel],
    name: str,
    submit_handler: Handler | None = None,
    *,
    title: Any = None,
    submit_label: Any = None,
    live_validation: bool = True,
    affects: Any = None,
    merge: Any = None,
    auth: Any = None,
) -> dict[str, type[ServerFunction]]:
    """Register `<name>.schema`, `<name>.validate` and (with `submit_handler`)
    `<name>.submit` for a Pydantic model (FORM-2, FORM-4).

    `submit_handler(model_instance, request)` receives the validated model and returns
    JSON-able data (it may be async). `affects=`, `merge=` and `auth=` mean what they mean
    for `@client`; `auth=` guards all three functions.

    Returns:
        The registered functions by name.

    Raises:
        MizanRegistrationError: not a Pydantic model, an invalid name or option, a name
            already taken.
    """
    if not (isinstance(model, type) and issubclass(model, pydantic.BaseModel)):
        raise MizanRegistrationError(f"register_form() takes a Pydantic model class, not {model!r}")
    options = FormOptions(name, title, submit_label, live_validation, affects, merge, auth)
    definition = FormDefinition(
        options, lambda: PydanticForm(model), submit_handler, formset=False, module=model.__module__
    )
    return register_form_functions(definition)
