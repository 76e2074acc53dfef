"""Django forms as server functions, Django-only behaviour (FORM-1, FORM-5): ModelForm
instances looked up after the guard (404 for unknown or out-of-scope rows), the mixin and
discovery, and a failing submit rolled back under ATOMIC_REQUESTS with CSRF enforced.

What both adapters share is in tests/adapters/test_forms.py; the field vocabulary and
file fields in tests/django/test_form_fields.py; formsets in tests/django/test_formsets.py.
Every request goes through Django's test Client with `enforce_csrf_checks=True`
(tests/django/conftest.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.contrib.auth.models import User
from django.db import connection
from django.utils.translation import gettext_lazy

from mizan import client
from mizan.core import registry
from mizan.core.discovery import mizan_module
from mizan.core.errors import MizanRegistrationError
from mizan.forms import MizanFormMeta, MizanFormMixin, get_forms, register_form
from tests.django.conftest import MizanClient
from tests.django.project.notebook.models import Note

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.capability("Django Forms (mixin, ModelForm, formsets)", "django")


@client(context="notes")
def note_detail(request: Any, pk: int = 0) -> dict[str, Any] | None:
    note = Note.objects.filter(pk=pk).first()
    return None if note is None else {"title": note.title}


class NoteForm(forms.ModelForm):
    class Meta:
        model = Note
        fields = ["slug", "title", "body", "pinned"]


def save_note(form: NoteForm, request: Any) -> dict[str, Any]:
    note = form.save(commit=False)
    if note.owner_id is None:
        note.owner = request.user
    note.save()
    return {"id": note.pk, "title": note.title}


def own_notes(request: Any) -> Any:
    return Note.objects.filter(owner=request.user)


@pytest.fixture
def users(db: None) -> dict[str, User]:
    return {
        "alice": User.objects.create_user("alice", password="pw"),
        "bob": User.objects.create_user("bob", password="pw"),
        "staff": User.objects.create_user("staff", password="pw", is_staff=True),
    }


def client_for(user: User) -> MizanClient:
    from django.test import Client

    django_client = Client(enforce_csrf_checks=True)
    django_client.force_login(user)
    return MizanClient(django_client)


@pytest.fixture
def note(users: dict[str, User]) -> Note:
    return Note.objects.create(owner=users["alice"], slug="first", title="First", body="hello")


def answer(response: Any) -> Any:
    return json.loads(response.content)


def register_notes(**options: Any) -> dict[str, type]:
    registry.register(note_detail, "note_detail")
    options.setdefault("affects", "notes")
    options.setdefault("instance", "pk")
    return register_form(NoteForm, "note", save_note, **options)


# --- FORM-5: ModelForm instances ----------------------------------------------------------------


def test_form5_absent_instance_creates(users: dict[str, User]) -> None:
    register_notes(auth=True)
    response = client_for(users["alice"]).call("note.submit", {"data": {"slug": "new", "title": "New"}})
    note = Note.objects.get()
    assert answer(response) == {
        "result": {"success": True, "data": {"id": note.pk, "title": "New"}},
        "invalidate": ["notes"],
    }
    assert (note.owner, note.slug, note.pinned) == (users["alice"], "new", False)
    assert response["X-Mizan-Invalidate"] == "notes"


def test_form5_instance_is_edited_and_scopes_the_invalidation(note: Note, users: dict[str, User]) -> None:
    register_notes(auth=True)
    data = {"slug": "first", "title": "Renamed", "body": ""}
    response = client_for(users["alice"]).call("note.submit", {"data": data, "pk": str(note.pk)})
    assert answer(response) == {
        "result": {"success": True, "data": {"id": note.pk, "title": "Renamed"}},
        "invalidate": [{"context": "notes", "params": {"pk": note.pk}}],
    }
    assert response["X-Mizan-Invalidate"] == f"notes;pk={note.pk}"
    note.refresh_from_db()
    assert (note.title, note.body, Note.objects.count()) == ("Renamed", "", 1)


def test_form5_validate_with_the_instance_uses_django_messages(note: Note, users: dict[str, User]) -> None:
    """The instance is bound: its own slug is not "taken"; another row's is, with Django's
    message; the partial `fields` keep to the named field."""
    register_notes()
    Note.objects.create(owner=users["bob"], slug="second", title="Second")
    alice = client_for(users["alice"])
    same = alice.call("note.validate", {"data": {"slug": "first", "title": "First"}, "pk": note.pk})
    assert answer(same) == {"result": {"valid": True, "errors": {}, "non_field_errors": []}}
    taken = alice.call("note.validate", {"data": {"slug": "second", "title": ""}, "pk": note.pk})
    assert answer(taken) == {
        "result": {
            "valid": False,
            "errors": {"slug": ["Note with this Slug already exists."], "title": ["This field is required."]},
            "non_field_errors": [],
        }
    }
    partial = alice.call("note.validate", {"data": {"slug": "second"}, "pk": note.pk, "fields": ["title"]})
    assert answer(partial) == {
        "result": {"valid": False, "errors": {"title": ["This field is required."]}, "non_field_errors": []}
    }


@pytest.mark.parametrize("role", ["validate", "submit"])
def test_form5_unknown_pk_is_404(note: Note, users: dict[str, User], role: str) -> None:
    register_notes()
    response = client_for(users["alice"]).call(
        f"note.{role}", {"data": {"slug": "x", "title": "X"}, "pk": note.pk + 100}
    )
    assert (response.status_code, response.content) == (404, b'{"error":{"code":"NOT_FOUND","message":"Not found"}}')
    assert "X-Mizan-Invalidate" not in response
    assert list(Note.objects.values_list("slug", flat=True)) == ["first"]


def test_form5_wrong_pk_type_is_422(note: Note, users: dict[str, User]) -> None:
    register_notes()
    response = client_for(users["alice"]).call("note.submit", {"data": {}, "pk": "first"})
    assert response.status_code == 422
    assert list(answer(response)["error"]["details"]["fields"]) == ["pk"]


def test_form5_queryset_scopes_the_lookup_per_user(note: Note, users: dict[str, User]) -> None:
    register_notes(auth=True, queryset=own_notes)
    args = {"data": {"slug": "first", "title": "Mine now"}, "pk": note.pk}
    stolen = client_for(users["bob"]).call("note.submit", args)
    assert stolen.status_code == 404 and "X-Mizan-Invalidate" not in stolen
    assert client_for(users["bob"]).call("note.validate", args).status_code == 404
    note.refresh_from_db()
    assert note.title == "First"
    assert answer(client_for(users["alice"]).call("note.submit", args))["result"]["success"] is True


def test_form5_a_queryset_object_is_evaluated_per_call(note: Note, users: dict[str, User]) -> None:
    register_notes(queryset=Note.objects.filter(pinned=True))
    args = {"data": {"slug": "first", "title": "Pinned"}, "pk": note.pk}
    alice = client_for(users["alice"])
    assert alice.call("note.submit", args).status_code == 404
    Note.objects.filter(pk=note.pk).update(pinned=True)
    assert answer(alice.call("note.submit", args))["result"] == {
        "success": True,
        "data": {"id": note.pk, "title": "Pinned"},
    }


def test_form5_instance_looked_up_on_a_unique_field(note: Note, users: dict[str, User]) -> None:
    made = register_notes(instance="slug")
    assert list(made["note.submit"].Input.model_fields) == ["data", "slug"]
    alice = client_for(users["alice"])
    edited = alice.call("note.submit", {"data": {"slug": "first", "title": "By slug"}, "slug": "first"})
    assert answer(edited)["result"]["data"] == {"id": note.pk, "title": "By slug"}
    assert alice.call("note.submit", {"data": {"slug": "x", "title": "X"}, "slug": "nope"}).status_code == 404


@pytest.mark.parametrize(
    ("auth", "who", "status"),
    [(True, None, 401), ("staff", "alice", 403), ("staff", None, 401)],
)
def test_form5_guard_refuses_before_the_lookup(
    note: Note, users: dict[str, User], mizan: MizanClient, auth: Any, who: str | None, status: int
) -> None:
    """The guard runs first: whoever it refuses gets 401/403 for an existing row and for
    an unknown one alike, so a 404 never tells them which rows exist."""
    looked_up: list[int] = []

    def counting(request: Any) -> Any:
        looked_up.append(1)
        return Note.objects.all()

    register_notes(auth=auth, queryset=counting)
    caller = mizan if who is None else client_for(users[who])
    for pk in (note.pk, note.pk + 100):
        for role in ("validate", "submit"):
            response = caller.call(f"note.{role}", {"data": {"slug": "x", "title": "X"}, "pk": pk})
            assert response.status_code == status
    assert looked_up == []
    assert client_for(users["staff"]).call("note.validate", {"data": {}, "pk": note.pk}).status_code == 200
    assert looked_up == [1]


def test_form5_instance_needs_a_model_form_and_a_unique_field() -> None:
    class Plain(forms.Form):
        title = forms.CharField()

    with pytest.raises(MizanRegistrationError, match="instance= needs a ModelForm"):
        register_form(Plain, "plain", instance="pk")
    with pytest.raises(MizanRegistrationError, match=r"Note\.title, which is not unique"):
        register_form(NoteForm, "note", instance="title")
    assert "note.schema" not in registry.get_all_functions()


# --- FORM-1: the mixin and discovery ---------------------------------------------------------


def test_form1_mixin_registers_when_defined(users: dict[str, User]) -> None:
    class SignupForm(MizanFormMixin, forms.Form):
        mizan = MizanFormMeta(name="signup", title=gettext_lazy("Sign up"), submit_label="Join", affects="notes")
        email = forms.EmailField(label=gettext_lazy("E-mail address"))

        def on_submit_success(self, request: Any) -> dict[str, str]:
            return {"welcome": self.cleaned_data["email"]}

    class QuietSignup(SignupForm):
        pass  # no `mizan` of its own: not registered again

    registry.register(note_detail, "note_detail")
    assert [fn._meta["form_role"] for fn in get_forms()["signup"]] == ["schema", "validate", "submit"]
    assert list(get_forms()) == ["signup"]
    alice = client_for(users["alice"])
    schema = answer(alice.call("signup.schema"))["result"]
    assert (schema["title"], schema["submit_label"], schema["fields"]["email"]["label"]) == (
        "Sign up",
        "Join",
        "E-mail address",
    )
    done = alice.call("signup.submit", {"data": {"email": "a@example.com"}})
    assert answer(done) == {"result": {"success": True, "data": {"welcome": "a@example.com"}}, "invalidate": ["notes"]}
    assert QuietSignup.__dict__.get("mizan") is None


def test_form1_mixin_model_form_with_an_instance(note: Note, users: dict[str, User]) -> None:
    """A ModelForm's model is set by Django after the mixin's hook ran: the instance
    argument is worked out on first use."""

    class TitleForm(MizanFormMixin, forms.ModelForm):
        mizan = MizanFormMeta(name="title", instance="pk", queryset=own_notes, auth=True)

        class Meta:
            model = Note
            fields = ["title"]

        def on_submit_success(self, request: Any) -> str:
            return self.save().title

    submit = registry.get_function("title.submit")
    assert submit is not None and list(submit.Input.model_fields) == ["data", "pk"]
    response = client_for(users["alice"]).call("title.submit", {"data": {"title": "Via mixin"}, "pk": note.pk})
    assert answer(response) == {"result": {"success": True, "data": "Via mixin"}}
    assert client_for(users["bob"]).call("title.submit", {"data": {"title": "No"}, "pk": note.pk}).status_code == 404


def test_form1_mixin_without_handler_has_no_submit() -> None:
    class SearchForm(MizanFormMixin, forms.Form):
        mizan = MizanFormMeta(name="search")
        q = forms.CharField()

    assert [fn._meta["form_role"] for fn in get_forms()["search"]] == ["schema", "validate"]


def test_form1_mixin_refuses_a_wrong_meta() -> None:
    with pytest.raises(MizanRegistrationError, match="must be a MizanFormMeta"):

        class Broken(MizanFormMixin, forms.Form):
            mizan = {"name": "broken"}  # type: ignore[assignment]

    with pytest.raises(MizanRegistrationError, match="instance= needs a ModelForm"):

        class NotAModelForm(MizanFormMixin, forms.Form):
            mizan = MizanFormMeta(name="plain", instance="pk")

    assert get_forms() == {}


def test_form1_rediscovery_registers_a_mixin_form_again() -> None:
    """A form registers itself when its module is imported; after the registry was
    cleared, discovering that module registers its functions again (DISC-2)."""
    from tests.django.project.formsapp import clients as formsapp

    names = ["feedback.schema", "feedback.validate", "feedback.submit"]
    assert [registry.name_of(fn) for fn in formsapp.FeedbackForm.__mizan_functions__.values()] == names
    registry.clear_registry()
    assert mizan_module("tests.django.project.formsapp.clients") == names
    assert mizan_module("tests.django.project.formsapp.clients") == []
    assert [fn._meta["form_role"] for fn in get_forms()["feedback"]] == ["schema", "validate", "submit"]


def test_form1_discovery_at_startup(tmp_path: Path) -> None:
    """An installed app's `clients` module defining a mixin form: its functions are
    registered when Django starts, and answer over /call/ (fresh process)."""
    script = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "from mizan.forms import get_forms\n"
        "print(sorted(get_forms()), [f._meta['form_role'] for f in get_forms()['feedback']])\n"
        "body = json.dumps({'fn': 'feedback.submit', 'args': {'data': {'message': 'hi', 'rating': '5'}}})\n"
        "print(Client().post('/api/mizan/call/', body, content_type='application/json').content.decode())\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.django.project.settings_formsapp", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == [
        "['feedback'] ['schema', 'validate', 'submit']",
        '{"result":{"data":{"rating":5},"success":true}}',
    ]


# --- ATOMIC_REQUESTS: a failing submit commits nothing -------------------------------------------


def save_then_fail(form: NoteForm, request: Any) -> None:
    save_note(form, request)
    raise RuntimeError("the second half of the write failed")


@pytest.fixture
def atomic(transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], MizanClient]]:
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    registry.register(note_detail, "note_detail")

    def alice() -> MizanClient:
        user = User.objects.get_or_create(username="alice")[0]
        return client_for(user)

    yield alice


def test_failing_submit_handler_commits_nothing(atomic: Callable[[], MizanClient]) -> None:
    register_form(NoteForm, "note", save_then_fail, affects="notes", auth=True)
    response = atomic().call("note.submit", {"data": {"slug": "half", "title": "Half"}})
    assert (response.status_code, response.content) == (
        500,
        b'{"error":{"code":"INTERNAL_ERROR","message":"Internal server error"}}',
    )
    assert "X-Mizan-Invalidate" not in response
    assert Note.objects.count() == 0


def test_successful_submit_commits(atomic: Callable[[], MizanClient]) -> None:
    register_form(NoteForm, "note", save_note, affects="notes", auth=True)
    response = atomic().call("note.submit", {"data": {"slug": "whole", "title": "Whole"}})
    assert answer(response)["result"]["success"] is True
    assert list(Note.objects.values_list("slug", flat=True)) == ["whole"]


def test_submit_without_csrf_token_is_refused_and_writes_nothing(atomic: Callable[[], MizanClient]) -> None:
    register_form(NoteForm, "note", save_note, affects="notes", auth=True)
    response = atomic().call("note.submit", {"data": {"slug": "forged", "title": "Forged"}}, csrf=False)
    assert (response.status_code, response.content) == (
        403,
        b'{"error":{"code":"FORBIDDEN","message":"CSRF verification failed"}}',
    )
    assert Note.objects.count() == 0
