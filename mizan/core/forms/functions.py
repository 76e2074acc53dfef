"""Form functions: a form adapter turned into registered server functions (FORM-2, FORM-3, FORM-5).

`register_form_functions` registers `<name>.schema`, `<name>.validate` and, with a
handler, `<name>.submit` (for a formset: `<name>.formset.schema|validate|submit`). They
are ordinary `ServerFunction` classes: the executor guards (`auth=`), validates their
`Input`, runs them, and a submit invalidates (`affects=`) and merges (`merge=`) as any
mutation does. A submit whose data is invalid answers `{"success": false, ...}` with 200
and emits nothing: it returns an `Outcome` with `changed=False`.

A form class may register itself while its framework is still building it (Django's form
metaclasses set the fields after `__init_subclass__`), so everything that depends on the
fields (the `Input` and `Output` models, the file and instance arguments) is worked out
on first use; see `_LazyTypes`.
"""

from __future__ import annotations

import inspect
import threading
import typing
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pydantic

from mizan.core import registry
from mizan.core.client import ServerFunction
from mizan.core.errors import MizanRegistrationError, ValidationError
from mizan.core.formmeta import FORM_ROLES, form_marks, mark_form_function
from mizan.core.forms import wire
from mizan.core.forms.adapter import Checked, CheckedSet, FormAdapter, FormsetAdapter, InstanceArgument
from mizan.core.options import normalize_options
from mizan.core.outcome import Outcome
from mizan.core.signature import camel
from mizan.core.uploads import Upload

Handler = Callable[[Any, Any], Any]
"""`handler(bound, request)`: the bound, valid form (or model, or formset) and the request;
returns JSON-able data, or an awaitable of it."""

FORM_ROLE_SUFFIXES: typing.Final = {
    "schema": "schema",
    "validate": "validate",
    "submit": "submit",
    "formset-schema": "formset.schema",
    "formset-validate": "formset.validate",
    "formset-submit": "formset.submit",
}
UNKNOWN_FIELD: typing.Final = "Not a field of this form"
RESERVED_ARGUMENTS: typing.Final = frozenset({"data", "fields", "forms"})


@dataclass(frozen=True)
class FormOptions:
    """What a form declares, beyond its fields (FORM-1, FORM-5): one frozen object
    handed through every layer.

    `title` and `submit_label` may be lazy translations: they are turned into text for
    each `.schema` answer. `auth` guards every function of the form; `affects` and
    `merge` are the submit's, with `@client`'s meaning.
    """

    name: str
    title: Any = None
    submit_label: Any = None
    live_validation: bool = True
    affects: Any = None
    merge: Any = None
    auth: Any = None


@dataclass(frozen=True)
class FormSpec:
    """A form definition worked out: the adapter and the models of each function."""

    adapter: FormAdapter | FormsetAdapter
    instance: InstanceArgument | None
    files: Mapping[str, bool]
    data_type: Any
    inputs: Mapping[str, type[pydantic.BaseModel] | None]
    outputs: Mapping[str, Any]


class FormDefinition:
    """One registered form or formset; its adapter is made on first use.

    Args:
        options: the form's declared options.
        adapter: makes the adapter (called once, on first use).
        handler: the submit handler, or None for a form without `.submit`.
        formset: True for a formset (`<name>.formset.*` functions).
        module: the module the form is defined in (the functions' `__module__`).
    """

    def __init__(
        self,
        options: FormOptions,
        adapter: Callable[[], FormAdapter | FormsetAdapter],
        handler: Handler | None,
        *,
        formset: bool,
        module: str,
    ) -> None:
        self.options = options
        self.handler = handler
        self.formset = formset
        self.module = module
        self._make_adapter = adapter
        self._spec: FormSpec | None = None
        self._lock = threading.Lock()

    @property
    def roles(self) -> tuple[str, ...]:
        roles = ("schema", "validate") + (("submit",) if self.handler is not None else ())
        return tuple(f"formset-{role}" for role in roles) if self.formset else roles

    def spec(self) -> FormSpec:
        """The worked-out form, built once."""
        spec = self._spec
        if spec is None:
            with self._lock:
                spec = self._spec
                if spec is None:
                    spec = self._spec = self._build()
        return spec

    def _build(self) -> FormSpec:
        adapter = self._make_adapter()
        instance = None if self.formset else typing.cast(FormAdapter, adapter).instance_argument()
        files = {} if self.formset else dict(typing.cast(FormAdapter, adapter).file_fields())
        data_type = _return_type(self.handler)
        base = camel(self.options.name.replace(".", "_"))
        extra: dict[str, Any] = {}
        for name, multiple in files.items():
            extra[name] = ((list[Upload] if multiple else Upload) | None, None)
        if instance is not None:
            extra[instance.name] = (instance.annotation | None, None)
        arguments = [*files, *([instance.name] if instance is not None else [])]
        for name in arguments:
            if name in RESERVED_ARGUMENTS or arguments.count(name) > 1:
                raise MizanRegistrationError(
                    f"form {self.options.name!r}: the argument {name!r} (a file field or the instance) is taken"
                )
        records = (list[dict[str, Any]], ...) if self.formset else (dict[str, Any], ...)
        key = "forms" if self.formset else "data"
        inputs = {
            "validate": _model(f"{base}ValidateInput", {key: records, "fields": (list[str] | None, None), **extra}),
            "submit": _model(f"{base}SubmitInput", {key: records, **extra}),
        }
        outputs: dict[str, Any] = {
            "schema": wire.MizanFormsetSchema if self.formset else wire.MizanFormSchema,
            "validate": wire.MizanFormsetValidation if self.formset else wire.MizanFormValidation,
            "submit": wire.submit_model(f"{base}SubmitResult", data_type, self.formset),
        }
        return FormSpec(adapter, instance, files, data_type, inputs, outputs)


