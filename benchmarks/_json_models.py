"""The `json` group's result-model rows: a ~50 KB `/call/` result as a list of plain Pydantic
models against the same data as dicts, both through `encode_json(payload,
to_jsonable_python)` as the executor encodes a result.

- plain models (C): the classes registered as `@client` registers a return annotation's
  models, so the C writer writes them from their fields;
- models through to_jsonable_python (C): identical classes left unregistered, the path
  every model took before (Pydantic builds a JSON-able copy, then the writer writes it);
- dicts (C): what a function returning dicts costs, the aim's denominator;
- plain models (pure twin): MIZAN_PURE=1, which always takes Pydantic's conversion.

All four must give the same bytes before anything is measured.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

ROWS = (
    "dicts (C)",
    "plain models (C)",
    "models through to_jsonable_python (C)",
    "plain models (pure twin)",
)
# The aim: a list of plain models within 1.2x of the same dicts (instructions).
AIM = 1.2
ITEMS = 250
CALLGRIND_OPS = {ROWS[0]: 20, ROWS[1]: 20, ROWS[2]: 5, ROWS[3]: 2}


class Seller(BaseModel):
    id: int
    name: str
    verified: bool


class Item(BaseModel):
    sku: str
    title: str
    quantity: int
    unit_price: float
    discount: float | None = None
    tags: list[str] = []
    seller: Seller


# The same classes, never registered: their instances take the default, as before.
class OldSeller(BaseModel):
    id: int
    name: str
    verified: bool


class OldItem(BaseModel):
    sku: str
    title: str
    quantity: int
    unit_price: float
    discount: float | None = None
    tags: list[str] = []
    seller: OldSeller


def _fields(i: int) -> dict[str, Any]:
    return {
        "sku": f"SKU-{i:05d}",
        "title": f'Notebook nº {i} – dotted, "A5" {"x" * (i % 7)}',
        "quantity": 1 + i % 3,
        "unit_price": 12.5 + i,
        "discount": 0.25 if i % 4 == 0 else None,
        "tags": ["paper", "a5"][: 1 + i % 2],
    }


def _seller(i: int) -> dict[str, Any]:
    return {"id": i % 17, "name": f"Seller {i % 17}", "verified": i % 2 == 0}


def dicts() -> list[dict[str, Any]]:
    return [{**_fields(i), "seller": _seller(i)} for i in range(ITEMS)]


def models() -> list[Item]:
    return [Item(**_fields(i), seller=Seller(**_seller(i))) for i in range(ITEMS)]


def old_models() -> list[OldItem]:
    return [OldItem(**_fields(i), seller=OldSeller(**_seller(i))) for i in range(ITEMS)]


# Statements, the same text for wall time and callgrind; SETUP binds their names.
STATEMENTS = {
    ROWS[0]: "c.encode_json(DICTS, to_jsonable_python)",
    ROWS[1]: "c.encode_json(MODELS, to_jsonable_python)",
    ROWS[2]: "c.encode_json(OLD_MODELS, to_jsonable_python)",
    ROWS[3]: "py.encode_json(MODELS, to_jsonable_python)",
}
SETUP = """
from pydantic_core import to_jsonable_python
from mizan import _speedups as c
from mizan.core import _py as py
from mizan.core import jsonmodels
from benchmarks._json_models import Item, dicts, models, old_models
jsonmodels.register_annotation(list[Item])
assert jsonmodels.is_plain(Item)
DICTS, MODELS, OLD_MODELS = dicts(), models(), old_models()
"""


def namespace() -> dict[str, Any]:
    """The names STATEMENTS use, bound as the callgrind child binds them."""
    ns: dict[str, Any] = {}
    exec(SETUP, ns)
    return ns


def check(ns: dict[str, Any]) -> int:
    """Stop unless every row writes the same bytes; their length."""
    outputs = {name: eval(text, ns) for name, text in STATEMENTS.items()}
    expected = outputs[ROWS[0]]
    for name, output in outputs.items():
        if output != expected:
            raise SystemExit(f"benchmarks.json_writer: {name} and {ROWS[0]} write different bytes")
    return len(expected)
