"""Forms as server functions (PROTOCOL §10.3, FORM-2..5) on both adapters: the same form,
declared as a Django form on the Django side and as the equivalent Pydantic model on the
FastAPI side, gives the same wire answers (messages are each framework's own).

Django-only behaviour (the mixin, ModelForm instances, formsets, rollback under
ATOMIC_REQUESTS with CSRF enforced, file fields) is in tests/django/test_forms.py.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import ckdl
import pytest
from pydantic import AnyUrl, BaseModel, Field, ValidationInfo, field_validator, model_validator

from mizan import Forbidden, Upload, client
from mizan.core import notify, registry
from mizan.core.auth import get_user
from mizan.core.forms import get_forms, register_pydantic_form
from mizan.core.ir import build_ir
from tests.adapters.conftest import Adapter, Answer

pytestmark = pytest.mark.capability("Forms (schema, validate, submit)", "django", "fastapi")

INBOX: list[str] = []
HANDLED: list[dict[str, Any]] = []


class Message(BaseModel):
    name: str


@client(context="inbox")
def inbox_messages(request: Any) -> list[Message]:
    return [Message(name=name) for name in INBOX]


class Topic(enum.Enum):
    SALES = "sales"
    HELP = "help"


class Tag(enum.Enum):
    A = "a"
    B = "b"


class Contact(BaseModel):
    """The FastAPI side's form: the Pydantic twin of `django_contact_form()`."""

    name: str = Field(min_length=2, max_length=20, title="Full name", description="Your name")
    age: int | None = 30
    topic: Topic
    tags: list[Tag] = []
    agree: bool = False
    when: datetime.date | None = None
    attachment: Upload | None = None

    @model_validator(mode="after")
    def no_spam(self) -> Contact:
        if self.name == "spam":
            raise ValueError("No spam, please.")
        return self


def django_contact_form() -> type:
    """The Django side's form (built here: Django is configured only by then)."""
    from django import forms

    class DateInput(forms.DateInput):
        input_type = "date"

    class ContactForm(forms.Form):
        name = forms.CharField(label="Full name", min_length=2, max_length=20, help_text="Your name")
        age = forms.IntegerField(required=False, initial=30)
        topic = forms.ChoiceField(choices=[("sales", "Sales"), ("help", "Help")])
        tags = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], required=False, initial=[])
        agree = forms.BooleanField(required=False, initial=False)
        when = forms.DateField(required=False, widget=DateInput)
        attachment = forms.FileField(required=False)

        def clean(self) -> dict[str, Any]:
            cleaned = super().clean() or {}
            if cleaned.get("name") == "spam":
                raise forms.ValidationError("No spam, please.")
            return cleaned

    return ContactForm


def values(bound: Any) -> dict[str, Any]:
    """What the handler saw, the same on both sides: the cleaned data or the model's."""
    if isinstance(bound, BaseModel):
        data = bound.model_dump(mode="json", exclude={"attachment"})
    else:
        data = {k: v for k, v in bound.cleaned_data.items() if k != "attachment"}
        data["when"] = data["when"].isoformat() if data["when"] else None
    data["tags"] = sorted(data["tags"])
    return data


def record(bound: Any, request: Any) -> Message:
    HANDLED.append(values(bound))
    INBOX.append(values(bound)["name"])
    return Message(name=values(bound)["name"])


async def record_later(bound: Any, request: Any) -> Message:
    return record(bound, request)


def refuse(bound: Any, request: Any) -> Message:
    raise Forbidden("Contact form closed")


def crash(bound: Any, request: Any) -> Message:
    raise RuntimeError("the mail server is down")


@dataclass
class Forms:
    """Registers the contact form on the adapter under test."""

    adapter: Adapter

    def register(self, name: str = "contact", handler: Any = record, **options: Any) -> dict[str, type]:
        options.setdefault("title", "Contact us")
        options.setdefault("submit_label", "Send")
        if self.adapter.name == "django":
            from mizan.forms import register_form

            return register_form(django_contact_form(), name, handler, **options)
        from mizan_fastapi.forms import register_form as register_fastapi_form

        return register_fastapi_form(Contact, name, handler, **options)