def _return_type(handler: Handler | None) -> Any:
    """The handler's return annotation (only that one is evaluated: its parameters may
    name classes local to where it was defined); Any when it declares none.

    Raises:
        MizanRegistrationError: the annotation names something its module does not define.
    """
    if handler is None:
        return Any
    try:
        annotation = inspect.get_annotations(handler).get("return", Any)
    except TypeError:  # not a function (a callable object, a partial): nothing declared
        return Any
    if not isinstance(annotation, str):
        return annotation
    try:
        return eval(annotation, dict(getattr(handler, "__globals__", {})))  # noqa: S307 (what get_type_hints does)
    except Exception as exc:
        where = getattr(handler, "__qualname__", repr(handler))
        raise MizanRegistrationError(f"{where}: return annotation {annotation!r} cannot be resolved ({exc})") from None


def _model(name: str, fields: dict[str, Any]) -> type[pydantic.BaseModel]:
    config = pydantic.ConfigDict(arbitrary_types_allowed=True)
    model: type[pydantic.BaseModel] = pydantic.create_model(name, __config__=config, **fields)
    return model


class _LazyTypes(type):
    """Metaclass of form functions: `Input`, `Output` and `MergeOutput` come from the
    form's spec, built on first use (data descriptors of a metaclass take precedence over
    the class attributes `ServerFunction` declares)."""

    @property
    def Input(cls) -> type[pydantic.BaseModel] | None:  # noqa: N802 (ServerFunction's name)
        definition, role = _role_of(cls)
        return None if definition is None else definition.spec().inputs.get(role)

    @property
    def Output(cls) -> Any:  # noqa: N802
        definition, role = _role_of(cls)
        return Any if definition is None else definition.spec().outputs[role]

    @property
    def MergeOutput(cls) -> Any:  # noqa: N802
        definition, role = _role_of(cls)
        if definition is None:
            return Any
        spec = definition.spec()
        return spec.data_type if role == "submit" else spec.outputs[role]


def _role_of(cls: type) -> tuple[FormDefinition | None, str]:
    definition = cls.__dict__.get("definition")
    return definition, typing.cast(str, cls.__dict__.get("role", "")).removeprefix("formset-")


