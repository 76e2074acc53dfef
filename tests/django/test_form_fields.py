"""Django form fields on the wire (FORM-3): the type vocabulary, widgets, choices and
initial values of `.schema`; JSON values bound as a browser sends them; file fields as
`Upload` arguments bound to the form. Requests go through Django's test Client with CSRF
enforced, or, for uploads, through the executor with the arguments the multipart binding
hands over."""

from __future__ import annotations

import datetime
import decimal
import json
from typing import Any

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.utils.translation import gettext_lazy

from mizan.core import Upload, executor
from mizan.forms import register_form
from mizan.views import _resolver
from tests.django.conftest import MizanClient, canonical
from tests.django.project.notebook.models import Note

pytestmark = pytest.mark.capability("Django Forms (mixin, ModelForm, formsets)", "django")


@pytest.fixture
def note(django_user_model: Any) -> Note:
    owner = django_user_model.objects.create_user("alice", password="pw")
    return Note.objects.create(owner=owner, slug="first", title="First")


def answer(response: Any) -> Any:
    return json.loads(response.content)


def _client() -> Any:
    return Client(enforce_csrf_checks=True)


# --- FORM-3: the type vocabulary -------------------------------------------------------------


class WideForm(forms.Form):
    """One field of each kind the vocabulary names."""

    email = forms.EmailField(help_text=gettext_lazy("We never share it"))
    site = forms.URLField(required=False, assume_scheme="https")
    token = forms.UUIDField(required=False)
    price = forms.DecimalField(max_digits=5, decimal_places=2, initial=decimal.Decimal("9.50"))
    ratio = forms.FloatField(required=False)
    starts = forms.DateTimeField(initial=lambda: datetime.datetime(2026, 3, 1, 9, 30))
    at = forms.TimeField(required=False)
    lasts = forms.DurationField(required=False)
    extra = forms.JSONField(required=False, initial=dict)
    slug = forms.SlugField(max_length=30)
    maybe = forms.NullBooleanField()
    size = forms.ChoiceField(
        choices=[("Small", [("s", "S"), ("xs", "XS")]), ("l", gettext_lazy("Large"))], widget=forms.RadioSelect
    )
    count = forms.TypedChoiceField(choices=[(1, "One"), (2, "Two")], coerce=int)
    about = forms.CharField(widget=forms.Textarea, required=False)
    note = forms.ModelChoiceField(queryset=Note.objects.order_by("pk"), required=False)
    notes = forms.ModelMultipleChoiceField(queryset=Note.objects.order_by("pk"), required=False)
    picture = forms.ImageField(required=False)
    secret = forms.CharField(widget=forms.PasswordInput, required=False)
    when = forms.SplitDateTimeField(required=False)


def test_form3_field_types_widgets_choices_and_initials(note: Note) -> None:
    register_form(WideForm, "wide")
    fields = answer(MizanClient(_client()).call("wide.schema"))["result"]["fields"]
    kinds = {name: (field["type"], field["widget"]) for name, field in fields.items()}
    assert kinds == {
        "email": ("email", "email"),
        "site": ("url", "url"),
        "token": ("uuid", "text"),
        "price": ("decimal", "number"),
        "ratio": ("float", "number"),
        "starts": ("datetime", "text"),
        "at": ("time", "text"),
        "lasts": ("duration", "text"),
        "extra": ("json", "textarea"),
        "slug": ("string", "text"),
        "maybe": ("boolean", "select"),
        "size": ("choice", "radio"),
        "count": ("choice", "select"),
        "about": ("string", "textarea"),
        "note": ("choice", "select"),
        "notes": ("multiple_choice", "select"),
        "picture": ("file", "file"),
        "secret": ("string", "password"),
        "when": ("datetime", "split_date_time"),
    }
    assert fields["email"]["help_text"] == "We never share it"
    assert (fields["email"]["max_length"], "min_length" in fields["email"]) == (320, False)
    assert fields["slug"]["max_length"] == 30
    assert fields["price"]["initial"] == "9.50"
    assert fields["starts"]["initial"] == "2026-03-01T09:30:00"
    assert fields["extra"]["initial"] == {}
    assert fields["size"]["choices"] == [["s", "S"], ["xs", "XS"], ["l", "Large"]]
    assert fields["count"]["choices"] == [[1, "One"], [2, "Two"]]
    # The empty choice is Django's own label ("---------" up to 6.0, "- Select an option -" since).
    empty_label = str(forms.ModelChoiceField(queryset=Note.objects.all()).empty_label)
    assert fields["note"]["choices"] == [["", empty_label], [note.pk, "First"]]
    assert fields["notes"]["choices"] == [[note.pk, "First"]]
    assert "choices" not in fields["maybe"]