@pytest.fixture
def forms(adapter: Adapter, register: Callable[..., None]) -> Iterator[Forms]:
    INBOX.clear()
    HANDLED.clear()
    register(inbox_messages=inbox_messages)
    yield Forms(adapter)


@pytest.fixture
def emitted() -> Iterator[list[tuple[Any, ...]]]:
    """Every invalidation/merge entry handed on (the purge hook's and listeners' view)."""
    seen: list[tuple[Any, ...]] = []

    def listener(context: str, params: Any, function: Any, source: str) -> None:
        seen.append((context, params, function, source))

    notify.on_invalidate(listener)
    yield seen
    notify.remove_listener(listener)


def result(answer: Answer) -> Any:
    assert answer.status == 200, answer.body
    return answer.json()["result"]


def messages(adapter: Adapter, django: str, fastapi: str) -> list[str]:
    return [django if adapter.name == "django" else fastapi]


REQUIRED = {"django": "This field is required.", "fastapi": "Field required"}
TOO_SHORT = {
    "django": "Ensure this value has at least 2 characters (it has 1).",
    "fastapi": "String should have at least 2 characters",
}
VALID = {"name": "bob", "age": "41", "topic": "help", "tags": ["b", "a"], "when": "2026-03-01"}
HANDLED_VALID = {"name": "bob", "age": 41, "topic": "help", "tags": ["a", "b"], "agree": False, "when": "2026-03-01"}


# --- FORM-3: .schema ------------------------------------------------------------------------


def test_form3_schema_field_by_field(forms: Forms) -> None:
    forms.register()
    schema = result(forms.adapter.call("contact.schema"))
    assert schema == {
        "name": "contact",
        "title": "Contact us",
        "submit_label": "Send",
        "live_validation": True,
        "field_order": ["name", "age", "topic", "tags", "agree", "when", "attachment"],
        "fields": {
            "name": {
                "type": "string",
                "required": True,
                "label": "Full name",
                "help_text": "Your name",
                "initial": None,
                "widget": "text",
                "max_length": 20,
                "min_length": 2,
            },
            "age": {
                "type": "integer",
                "required": False,
                "label": "Age",
                "help_text": "",
                "initial": 30,
                "widget": "number",
            },
            "topic": {
                "type": "choice",
                "required": True,
                "label": "Topic",
                "help_text": "",
                "initial": None,
                "widget": "select",
                "choices": [["sales", "Sales"], ["help", "Help"]],
            },
            "tags": {
                "type": "multiple_choice",
                "required": False,
                "label": "Tags",
                "help_text": "",
                "initial": [],
                "widget": "select",
                "choices": [["a", "A"], ["b", "B"]],
            },
            "agree": {
                "type": "boolean",
                "required": False,
                "label": "Agree",
                "help_text": "",
                "initial": False,
                "widget": "checkbox",
            },
            "when": {
                "type": "date",
                "required": False,
                "label": "When",
                "help_text": "",
                "initial": None,
                "widget": "date",
            },
            "attachment": {
                "type": "file",
                "required": False,
                "label": "Attachment",
                "help_text": "",
                "initial": None,
                "widget": "file",
            },
        },
    }


def test_form3_schema_defaults_title_from_the_name(forms: Forms) -> None:
    forms.register("support.contact_request", title=None, submit_label=None, live_validation=False)
    schema = result(forms.adapter.call("support.contact_request.schema"))
    assert (schema["name"], schema["title"], schema["submit_label"], schema["live_validation"]) == (
        "support.contact_request",
        "Contact request",
        "Submit",
        False,
    )


# --- FORM-3: .validate ----------------------------------------------------------------------


def test_form3_validate_valid_data(forms: Forms) -> None:
    forms.register()
    answer = result(forms.adapter.call("contact.validate", {"data": VALID}))
    assert answer == {"valid": True, "errors": {}, "non_field_errors": []}
    assert HANDLED == []


def test_form3_validate_reports_every_field(forms: Forms) -> None:
    forms.register()
    answer = result(forms.adapter.call("contact.validate", {"data": {"name": "x"}}))
    name = forms.adapter.name
    assert answer == {
        "valid": False,
        "errors": {"name": [TOO_SHORT[name]], "topic": [REQUIRED[name]]},
        "non_field_errors": [],
    }