class FormFunction(ServerFunction, metaclass=_LazyTypes):
    """Base of the functions of one form; `definition` and `role` are set per class."""

    definition: ClassVar[FormDefinition]
    role: ClassVar[str]

    @classmethod
    def arguments(cls, bound: Any) -> dict[str, Any]:
        """Only the instance argument scopes invalidation (INV-3); uploads never do (UPL-5)."""
        instance = cls.definition.spec().instance
        if bound is None or instance is None:
            return {}
        return {instance.name: getattr(bound, instance.name)}

    def call(self, input: Any) -> Any:
        spec = type(self).definition.spec()
        role = type(self).role
        if role == "schema":
            return self.schema(typing.cast(FormAdapter, spec.adapter))
        if role == "formset-schema":
            answer = self.schema(spec.adapter)
            answer["formset"] = typing.cast(FormsetAdapter, spec.adapter).options()
            return answer
        names = _names(input.fields, spec.adapter.field_names()) if role.endswith("validate") else None
        if role.startswith("formset-"):
            checked_set = typing.cast(FormsetAdapter, spec.adapter).check(self.request, input.forms)
            return self.answer_formset(checked_set, names)
        instance = None
        if spec.instance is not None:
            value = getattr(input, spec.instance.name)
            instance = None if value is None else spec.instance.load(self.request, value)
        files = {name: getattr(input, name) for name in spec.files if getattr(input, name) is not None}
        checked = typing.cast(FormAdapter, spec.adapter).check(self.request, input.data, files, instance)
        return self.answer(checked, names)

    def schema(self, adapter: FormAdapter | FormsetAdapter) -> dict[str, Any]:
        options = type(self).definition.options
        order, fields = adapter.schema_fields(self.request)
        title = options.title if options.title is not None else wire.pretty_name(options.name.rsplit(".", 1)[-1])
        return {
            "name": options.name,
            "title": str(title),
            "submit_label": str(options.submit_label if options.submit_label is not None else "Submit"),
            "live_validation": bool(options.live_validation),
            "field_order": order,
            "fields": fields,
        }

    def answer(self, checked: Checked, names: Sequence[str] | None) -> Any:
        """The `.validate` answer (of the named fields only, when `fields` named some), or
        the `.submit` outcome."""
        if type(self).role == "validate":
            errors = wire.only(checked.errors, names)
            non_field = [] if names is not None else [str(m) for m in checked.non_field_errors]
            return {"valid": not errors and not non_field, "errors": errors, "non_field_errors": non_field}
        if not checked.valid:
            failure = {
                "success": False,
                "errors": wire.only(checked.errors, None),
                "non_field_errors": [str(m) for m in checked.non_field_errors],
            }
            return Outcome(failure, changed=False)
        return self.handle(checked.bound)

    def answer_formset(self, checked: CheckedSet, names: Sequence[str] | None) -> Any:
        """`answer` for a formset: per form, plus the set's own errors."""
        forms = [
            {
                "errors": wire.only(form.errors, names),
                "non_field_errors": [] if names is not None else [str(m) for m in form.non_field_errors],
            }
            for form in checked.forms
        ]
        non_form = [] if names is not None else [str(m) for m in checked.non_form_errors]
        valid = not non_form and not any(form["errors"] or form["non_field_errors"] for form in forms)
        if type(self).role == "formset-validate":
            return {"valid": valid, "forms": forms, "non_form_errors": non_form}
        if not valid:
            return Outcome({"success": False, "forms": forms, "non_form_errors": non_form}, changed=False)
        return self.handle(checked.bound)

    def handle(self, bound: Any) -> Any:
        """Run the handler on a valid form: the success answer, awaited when it is async."""
        handler = typing.cast(Handler, type(self).definition.handler)
        data = handler(bound, self.request)
        if inspect.isawaitable(data):
            return _succeed_later(data)
        return Outcome({"success": True, "data": data}, changed=True, value=data)


async def _succeed_later(pending: Awaitable[Any]) -> Outcome:
    data = await pending
    return Outcome({"success": True, "data": data}, changed=True, value=data)


def _names(names: Sequence[str] | None, known: Collection[str]) -> Sequence[str] | None:
    """The `fields` of a `.validate` call, each of which must be a field of the form."""
    if names is None:
        return None
    unknown = [(("fields", index), UNKNOWN_FIELD) for index, name in enumerate(names) if name not in known]
    if unknown:
        raise ValidationError(unknown)
    return names


def register_form_functions(definition: FormDefinition, *, eager: bool = True) -> dict[str, type[ServerFunction]]:
    """Register the functions of a form or formset; returns them by registered name.

    Args:
        definition: the form.
        eager: build the spec now (a complete form class), so that a mistake is reported
            here; False for a class still being built (its spec is built on first use).

    Raises:
        MizanRegistrationError: an invalid name or option, or a name already taken.
    """
    options = definition.options
    names = {role: f"{options.name}.{FORM_ROLE_SUFFIXES[role]}" for role in definition.roles}
    for name in names.values():
        existing = registry.get_function(name)
        if existing is not None:
            raise MizanRegistrationError(
                f"the name {name!r} is already registered to {existing.__module__}.{existing.__qualname__} (REG-3)"
            )
    guard_only = normalize_options({"auth": options.auth})
    mutation = normalize_options({"affects": options.affects, "merge": options.merge, "auth": options.auth})
    if eager:
        definition.spec()
    made: dict[str, type[ServerFunction]] = {}
    for role, name in names.items():
        fn_options = mutation if role.endswith("submit") else guard_only
        namespace = {
            "__module__": definition.module,
            "__qualname__": name,
            "__doc__": f"The {role} function of form {options.name!r} (FORM-2).",
            "definition": definition,
            "role": role,
            "_options": fn_options,
            "_meta": fn_options.meta(),
        }
        made_class = typing.cast(type[FormFunction], _LazyTypes(name.replace(".", "_"), (FormFunction,), namespace))
        made[name] = mark_form_function(made_class, form_name=options.name, role=role)
    for name, fn_class in made.items():
        registry.register(fn_class, name)
    return made


def get_forms() -> dict[str, list[type[ServerFunction]]]:
    """The registered form functions grouped by form name (FORM-2), each group in role
    order (schema, validate, submit, then the formset's)."""
    groups: dict[str, list[type[ServerFunction]]] = {}
    for fn_class in registry.get_all_functions().values():
        marks = form_marks(fn_class)
        if marks is not None:
            groups.setdefault(marks[0], []).append(fn_class)
    for group in groups.values():
        group.sort(key=lambda fn_class: FORM_ROLES.index(fn_class._meta["form_role"]))
    return groups
