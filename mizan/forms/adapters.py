"""Django forms and formsets as form adapters (mizan.core.forms.adapter), and the instance
lookup of a ModelForm (FORM-5)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

from django import forms
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.db import models
from django.forms.formsets import BaseFormSet
from django.forms.models import BaseModelForm, BaseModelFormSet

from mizan.core.errors import MizanRegistrationError, NotFound
from mizan.core.forms import Checked, CheckedSet, InstanceArgument
from mizan.core.forms.adapter import Files
from mizan.forms.binding import bind, checked, file_data, mark_wrong
from mizan.forms.fields import describe, is_multiple

QuerySetSource: TypeAlias = models.QuerySet[Any] | Callable[[Any], models.QuerySet[Any]] | None
"""`queryset=`: a QuerySet, or `queryset(request)` for one per request (e.g. the user's rows)."""

FormKwargs: TypeAlias = Callable[[Any], Mapping[str, Any]] | None
"""`form_kwargs=`: `form_kwargs(request)` returns extra keyword arguments of the form's
constructor (e.g. `{"user": request.user}`), as a Django view's `get_form_kwargs()` does."""

MSG_NOT_FOUND = "Not found"


def _key_type(field: models.Field[Any, Any]) -> Any:
    """The Python type of an instance argument, from the model field it is looked up on."""
    if isinstance(field, models.IntegerField):  # AutoField and BigAutoField too
        return int
    if isinstance(field, models.UUIDField):
        return uuid.UUID
    return str


def instance_argument(form_class: type[forms.BaseForm], name: str, queryset: QuerySetSource) -> InstanceArgument:
    """The argument `name` of a ModelForm's `.validate` and `.submit`: the object is looked
    up on the model field of that name, or on the primary key when no field has it.

    Raises:
        MizanRegistrationError: not a ModelForm, or a field that does not identify one row.
    """
    if not issubclass(form_class, BaseModelForm):
        raise MizanRegistrationError(f"{form_class.__qualname__}: instance= needs a ModelForm")
    model = form_class._meta.model
    try:
        field = model._meta.get_field(name)
        lookup = name
    except FieldDoesNotExist:
        field, lookup = model._meta.pk, "pk"
    if not isinstance(field, models.Field) or not (field.primary_key or field.unique):
        raise MizanRegistrationError(
            f"{form_class.__qualname__}: instance={name!r} names {model.__name__}.{name}, which is not unique"
        )

    def load(request: Any, value: Any) -> Any:
        rows = queryset(request) if callable(queryset) else queryset
        rows = (rows if rows is not None else model._default_manager).all()
        try:
            return rows.get(**{lookup: value})
        except (ObjectDoesNotExist, ValidationError, ValueError, TypeError):
            raise NotFound(MSG_NOT_FOUND) from None

    return InstanceArgument(name, _key_type(field), load)


class DjangoForm:
    """A Django form class as a form adapter (see `FormAdapter`)."""

    def __init__(
        self,
        form_class: type[forms.BaseForm],
        instance: str | None,
        queryset: QuerySetSource,
        form_kwargs: FormKwargs = None,
    ) -> None:
        self.form_class = form_class
        self._form_kwargs = form_kwargs
        self.model_form = issubclass(form_class, BaseModelForm)
        self._instance = None if instance is None else instance_argument(form_class, instance, queryset)
        fields = form_class.base_fields
        self._files = {name: is_multiple(f) for name, f in fields.items() if isinstance(f, forms.FileField)}

    def field_names(self) -> Sequence[str]:
        return list(self.form_class.base_fields)

    def file_fields(self) -> Mapping[str, bool]:
        return self._files

    def instance_argument(self) -> InstanceArgument | None:
        return self._instance

    def _extra(self, request: Any) -> dict[str, Any]:
        return {} if self._form_kwargs is None else dict(self._form_kwargs(request))

    def schema_fields(self, request: Any) -> tuple[list[str], dict[str, dict[str, Any]]]:
        form = self.form_class(**self._extra(request))
        fields = {bound.name: describe(bound) for bound in form}
        return list(fields), fields

    def check(self, request: Any, data: Mapping[str, Any], files: Files, instance: Any) -> Checked:
        prefix = self.form_class.prefix  # a class may declare one; its inputs carry it
        values, wrong = bind(self.form_class.base_fields, data, prefix)
        kwargs = self._extra(request)
        if self.model_form:
            kwargs["instance"] = instance
        form = self.form_class(data=values, files=file_data(files, prefix), **kwargs)
        form.full_clean()
        mark_wrong(form, wrong)
        return checked(form)


class DjangoFormset:
    """A Django formset class (from `formset_factory`) as a formset adapter."""

    def __init__(self, formset_class: type[BaseFormSet[Any]]) -> None:
        if not (isinstance(formset_class, type) and issubclass(formset_class, BaseFormSet)):
            raise MizanRegistrationError(f"register_formset() takes a formset class, not {formset_class!r}")
        if issubclass(formset_class, BaseModelFormSet):
            raise MizanRegistrationError(f"{formset_class.__qualname__}: model formsets are not supported")
        self.formset_class = formset_class
        self.prefix = formset_class.get_default_prefix()
        self.fields = dict(formset_class().empty_form.fields)  # with DELETE and ORDER
        files = [name for name, field in self.fields.items() if isinstance(field, forms.FileField)]
        if files:
            raise MizanRegistrationError(
                f"{formset_class.__qualname__}: file fields ({', '.join(files)}) are not supported in formsets"
            )

    def field_names(self) -> Sequence[str]:
        return list(self.fields)

    def options(self) -> dict[str, Any]:
        formset = self.formset_class
        return {
            "extra": formset.extra,
            "min_num": formset.min_num,
            "max_num": formset.max_num,
            "can_delete": formset.can_delete,
            "can_order": formset.can_order,
        }

    def schema_fields(self, request: Any) -> tuple[list[str], dict[str, dict[str, Any]]]:
        form = self.formset_class().empty_form
        fields = {bound.name: describe(bound) for bound in form}
        return list(fields), fields

    def check(self, request: Any, forms_data: Sequence[Mapping[str, Any]]) -> CheckedSet:
        prefix = self.prefix
        values: dict[str, Any] = {
            f"{prefix}-TOTAL_FORMS": str(len(forms_data)),
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": str(self.formset_class.min_num),
            f"{prefix}-MAX_NUM_FORMS": str(self.formset_class.max_num),
        }
        wrong: list[list[str]] = []
        for index, data in enumerate(forms_data):
            bound, bad = bind(self.fields, data, f"{prefix}-{index}")
            values.update(bound)
            wrong.append(bad)
        formset = self.formset_class(data=values)
        formset.full_clean()
        answers = []
        for form, bad in zip(formset.forms, wrong, strict=False):
            mark_wrong(form, bad)
            answers.append(checked(form))
        return CheckedSet(answers, [str(message) for message in formset.non_form_errors()], formset)