def test_form3_validate_non_field_errors(forms: Forms) -> None:
    forms.register()
    answer = result(forms.adapter.call("contact.validate", {"data": {**VALID, "name": "spam"}}))
    assert answer == {"valid": False, "errors": {}, "non_field_errors": ["No spam, please."]}


def test_form3_validate_only_the_named_fields(forms: Forms) -> None:
    """Live validation while the user types: only the named fields' errors; the form's
    own errors wait for the whole form."""
    forms.register()
    call = forms.adapter.call
    name = forms.adapter.name
    partial = result(call("contact.validate", {"data": {"name": "x"}, "fields": ["name"]}))
    assert partial == {"valid": False, "errors": {"name": [TOO_SHORT[name]]}, "non_field_errors": []}
    fine = result(call("contact.validate", {"data": {"name": "bob"}, "fields": ["name", "age"]}))
    assert fine == {"valid": True, "errors": {}, "non_field_errors": []}
    spam = result(call("contact.validate", {"data": {**VALID, "name": "spam"}, "fields": ["name"]}))
    assert spam == {"valid": True, "errors": {}, "non_field_errors": []}
    none = result(call("contact.validate", {"data": {"name": "x"}, "fields": []}))
    assert none == {"valid": True, "errors": {}, "non_field_errors": []}


def test_form3_values_of_the_wrong_json_type_are_field_errors(forms: Forms) -> None:
    """A value the field cannot take (an object for text, a list for a single choice) is
    that field's error, never a 500."""
    forms.register()
    data = {"name": {"first": "bob"}, "topic": ["help"], "age": [1], "when": 5, "agree": {"yes": 1}}
    answer = result(forms.adapter.call("contact.validate", {"data": data}))
    assert answer["valid"] is False
    assert set(answer["errors"]) == {"name", "topic", "age", "when", "agree"}
    assert all(len(found) == 1 and isinstance(found[0], str) for found in answer["errors"].values())


# --- FORM-3, FORM-5: .submit ----------------------------------------------------------------


def test_form5_submit_success_invalidates(forms: Forms, emitted: list[tuple[Any, ...]]) -> None:
    forms.register(affects="inbox")
    assert forms.adapter.ctx("inbox").json() == {"inbox_messages": []}
    answer = forms.adapter.call("contact.submit", {"data": VALID})
    assert answer.status == 200
    assert answer.json() == {"result": {"success": True, "data": {"name": "bob"}}, "invalidate": ["inbox"]}
    assert answer.headers["x-mizan-invalidate"] == "inbox"
    assert emitted == [("inbox", None, None, "contact.submit")]
    assert HANDLED == [HANDLED_VALID]
    assert forms.adapter.ctx("inbox").json() == {"inbox_messages": [{"name": "bob"}]}


@pytest.mark.capability("WebSocket RPC", "django", "fastapi")
def test_ws9_a_form_submit_is_pushed_to_the_users_other_sockets(forms: Forms) -> None:
    """WS-9 on every transport: a successful submit reaches the submitter's open sockets
    (their other tabs), an invalid one pushes nothing, and other users hear of neither."""
    forms.register(affects="inbox")
    with forms.adapter.websocket(identity="alice") as alice, forms.adapter.websocket(identity="bob") as bob:
        assert forms.adapter.call("contact.submit", {"data": {"name": "x"}}, identity="alice").status == 200
        assert forms.adapter.call("contact.submit", {"data": VALID}, identity="alice").status == 200
        assert alice.receive_json() == {"invalidate": ["inbox"], "type": "invalidate"}
        alice.expect_quiet()  # one push: the invalid submit pushed nothing
        bob.expect_quiet()


def test_form5_invalid_submit_is_200_and_emits_nothing(forms: Forms, emitted: list[tuple[Any, ...]]) -> None:
    forms.register(affects="inbox", merge="inbox")
    name = forms.adapter.name
    answer = forms.adapter.call("contact.submit", {"data": {"name": "x"}})
    assert answer.status == 200
    assert answer.json() == {
        "result": {
            "success": False,
            "errors": {"name": [TOO_SHORT[name]], "topic": [REQUIRED[name]]},
            "non_field_errors": [],
        }
    }
    assert "x-mizan-invalidate" not in answer.headers
    spam = forms.adapter.call("contact.submit", {"data": {**VALID, "name": "spam"}})
    assert spam.json() == {"result": {"success": False, "errors": {}, "non_field_errors": ["No spam, please."]}}
    assert "x-mizan-invalidate" not in spam.headers
    assert emitted == [] and HANDLED == []