def test_form3_values_bound_as_a_browser_sends_them(note: Note) -> None:
    register_form(
        WideForm,
        "wide",
        lambda form, request: {k: str(v) for k, v in form.cleaned_data.items() if v not in (None, "", [])},
    )
    data = {
        "email": "a@example.com",
        "price": 9.5,
        "starts": "2026-03-01T09:30",
        "extra": {"k": [1, None]},
        "slug": "a-b",
        "maybe": True,
        "size": "xs",
        "count": 2,
        "note": note.pk,
        "notes": [note.pk],
        "when": ["2026-03-01", "10:00"],
    }
    done = answer(MizanClient(_client()).call("wide.submit", {"data": data}))["result"]
    assert done["success"] is True, done
    # Date-times in the project's TIME_ZONE (Django's default, America/Chicago).
    assert done["data"] == {
        "email": "a@example.com",
        "price": "9.5",
        "starts": "2026-03-01 09:30:00-06:00",
        "extra": "{'k': [1, None]}",
        "slug": "a-b",
        "maybe": "True",
        "size": "xs",
        "count": "2",
        "note": "First",
        "notes": "<QuerySet [<Note: First>]>",
        "when": "2026-03-01 10:00:00-06:00",
    }
    wrong = answer(
        MizanClient(_client()).call("wide.validate", {"data": {**data, "when": "2026-03-01", "notes": {"a": 1}}})
    )
    assert wrong["result"]["errors"] == {"when": ["Enter a valid value."], "notes": ["Enter a valid value."]}


# --- file fields ---------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Django's documented pattern for a field taking several files."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return super().clean(data, initial)


class ReportForm(forms.Form):
    title = forms.CharField()
    attachment = forms.FileField()
    photos = MultipleFileField(required=False)


def upload(name: str, content: bytes) -> Upload:
    file = SimpleUploadedFile(name, content, content_type="text/plain")
    return Upload(file, filename=name, content_type="text/plain", size=len(content))


def read_report(form: ReportForm, request: Any) -> dict[str, Any]:
    photos = form.cleaned_data["photos"] or []
    return {"attachment": form.cleaned_data["attachment"].read().decode(), "photos": [p.name for p in photos]}


def run(name: str, args: dict[str, Any], user: Any = None) -> executor.MizanResponse:
    """A call through the executor with arguments as the multipart binding hands them over
    (Upload objects); the HTTP multipart layer is the uploads' own."""
    request = RequestFactory().post("/api/mizan/call/")
    request.user = user
    return executor.run_sync(executor.dispatch_pipeline(request, name, args), _resolver(request))


def test_file_fields_are_upload_arguments(db: None) -> None:
    made = register_form(ReportForm, "report", read_report)
    for role in ("validate", "submit"):
        model = made[f"report.{role}"].Input
        assert model is not None
        assert model.model_fields["attachment"].annotation == Upload | None
        assert model.model_fields["photos"].annotation == list[Upload] | None
    schema = answer(MizanClient(_client()).call("report.schema"))["result"]["fields"]
    assert schema["attachment"] == {
        "type": "file",
        "required": True,
        "label": "Attachment",
        "help_text": "",
        "initial": None,
        "widget": "file",
    }
    assert schema["photos"]["multiple"] is True and "multiple" not in schema["attachment"]


def test_file_fields_bound_to_the_form(db: None) -> None:
    register_form(ReportForm, "report", read_report)
    args = {
        "data": {"title": "T"},
        "attachment": upload("a.txt", b"hello"),
        "photos": [upload("p1.txt", b"1"), upload("p2.txt", b"2")],
    }
    response = run("report.submit", args)
    assert (response.status, response.body) == (
        200,
        canonical({"result": {"success": True, "data": {"attachment": "hello", "photos": ["p1.txt", "p2.txt"]}}}),
    )
    valid = run("report.validate", {"data": {"title": "T"}, "attachment": upload("a.txt", b"x")})
    assert valid.body == canonical({"result": {"valid": True, "errors": {}, "non_field_errors": []}})


def test_file_field_missing_is_djangos_required_error(db: None) -> None:
    register_form(ReportForm, "report", read_report)
    response = MizanClient(_client()).call("report.submit", {"data": {"title": "T", "attachment": "a.txt"}})
    assert answer(response) == {
        "result": {"success": False, "errors": {"attachment": ["This field is required."]}, "non_field_errors": []}
    }


def test_file_field_named_like_an_argument_is_refused() -> None:
    from mizan.core.errors import MizanRegistrationError

    class Clashing(forms.Form):
        data = forms.FileField()

    with pytest.raises(MizanRegistrationError, match="the argument 'data' .* is taken"):
        register_form(Clashing, "clashing")


def test_a_form_prefix_is_kept_when_binding(db: None) -> None:
    class Prefixed(forms.Form):
        prefix = "contact"
        name = forms.CharField(min_length=2)

    register_form(Prefixed, "prefixed", lambda form, request: form.cleaned_data["name"])
    done = answer(MizanClient(_client()).call("prefixed.submit", {"data": {"name": "bob"}}))
    assert done == {"result": {"success": True, "data": "bob"}}
    short = answer(MizanClient(_client()).call("prefixed.validate", {"data": {"name": "b"}}))
    assert short["result"]["errors"] == {"name": ["Ensure this value has at least 2 characters (it has 1)."]}
