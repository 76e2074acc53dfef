"""Results made of Pydantic models through `POST /call/` on both adapters (SIG-7): plain
models (written by the C writer from their fields), nested and generic ones, models that
keep Pydantic's own conversion (aliases, serializers, dates) and instances changed after
construction all answer exactly what `to_jsonable_python` makes of them."""

from __future__ import annotations

import datetime
import decimal
import warnings
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import pydantic
import pytest
from pydantic_core import to_jsonable_python

from mizan import client
from mizan.core import _backend
from tests.adapters.conftest import Adapter, frame_text
from tests.model_probe import probed

T = TypeVar("T")


class Item(pydantic.BaseModel):
    id: int
    name: str
    price: float
    tags: list[str] = []
    note: str | None = None


class Node(pydantic.BaseModel):
    label: str
    children: list[Node] = []
    item: Item | None = None


class Page(pydantic.BaseModel, Generic[T]):
    items: list[T]
    total: int


class Invoice(pydantic.BaseModel):  # not plain: an alias, a date, a Decimal, a serializer
    number: int = pydantic.Field(alias="invoiceNumber")
    issued: datetime.date
    amount: decimal.Decimal
    memo: str

    @pydantic.field_serializer("memo")
    def _upper(self, value: str) -> str:
        return value.upper()


def items() -> list[Item]:
    return [Item(id=i, name=f"item é{i}", price=i / 4, tags=["a", "b"][: i % 3]) for i in range(40)]


def _tree() -> Node:
    return Node(label="root", children=[Node(label="a", item=items()[3]), Node(label="b", children=[Node(label="c")])])


def _page() -> Page[Item]:
    return Page[Item](items=items()[:3], total=40)


def _invoices() -> list[Invoice]:
    return [Invoice(invoiceNumber=7, issued=datetime.date(2026, 1, 2), amount=decimal.Decimal("12.50"), memo="paid")]


@client
def models_items(request: Any) -> list[Item]:
    return items()


@client
def models_tree(request: Any) -> Node:
    return _tree()


@client
def models_page(request: Any) -> Page[Item]:
    return _page()


@client
def models_invoices(request: Any) -> list[Invoice]:
    return _invoices()


def _tampered() -> list[Item]:
    odd = items()[:3]
    object.__setattr__(odd[0], "price", 3)  # an int in a float field: Pydantic writes 3.0
    object.__setattr__(odd[1], "name", 5)  # a wrong type: Pydantic warns and writes 5
    return odd


@client
def models_tampered(request: Any) -> list[Item]:
    return _tampered()


@pytest.fixture
def registered(register: Callable[..., None]) -> None:
    register(
        models_items=models_items,
        models_tree=models_tree,
        models_page=models_page,
        models_invoices=models_invoices,
        models_tampered=models_tampered,
    )


def expected(value: Any) -> bytes:
    """The body, computed without Mizan's writer: Pydantic's conversion, then JSON-1."""
    return frame_text({"result": to_jsonable_python(value)}).encode()


@pytest.mark.usefixtures("registered")
@pytest.mark.parametrize("fn", ["models_items", "models_tree", "models_page", "models_invoices"])
def test_model_results_answer_what_pydantic_makes_of_them(adapter: Adapter, fn: str) -> None:
    answer = adapter.call(fn)
    assert answer.status == 200
    body = {"models_items": items, "models_tree": _tree, "models_page": _page, "models_invoices": _invoices}[fn]()
    assert answer.body == expected(body)


@pytest.mark.usefixtures("registered")
def test_non_plain_models_keep_pydantics_conversion(adapter: Adapter) -> None:
    assert adapter.call("models_invoices").json() == {
        "result": [{"invoiceNumber": 7, "issued": "2026-01-02", "amount": "12.50", "memo": "PAID"}]
    }


@pytest.mark.usefixtures("registered")
def test_instances_changed_after_construction_answer_as_pydantic_writes_them(adapter: Adapter) -> None:
    answer = adapter.call("models_tampered")
    result = answer.json()["result"]
    assert result[0]["price"] == 3.0 and b'"price":3.0' in answer.body
    assert result[1]["name"] == 5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pydantic warns about the int in the str field
        assert answer.body == expected(_tampered())


@pytest.mark.usefixtures("registered")
def test_c_writes_plain_models_from_their_fields(adapter: Adapter) -> None:
    """Through the endpoint, the C writer does not ask Pydantic for a plain model; the twin
    always does (same bytes: the tests above)."""
    with probed(Item):
        body = adapter.call("models_items").body
    assert (b'"probe"' in body) == (_backend.BACKEND == "py")