def test_form5_submit_merges_the_handler_data(forms: Forms, emitted: list[tuple[Any, ...]]) -> None:
    """MRG-4 for a submit: the merge entry carries the handler's data (the `data` of the
    answer), matched to the slot by the handler's return type."""
    forms.register(merge="inbox")
    answer = forms.adapter.call("contact.submit", {"data": VALID})
    assert answer.json() == {
        "result": {"success": True, "data": {"name": "bob"}},
        "merge": [{"context": "inbox", "slot": "inbox_messages", "value": {"name": "bob"}}],
    }
    assert "x-mizan-invalidate" not in answer.headers
    assert emitted == [("inbox", None, "inbox_messages", "contact.submit")]


def test_form5_async_handler(forms: Forms) -> None:
    forms.register(handler=record_later, affects="inbox")
    answer = forms.adapter.call("contact.submit", {"data": VALID})
    assert answer.json() == {"result": {"success": True, "data": {"name": "bob"}}, "invalidate": ["inbox"]}


def test_form5_no_handler_no_submit(forms: Forms) -> None:
    forms.register(handler=None)
    assert [fn._meta["form_role"] for fn in get_forms()["contact"]] == ["schema", "validate"]
    answer = forms.adapter.call("contact.submit", {"data": VALID})
    assert (answer.status, answer.json()["error"]["code"]) == (404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("handler", "status", "code", "message"),
    [
        (refuse, 403, "FORBIDDEN", "Contact form closed"),
        (crash, 500, "INTERNAL_ERROR", "Internal server error"),
    ],
)
def test_form5_failing_handler_is_the_error_envelope(
    forms: Forms, emitted: list[tuple[Any, ...]], handler: Any, status: int, code: str, message: str
) -> None:
    forms.register(handler=handler, affects="inbox")
    answer = forms.adapter.call("contact.submit", {"data": VALID})
    assert (answer.status, answer.json()) == (status, {"error": {"code": code, "message": message}})
    assert "x-mizan-invalidate" not in answer.headers and emitted == []


# --- guards ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["schema", "validate", "submit"])
def test_form5_auth_guards_every_function(forms: Forms, role: str) -> None:
    forms.register(auth=True, affects="inbox")
    args = None if role == "schema" else {"data": VALID}
    refused = forms.adapter.call(f"contact.{role}", args)
    assert (refused.status, refused.json()) == (
        401,
        {"error": {"code": "UNAUTHORIZED", "message": "Authentication required"}},
    )
    assert forms.adapter.call(f"contact.{role}", args, identity="alice").status == 200
    assert HANDLED == ([HANDLED_VALID] if role == "submit" else [])


# --- bad input: the envelope, never a 500 ----------------------------------------------------


@pytest.mark.parametrize(
    ("fn", "args", "field"),
    [
        ("contact.validate", {"data": ["name", "bob"]}, "data"),
        ("contact.validate", {"data": "name=bob"}, "data"),
        ("contact.validate", {"data": None}, "data"),
        ("contact.validate", {}, "data"),
        ("contact.validate", {"data": {}, "fields": "name"}, "fields"),
        ("contact.validate", {"data": {}, "fields": [1]}, "fields.0"),
        ("contact.validate", {"data": {}, "fields": ["name", "nope"]}, "fields.1"),
        ("contact.submit", {"data": [1, 2]}, "data"),
        ("contact.submit", {"data": {**VALID}, "attachment": "a.txt"}, "attachment"),
    ],
)
def test_wrong_argument_types_are_422(forms: Forms, fn: str, args: dict[str, Any], field: str) -> None:
    forms.register(affects="inbox")
    answer = forms.adapter.call(fn, args)
    assert answer.status == 422
    error = answer.json()["error"]
    assert (error["code"], error["message"]) == ("VALIDATION_ERROR", "Input validation failed")
    assert list(error["details"]["fields"]) == [field]
    assert "x-mizan-invalidate" not in answer.headers and HANDLED == []


