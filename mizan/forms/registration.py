"""Registering Django forms and formsets: `register_form`, `register_formset`, and the
`MizanFormMixin` that registers a form class when it is defined (FORM-1, FORM-2, FORM-5)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms
from django.forms.formsets import BaseFormSet
from django.forms.models import BaseModelForm

from mizan.core.client import ServerFunction
from mizan.core.errors import MizanRegistrationError
from mizan.core.forms import FormDefinition, FormOptions, Handler, register_form_functions
from mizan.forms.adapters import DjangoForm, DjangoFormset, FormKwargs, QuerySetSource

FUNCTIONS_ATTRIBUTE = "__mizan_functions__"  # read by discovery (mizan.core.discovery)


def _remember(owner: type, made: dict[str, type[ServerFunction]]) -> None:
    """Keep the functions on the class, so that discovering its module again (after the
    registry was cleared) registers them again."""
    setattr(owner, FUNCTIONS_ATTRIBUTE, {**owner.__dict__.get(FUNCTIONS_ATTRIBUTE, {}), **made})


def _register_django_form(
    form_class: type[forms.BaseForm],
    options: FormOptions,
    handler: Handler | None,
    instance: str | None,
    queryset: QuerySetSource,
    form_kwargs: FormKwargs,
    *,
    eager: bool,
) -> dict[str, type[ServerFunction]]:
    if instance is not None and not isinstance(instance, str):
        raise MizanRegistrationError(f"{form_class.__qualname__}: instance= takes an argument name, not {instance!r}")
    definition = FormDefinition(
        options,
        lambda: DjangoForm(form_class, instance, queryset, form_kwargs),
        handler,
        formset=False,
        module=form_class.__module__,
    )
    made = register_form_functions(definition, eager=eager)
    _remember(form_class, made)
    return made


def register_form(
    form_class: type[forms.BaseForm],
    name: str,
    submit_handler: Handler | None = None,
    *,
    title: Any = None,
    submit_label: Any = None,
    live_validation: bool = True,
    affects: Any = None,
    merge: Any = None,
    auth: Any = None,
    instance: str | None = None,
    queryset: QuerySetSource = None,
    form_kwargs: FormKwargs = None,
) -> dict[str, type[ServerFunction]]:
    """Register `<name>.schema`, `<name>.validate` and (with `submit_handler`)
    `<name>.submit` for a Django form class (FORM-1, FORM-2).

    Args:
        form_class: a `Form` or `ModelForm` subclass.
        name: the form's name (dotted names are allowed).
        submit_handler: `submit_handler(form, request)` gets the bound, valid form and
            returns JSON-able data; without it there is no `.submit`.
        title, submit_label, live_validation: what `.schema` reports.
        affects, merge: what a successful submit invalidates and merges, as for `@client`.
        auth: the guard of all three functions, as for `@client`.
        instance: for a ModelForm, the argument naming the object to edit (looked up on
            the model field of that name, or on the primary key); absent means create.
        queryset: the rows `instance` is looked up in (a QuerySet, or a callable taking
            the request); others are "not found". Default: all the model's rows.
        form_kwargs: `form_kwargs(request)` returns extra keyword arguments for the
            form's constructor, in all three functions (e.g. `{"user": request.user}`
            for a form whose `clean()` checks what the caller owns), like a Django
            view's `get_form_kwargs()`. On the WebSocket, `request` is the socket's.

    Returns:
        The registered functions by name.

    Raises:
        MizanRegistrationError: not a form class, an invalid name or option, a name taken.
    """
    if not (isinstance(form_class, type) and issubclass(form_class, forms.BaseForm)):
        raise MizanRegistrationError(f"register_form() takes a Django form class, not {form_class!r}")
    options = FormOptions(name, title, submit_label, live_validation, affects, merge, auth)
    return _register_django_form(form_class, options, submit_handler, instance, queryset, form_kwargs, eager=True)


def register_formset(
    formset_class: type[BaseFormSet[Any]],
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
    """Register `<name>.formset.schema`, `.formset.validate` and (with `submit_handler`)
    `.formset.submit` for a formset class made by `formset_factory` (FORM-2).

    `submit_handler(formset, request)` gets the bound, valid formset. The other options
    are `register_form`'s.

    Raises:
        MizanRegistrationError: not a formset class, a model formset, a formset with file
            fields, an invalid name or option, a name taken.
    """
    options = FormOptions(name, title, submit_label, live_validation, affects, merge, auth)
    adapter = DjangoFormset(formset_class)  # checks the class now
    # formset_factory() makes its classes in django.forms.formsets: name the form's module.
    module = formset_class.form.__module__
    definition = FormDefinition(options, lambda: adapter, submit_handler, formset=True, module=module)
    made = register_form_functions(definition)
    _remember(formset_class, made)
    return made


@dataclass(frozen=True)
class MizanFormMeta(FormOptions):
    """The `mizan` attribute of a `MizanFormMixin` form: `register_form`'s options (the
    form options every form has, a ModelForm's `instance`/`queryset`, and `form_kwargs`)."""

    instance: str | None = None
    queryset: QuerySetSource = None
    form_kwargs: FormKwargs = None


class MizanFormMixin:
    """Mixed into a Django form class with a `mizan = MizanFormMeta(...)` attribute, it
    registers the form's functions when the class is defined (FORM-1). A method
    `on_submit_success(self, request)` returning JSON-able data makes a `.submit`.

    The class must live in a module Mizan imports: an installed app's `clients` module
    (or a module that module imports). Subclasses register only when they declare their
    own `mizan` attribute.
    """

    mizan: ClassVar[MizanFormMeta]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        meta = cls.__dict__.get("mizan")
        if meta is None:
            return
        if not isinstance(meta, MizanFormMeta):
            raise MizanRegistrationError(f"{cls.__qualname__}.mizan must be a MizanFormMeta, not {meta!r}")
        if not issubclass(cls, forms.BaseForm):
            raise MizanRegistrationError(f"{cls.__qualname__}: MizanFormMixin goes on a Django form class")
        if meta.instance is not None and not issubclass(cls, BaseModelForm):
            raise MizanRegistrationError(f"{cls.__qualname__}: instance= needs a ModelForm")
        options = FormOptions(**{f.name: getattr(meta, f.name) for f in dataclasses.fields(FormOptions)})
        handler = getattr(cls, "on_submit_success", None)
        # Django's form metaclasses set the fields after this hook: the spec waits for first use.
        _register_django_form(cls, options, handler, meta.instance, meta.queryset, meta.form_kwargs, eager=False)
