"""Which result models the JSON writer writes from their fields (mizan.core.jsonmodels),
`register_json_model`'s contract on both backends, and the fast path really taken in C."""

from __future__ import annotations

import datetime
from types import ModuleType
from typing import Annotated, Any, Generic, Literal, TypeVar

import pydantic
import pytest
from pydantic_core import to_jsonable_python

from mizan import client
from mizan.core import _backend, jsonmodels, registry
from mizan.core._py.json import encode_json as old_path
from mizan.core._py.jsonmodel import BOOL, INT, LIST, MODEL, NULLABLE, STR
from tests.model_probe import probed

T = TypeVar("T")


class Item(pydantic.BaseModel):
    id: int
    name: str
    price: float
    tags: list[str] = []
    extra: dict[str, int | None] = {}
    active: bool = True
    note: str | None = None

    @pydantic.field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class Tree(pydantic.BaseModel):
    label: str
    children: list[Tree] = []
    item: Item | None = None


class Page(pydantic.BaseModel, Generic[T]):
    items: list[T]
    total: int


class Frozen(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    x: int


class WithFieldSerializer(pydantic.BaseModel):
    x: int

    @pydantic.field_serializer("x")
    def _double(self, value: int) -> int:
        return value * 2


class WithModelSerializer(pydantic.BaseModel):
    x: int

    @pydantic.model_serializer
    def _whole(self) -> dict[str, int]:
        return {"y": self.x}


class WithComputed(pydantic.BaseModel):
    x: int

    @pydantic.computed_field  # type: ignore[prop-decorator]
    @property
    def y(self) -> int:
        return self.x + 1


class WithAlias(pydantic.BaseModel):
    x: int = pydantic.Field(alias="X")


class WithSerializationAlias(pydantic.BaseModel):
    x: int = pydantic.Field(serialization_alias="X")


class WithAliasGenerator(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(alias_generator=str.upper)
    x: int


class WithExtraAllow(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="allow")
    x: int


class WithExcluded(pydantic.BaseModel):
    x: int
    secret: str = pydantic.Field("", exclude=True)


class WithPlainSerializer(pydantic.BaseModel):
    x: Annotated[int, pydantic.PlainSerializer(str)]


class WithWrapSerializer(pydantic.BaseModel):
    x: Annotated[int, pydantic.WrapSerializer(lambda value, handler: handler(value))]


class WithSerializeAsAny(pydantic.BaseModel):
    item: pydantic.SerializeAsAny[Item]


class WithDatetime(pydantic.BaseModel):
    at: datetime.datetime


class WithLiteral(pydantic.BaseModel):
    kind: Literal["a", "b"]


class WithAny(pydantic.BaseModel):
    x: Any


class HoldsNonPlain(pydantic.BaseModel):
    inner: WithFieldSerializer


class Numbers(pydantic.RootModel[list[int]]):
    pass


PLAIN = [Item, Tree, Page[Item], Frozen]
NOT_PLAIN = [
    WithFieldSerializer,
    WithModelSerializer,
    WithComputed,
    WithAlias,
    WithSerializationAlias,
    WithAliasGenerator,
    WithExtraAllow,
    WithExcluded,
    WithPlainSerializer,
    WithWrapSerializer,
    WithSerializeAsAny,
    WithDatetime,
    WithLiteral,
    WithAny,
    HoldsNonPlain,
    Numbers,
    Page,  # unparametrised: its fields are TypeVars
]


@pytest.mark.parametrize("cls", PLAIN, ids=lambda cls: cls.__name__)
def test_plain_classes_are_planned(cls: type) -> None:
    assert cls in jsonmodels.plans_for(cls)


@pytest.mark.parametrize("cls", NOT_PLAIN, ids=lambda cls: cls.__name__)
def test_other_classes_keep_the_default(cls: type) -> None:
    assert cls not in jsonmodels.plans_for(cls)


def test_plan_lists_fields_in_code_point_order_with_their_kinds() -> None:
    plan = jsonmodels.plans_for(Tree)[Tree]
    assert plan == (("children", (LIST, (MODEL, Tree))), ("item", (NULLABLE, (MODEL, Item))), ("label", (STR, None)))
    item_plan = dict(jsonmodels.plans_for(Item)[Item])
    assert item_plan["id"] == (INT, None) and item_plan["active"] == (BOOL, None)


class Fresh(pydantic.BaseModel):
    a: int


class FreshNonPlain(pydantic.BaseModel):
    a: int = pydantic.Field(alias="A")


@pytest.mark.usefixtures("clean_registry")
def test_registration_registers_the_return_models() -> None:
    @client
    def fresh(request: Any) -> list[Fresh] | dict[str, FreshNonPlain]:
        return []

    assert not jsonmodels.is_plain(Fresh)
    registry.register(fresh, "fresh")
    assert jsonmodels.is_plain(Fresh)
    assert not jsonmodels.is_plain(FreshNonPlain)


@pytest.mark.parametrize(
    "cls, plan, default",
    [
        (1, (), to_jsonable_python),
        (Item, [], to_jsonable_python),
        (Item, (("b", (STR, None)), ("a", (STR, None))), to_jsonable_python),  # not in order
        (Item, (("a", (STR, None)), ("a", (STR, None))), to_jsonable_python),  # duplicate
        (Item, (("a", (STR, 1)),), to_jsonable_python),
        (Item, (("a", (99, None)),), to_jsonable_python),
        (Item, (("a", (True, None)),), to_jsonable_python),
        (Item, (("a", (MODEL, 1)),), to_jsonable_python),
        (Item, (("\ud800", (STR, None)),), to_jsonable_python),
        (Item, (("a", (STR, None), 1),), to_jsonable_python),
        (Item, (("a", (STR, None)),), 1),
    ],
)
def test_malformed_plans_are_refused_alike(backend: ModuleType, cls: Any, plan: Any, default: Any) -> None:
    with pytest.raises(TypeError, match="^malformed JSON model plan$"):
        backend.register_json_model(cls, plan, default)


def _tree() -> Tree:
    item = Item(id=1, name=" a ", price=2.5, tags=["x"], extra={"k": None, "j": 2})
    return Tree(label="root", children=[Tree(label="leaf", item=item)])


def test_fast_path_is_taken_in_c_only_for_what_matches(c_ext: ModuleType) -> None:
    for model, plan in jsonmodels.plans_for(Tree).items():
        c_ext.register_json_model(model, plan, to_jsonable_python)
    tree = _tree()
    expected = old_path([tree], to_jsonable_python)
    assert c_ext.encode_json([tree], to_jsonable_python) == expected
    with probed(Tree):
        assert c_ext.encode_json([tree], to_jsonable_python) == expected  # from the fields
        assert c_ext.encode_json([tree], lambda v: to_jsonable_python(v)) == b'[{"probe":true}]'  # another default
        odd = _tree()
        object.__setattr__(odd.children[0].item, "price", 3)  # an int in a float field
        assert c_ext.encode_json([odd], to_jsonable_python) == b'[{"probe":true}]'
    odd = _tree()
    object.__setattr__(odd.children[0].item, "price", 3)
    assert c_ext.encode_json([odd], to_jsonable_python) == old_path([odd], to_jsonable_python)
    assert b'"price":3.0' in old_path([odd], to_jsonable_python)


def test_without_default_a_model_is_still_refused(backend: ModuleType) -> None:
    backend.register_json_model(Frozen, jsonmodels.plans_for(Frozen)[Frozen], to_jsonable_python)
    with pytest.raises(Exception, match="Frozen is not JSON serializable"):
        backend.encode_json(Frozen(x=1), None)


def test_backend_writes_registered_models_as_before() -> None:
    jsonmodels.register_annotation(list[Tree])
    tree = _tree()
    assert _backend.encode_json([tree, tree], to_jsonable_python) == old_path([tree, tree], to_jsonable_python)