def test_args_that_are_not_an_object_are_400(forms: Forms) -> None:
    forms.register()
    answer = forms.adapter.call("contact.validate", [{"data": {}}])
    assert (answer.status, answer.json()) == (
        400,
        {"error": {"code": "BAD_REQUEST", "message": "Invalid request body"}},
    )


# --- FORM-2: registration, get_forms, the IR ---------------------------------------------------


def test_form2_names_and_get_forms(forms: Forms) -> None:
    made = forms.register(affects="inbox")
    assert list(made) == ["contact.schema", "contact.validate", "contact.submit"]
    assert all(registry.get_function(name) is fn_class for name, fn_class in made.items())
    grouped = get_forms()
    assert list(grouped) == ["contact"]
    assert grouped["contact"] == list(made.values())
    assert [(fn._meta["form"], fn._meta["form_name"], fn._meta["form_role"]) for fn in grouped["contact"]] == [
        (True, "contact", "schema"),
        (True, "contact", "validate"),
        (True, "contact", "submit"),
    ]


def test_form2_a_taken_name_is_refused(forms: Forms) -> None:
    from mizan.core.errors import MizanRegistrationError

    forms.register()
    with pytest.raises(MizanRegistrationError, match=r"'contact\.schema' is already registered"):
        forms.register()


def test_form2_ir_carries_the_form_functions(forms: Forms) -> None:
    """The IR (docs/ir.md) lists each function with its form marks, its input (the data
    map, the optional `fields`, the upload) and the submit's merge slot."""
    registry.clear_registry()  # the adapter fixture puts the project's functions back
    registry.register(inbox_messages, "inbox_messages")
    forms.register(merge="inbox", affects="inbox")
    document = build_ir()
    parsed = ckdl.parse(document, version=2)
    functions = {node.args[0]: node for node in parsed.nodes if node.name == "function"}
    assert sorted(functions) == ["contact.schema", "contact.submit", "contact.validate", "inbox_messages"]
    for role in ("schema", "validate", "submit"):
        children = {child.name: child.args for child in functions[f"contact.{role}"].children}
        assert (children["is-form"], children["form-name"], children["form-role"]) == ([True], ["contact"], [role])
    submit = {child.name: child for child in functions["contact.submit"].children}
    assert submit["merge"].args == ["inbox"]
    assert submit["merge"].properties == {"slot": "inbox_messages", "mode": "upsert"}
    assert submit["affects"].args == ["inbox"]
    assert {child.name: child.args for child in functions["contact.schema"].children}["has-input"] == [False]
    validate_input = _block(document, "type", "contactValidateInput")
    assert re.search(r'field "data" \{\s*map \{\s*primitive "any"', validate_input)
    assert re.search(r'field "fields" required=#false \{\s*optional \{\s*list \{\s*primitive "string"', validate_input)
    assert re.search(r'field "attachment" required=#false \{\s*optional \{\s*primitive "upload"', validate_input)
    submit_output = _block(document, "type", "contactSubmitOutput")
    assert re.search(r'field "data" required=#false \{\s*optional \{\s*ref "Message"', submit_output)


def _block(document: str, kind: str, name: str) -> str:
    start = document.index(f'{kind} "{name}" {{')
    end = document.index("\n}\n", start)
    return document[start:end]


# --- the Pydantic adapter on its own (usable from Django as well) ------------------------------


