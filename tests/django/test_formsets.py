"""Formsets as server functions (FORM-2, FORM-3): `<name>.formset.schema|validate|submit`
take `{"forms": [...]}` and answer per form plus the set's own errors; a submit is a
mutation only when every form is valid. Django only (formset_factory)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django import forms
from django.forms import formset_factory, modelformset_factory

from mizan import client
from mizan.core import registry
from mizan.core.errors import MizanRegistrationError
from mizan.forms import get_forms, register_form, register_formset
from tests.django.conftest import MizanClient
from tests.django.project.notebook.models import Note

pytestmark = pytest.mark.capability("Django Forms (mixin, ModelForm, formsets)", "django")
ORDERS: list[list[dict[str, Any]]] = []


@client(context="orders")
def order_lines(request: Any) -> list[list[dict[str, Any]]]:
    return ORDERS


class LineForm(forms.Form):
    item = forms.CharField(max_length=20)
    qty = forms.IntegerField(min_value=1, initial=1)


class LineFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        items = [form.cleaned_data.get("item") for form in self.forms if form.cleaned_data]
        if len(items) != len(set(items)):
            raise forms.ValidationError("Each item once, please.")


Lines = formset_factory(
    LineForm, LineFormSet, min_num=1, validate_min=True, max_num=3, validate_max=True, can_delete=True
)


def place(formset: Any, request: Any) -> int:
    rows = [form.cleaned_data for form in formset.forms if form.cleaned_data and not form.cleaned_data["DELETE"]]
    ORDERS.append([{"item": row["item"], "qty": row["qty"]} for row in rows])
    return len(rows)


@pytest.fixture
def mizan_lines(mizan: MizanClient) -> MizanClient:
    ORDERS.clear()
    registry.register(order_lines, "order_lines")
    register_form(LineForm, "line")
    register_formset(Lines, "line", place, title="Order", affects="orders")
    return mizan


def result(response: Any) -> Any:
    assert response.status_code == 200, response.content
    return json.loads(response.content)["result"]


def test_form2_formset_names_grouped_with_the_form(mizan_lines: MizanClient) -> None:
    assert [fn._meta["form_role"] for fn in get_forms()["line"]] == [
        "schema",
        "validate",
        "formset-schema",
        "formset-validate",
        "formset-submit",
    ]
    assert registry.get_function("line.formset.submit") is get_forms()["line"][-1]


def test_form3_formset_schema(mizan_lines: MizanClient) -> None:
    schema = result(mizan_lines.call("line.formset.schema"))
    assert schema["name"] == "line" and schema["title"] == "Order"
    assert schema["field_order"] == ["item", "qty", "DELETE"]
    assert schema["fields"]["qty"] == {
        "type": "integer",
        "required": True,
        "label": "Qty",
        "help_text": "",
        "initial": 1,
        "widget": "number",
    }
    assert schema["fields"]["DELETE"]["type"] == "boolean"
    assert schema["formset"] == {"extra": 1, "min_num": 1, "max_num": 3, "can_delete": True, "can_order": False}


def test_form3_formset_validate_per_form_and_for_the_set(mizan_lines: MizanClient) -> None:
    call = mizan_lines.call
    ok = result(call("line.formset.validate", {"forms": [{"item": "tea", "qty": 2}, {"item": "milk", "qty": "1"}]}))
    assert ok == {"valid": True, "forms": [{"errors": {}, "non_field_errors": []}] * 2, "non_form_errors": []}
    bad = result(call("line.formset.validate", {"forms": [{"item": "tea", "qty": 0}, {"qty": "two"}]}))
    assert bad == {
        "valid": False,
        "forms": [
            {"errors": {"qty": ["Ensure this value is greater than or equal to 1."]}, "non_field_errors": []},
            {"errors": {"item": ["This field is required."], "qty": ["Enter a whole number."]}, "non_field_errors": []},
        ],
        "non_form_errors": [],
    }
    assert result(call("line.formset.validate", {"forms": []}))["non_form_errors"] == ["Please submit at least 1 form."]
    four = [{"item": name} for name in "abcd"]
    assert result(call("line.formset.validate", {"forms": four}))["non_form_errors"] == [
        "Please submit at most 3 forms."
    ]
    twice = result(call("line.formset.validate", {"forms": [{"item": "tea", "qty": 1}, {"item": "tea", "qty": 2}]}))
    assert (twice["valid"], twice["non_form_errors"]) == (False, ["Each item once, please."])


def test_form3_formset_validate_only_the_named_fields(mizan_lines: MizanClient) -> None:
    forms_data = [{"item": "tea", "qty": 0}, {"item": "x" * 21, "qty": 1}, {"item": "tea"}]
    partial = result(mizan_lines.call("line.formset.validate", {"forms": forms_data, "fields": ["item"]}))
    assert partial == {
        "valid": False,
        "forms": [
            {"errors": {}, "non_field_errors": []},
            {"errors": {"item": ["Ensure this value has at most 20 characters (it has 21)."]}, "non_field_errors": []},
            {"errors": {}, "non_field_errors": []},
        ],
        "non_form_errors": [],
    }


def test_form5_formset_submit(mizan_lines: MizanClient) -> None:
    forms_data = [{"item": "tea", "qty": 2}, {"item": "cake", "qty": 1, "DELETE": True}, {"item": "milk", "qty": 1}]
    response = mizan_lines.call("line.formset.submit", {"forms": forms_data})
    assert json.loads(response.content) == {"result": {"success": True, "data": 2}, "invalidate": ["orders"]}
    assert response["X-Mizan-Invalidate"] == "orders"
    assert ORDERS == [[{"item": "tea", "qty": 2}, {"item": "milk", "qty": 1}]]


def test_form5_invalid_formset_submit_emits_nothing(mizan_lines: MizanClient) -> None:
    response = mizan_lines.call(
        "line.formset.submit", {"forms": [{"item": "tea", "qty": 1}, {"item": "tea", "qty": 1}]}
    )
    assert json.loads(response.content) == {
        "result": {
            "success": False,
            "forms": [{"errors": {}, "non_field_errors": []}] * 2,
            "non_form_errors": ["Each item once, please."],
        }
    }
    assert "X-Mizan-Invalidate" not in response and ORDERS == []
    wrong = mizan_lines.call("line.formset.submit", {"forms": [{"item": ["tea"], "qty": {"n": 1}}]})
    assert json.loads(wrong.content)["result"]["forms"] == [
        {"errors": {"item": ["Enter a valid value."], "qty": ["Enter a valid value."]}, "non_field_errors": []}
    ]
    assert ORDERS == []


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"forms": {"item": "tea"}}, "forms"),
        ({"forms": ["tea"]}, "forms.0"),
        ({"forms": [{"item": "tea"}, None]}, "forms.1"),
        ({}, "forms"),
        ({"forms": [], "fields": ["nope"]}, "fields.0"),
    ],
)
def test_formset_wrong_argument_types_are_422(mizan_lines: MizanClient, args: dict[str, Any], field: str) -> None:
    fn = "line.formset.validate" if "fields" in args else "line.formset.submit"
    response = mizan_lines.call(fn, args)
    assert response.status_code == 422
    assert list(json.loads(response.content)["error"]["details"]["fields"]) == [field]
    assert ORDERS == []


def test_formsets_refused_at_registration() -> None:
    with pytest.raises(MizanRegistrationError, match="model formsets are not supported"):
        register_formset(modelformset_factory(Note, fields=["title"]), "notes")

    class Upload(forms.Form):
        file = forms.FileField()

    with pytest.raises(MizanRegistrationError, match=r"file fields \(file\) are not supported in formsets"):
        register_formset(formset_factory(Upload), "uploads")
    with pytest.raises(MizanRegistrationError, match="takes a formset class"):
        register_formset(LineForm, "lines")  # type: ignore[arg-type]
    assert get_forms() == {}
