"""Proof that the C writer wrote a plain model from its fields: with the model's Pydantic
serializer swapped for one that writes `{"probe":true}`, the default (Pydantic's
conversion) writes the probe, and only the fast path still writes the fields."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pydantic


class Probe(pydantic.BaseModel):
    @pydantic.model_serializer
    def _probe(self) -> dict[str, bool]:
        return {"probe": True}


@contextlib.contextmanager
def probed(model: type[pydantic.BaseModel]) -> Iterator[None]:
    """Make Pydantic's conversion write `{"probe":true}` for `model` inside the block."""
    saved = model.__dict__["__pydantic_serializer__"]
    model.__pydantic_serializer__ = Probe.__pydantic_serializer__  # type: ignore[misc]
    try:
        yield
    finally:
        model.__pydantic_serializer__ = saved  # type: ignore[misc]