def test_form4_pydantic_form_with_an_upload_bound_directly(forms: Forms) -> None:
    """An `Upload` field is a `.submit` argument named like the field; the model sees the
    Upload. (Multipart /call/ binding is tested with the uploads.)"""
    from mizan.core import executor

    class Attached(BaseModel):
        note: str
        attachment: Upload

    seen: list[bytes] = []

    def keep(model: Attached, request: Any) -> int:
        seen.append(model.attachment.read())
        return len(seen[-1])

    made = register_pydantic_form(Attached, "attached", keep)
    submit = made["attached.submit"]
    assert submit.Input is not None and list(submit.Input.model_fields) == ["data", "attachment"]

    class FakeFile:
        def read(self, size: int = -1) -> bytes:
            return b"hello"

    upload = Upload(FakeFile(), filename="a.txt", content_type="text/plain", size=5)
    pipeline = executor.dispatch_pipeline(None, "attached.submit", {"data": {"note": "n"}, "attachment": upload})
    response = executor.run_sync(pipeline, lambda awaitable: None)
    assert (response.status, response.body) == (200, b'{"result":{"data":5,"success":true}}')
    assert seen == [b"hello"]
    missing = executor.run_sync(executor.dispatch_pipeline(None, "attached.submit", {"data": {"note": "n"}}), print)
    assert (
        missing.body == b'{"result":{"errors":{"attachment":["Field required"]},"non_field_errors":[],"success":false}}'
    )


class Everything(BaseModel):
    """One field of each type the Pydantic side maps (served on both adapters)."""

    site: AnyUrl | None = None
    price: decimal.Decimal = decimal.Decimal("9.50")
    ratio: float = 0.5
    starts: datetime.datetime | None = None
    at: datetime.time | None = None
    lasts: datetime.timedelta | None = None
    token: uuid.UUID | None = None
    size: Literal["s", "m"] = "m"
    extra: dict[str, int] = Field(default_factory=dict)
    nested: Message | None = None
    secret: str = Field("", min_length=0, max_length=64, json_schema_extra={"widget": "password"})
    files: list[Upload] = []


def test_form4_pydantic_types_and_widgets(forms: Forms) -> None:
    register_pydantic_form(Everything, "everything")
    fields = result(forms.adapter.call("everything.schema"))["fields"]
    assert {name: (field["type"], field["widget"]) for name, field in fields.items()} == {
        "site": ("url", "url"),
        "price": ("decimal", "number"),
        "ratio": ("float", "number"),
        "starts": ("datetime", "datetime-local"),
        "at": ("time", "time"),
        "lasts": ("duration", "text"),
        "token": ("uuid", "text"),
        "size": ("choice", "select"),
        "extra": ("json", "textarea"),
        "nested": ("json", "textarea"),
        "secret": ("string", "password"),
        "files": ("file", "file"),
    }
    assert (fields["price"]["initial"], fields["extra"]["initial"], fields["size"]["choices"]) == (
        "9.50",
        {},
        [["s", "s"], ["m", "m"]],
    )
    assert (fields["secret"]["max_length"], fields["secret"]["min_length"]) == (64, 0)
    assert fields["files"]["multiple"] is True and "max_length" not in fields["files"]
    answer = result(forms.adapter.call("everything.validate", {"data": {"nested": {"name": 5}, "size": "xl"}}))
    assert answer["errors"] == {
        "nested": ["Input should be a valid string"],
        "size": ["Input should be 's' or 'm'"],
    }


def test_form4_unresolvable_handler_annotation_is_refused(forms: Forms) -> None:
    from mizan.core.errors import MizanRegistrationError

    def handler(model: Everything, request: Any) -> NoSuchType:  # type: ignore[name-defined]  # noqa: F821
        return None

    with pytest.raises(MizanRegistrationError, match="return annotation 'NoSuchType' cannot be resolved"):
        register_pydantic_form(Everything, "everything", handler)
    assert get_forms() == {}


# --- file fields over the multipart /call/ (FORM-5 with UPL-2) ---------------------------------


def attachment_of(bound: Any, request: Any) -> dict[str, Any]:
    """The handler's view of the file field: Django's UploadedFile, or the model's Upload."""
    if isinstance(bound, BaseModel):
        file: Any = bound.attachment
        return {"name": file.filename, "size": file.size, "head": file.read(4).decode()}
    file = bound.cleaned_data["attachment"]
    return {"name": file.name, "size": file.size, "head": file.read(4).decode()}


def test_a_file_field_submits_through_the_multipart_call(forms: Forms) -> None:
    forms.register(handler=attachment_of)
    files = [("attachment", ("cv.pdf", b"%PDF-1.7 " + b"x" * 5000, "application/pdf"))]
    answer = forms.adapter.upload("contact.submit", {"data": VALID}, files)
    assert result(answer) == {"success": True, "data": {"name": "cv.pdf", "size": 5009, "head": "%PDF"}}
    live = forms.adapter.upload("contact.validate", {"data": {**VALID, "name": "x"}}, files)
    assert result(live)["errors"] == {"name": [TOO_SHORT[forms.adapter.name]]}


def test_a_file_field_over_the_upload_limit_is_refused_before_the_form_runs(forms: Forms) -> None:
    forms.register(handler=attachment_of)
    forms.adapter.configure(MIZAN_MAX_UPLOAD_BYTES=1000)
    files = [("attachment", ("big.bin", b"x" * 1001, "application/octet-stream"))]
    answer = forms.adapter.upload("contact.submit", {"data": VALID}, files)
    assert (answer.status, answer.json()["error"]["details"]) == (400, {"limit": "max_upload_bytes"})


class Signed(BaseModel):
    """A form whose check needs the caller: Pydantic validators see the request as
    `info.context["request"]`."""

    owner: str

    @field_validator("owner")
    @classmethod
    def is_the_caller(cls, owner: str, info: ValidationInfo) -> str:
        user = get_user(info.context["request"])
        if getattr(user, "username", None) != owner:
            raise ValueError("Not yours")
        return owner


def django_signed_form() -> type:
    """The Django twin of `Signed`: the caller comes in through `form_kwargs=`."""
    from django import forms as django_forms

    class SignedForm(django_forms.Form):
        owner = django_forms.CharField()

        def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.user = user

        def clean_owner(self) -> str:
            if getattr(self.user, "username", None) != self.cleaned_data["owner"]:
                raise django_forms.ValidationError("Not yours")
            return str(self.cleaned_data["owner"])

    return SignedForm


@pytest.mark.parametrize("transport", ["http", "ws"])
def test_form_checks_see_the_caller(forms: Forms, transport: str) -> None:
    """A form's own checks may depend on who asks (a row the caller owns): Django forms
    get the request through `form_kwargs=`, Pydantic validators through the validation
    context; on the WebSocket the request is the socket's, with the socket's user."""
    adapter = forms.adapter
    if adapter.name == "django":
        from mizan.forms import register_form

        register_form(django_signed_form(), "signed", record_owner, form_kwargs=lambda request: {"user": request.user})
    else:
        from mizan_fastapi.forms import register_form as register_fastapi_form

        register_fastapi_form(Signed, "signed", record_owner)

    def validate(owner: str, identity: str) -> Any:
        args = {"data": {"owner": owner}}
        if transport == "http":
            return result(adapter.call("signed.validate", args, identity=identity))
        with adapter.websocket(identity=identity) as socket:
            return json.loads(socket.rpc(1, "signed.validate", args))["result"]

    assert validate("alice", "alice") == {"valid": True, "errors": {}, "non_field_errors": []}
    assert validate("alice", "bob") == {"valid": False, "errors": {"owner": ["Not yours"]}, "non_field_errors": []}
    submitted = result(adapter.call("signed.submit", {"data": {"owner": "bob"}}, identity="bob"))
    assert submitted == {"success": True, "data": {"name": "bob"}}


def record_owner(bound: Any, request: Any) -> Message:
    return Message(name=bound.owner if isinstance(bound, BaseModel) else bound.cleaned_data["owner"])


@pytest.mark.capability("WebSocket RPC", "django", "fastapi")
def test_ws9_a_form_submit_naming_its_tab_skips_that_tabs_socket(forms: Forms) -> None:
    """A submit over HTTP with `X-Mizan-Tab` is not pushed to the socket opened with that tab
    id (its reply has the invalidation), only to the user's other sockets."""
    forms.register(affects="inbox")
    with forms.adapter.websocket(identity="alice", query="tab=form-tab") as own_tab:
        with forms.adapter.websocket(identity="alice") as other:
            answer = forms.adapter.call(
                "contact.submit", {"data": VALID}, identity="alice", headers={"X-Mizan-Tab": "form-tab"}
            )
            assert answer.json()["invalidate"] == ["inbox"]
            assert other.receive_json() == {"invalidate": ["inbox"], "type": "invalidate"}
            own_tab.expect_quiet()
            other.expect_quiet()
