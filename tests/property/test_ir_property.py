"""Generated registries through the IR (IR-2, issue 6): the C writer and its twin give the
same bytes, a real KDL 2.0 parser reads them, and registration order never matters."""

from __future__ import annotations

import keyword
from collections.abc import Iterator
from types import ModuleType
from typing import Annotated, Any, Literal

import ckdl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from mizan.core import registry
from mizan.core.channels import ReactChannel, register_channel
from mizan.core.client import client
from mizan.core.ir import build_ir
from mizan.core.uploads import Upload


class Leaf(BaseModel):
    key: str
    weight: float = 0.5


class Tree(BaseModel):
    label: str
    leaves: list[Leaf] = []
    children: list[Tree] = []


class Red(BaseModel):
    kind: Literal["red"]


class Blue(BaseModel):
    kind: Literal["blue"]
    shade: int = 3


ANNOTATIONS: list[Any] = [
    int,
    str,
    float,
    bool,
    int | None,
    list[str],
    dict[str, int],
    Literal["x", "y"],
    Leaf,
    list[Leaf],
    Tree | None,
    int | str,
    Annotated[Red | Blue, Field(discriminator="kind")],
]
RETURNS: list[Any] = [*ANNOTATIONS, None, dict[str, Any]]
INPUT_ONLY: list[Any] = [Upload, list[Upload] | None]  # parameters of non-context functions only
CHANNEL_MODELS: list[Any] = [None, Leaf, Tree, Red]
CONTEXTS = [None, None, "alpha", "beta"]
CONTEXT_PARAM_TYPES: dict[str, Any] = {"user_id": int, "page": int | None, "query": str, "flag": bool}
NAMES = st.from_regex(r"[a-z][a-z0-9]{0,6}(_[a-z0-9]{1,4}){0,2}", fullmatch=True).filter(
    lambda name: not keyword.iskeyword(name)
)


@st.composite
def function_specs(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Distinct names; each with a context (or none), parameters and a return annotation."""
    names = draw(st.lists(NAMES, min_size=1, max_size=8, unique_by=lambda name: name.replace("_", "")))
    specs = []
    for name in names:
        context = draw(st.sampled_from(CONTEXTS))
        # A param name has one type across a context's members (IR.md §12.1): derive it.
        params = draw(st.lists(st.sampled_from(["user_id", "page", "query", "flag"]), unique=True, max_size=3))
        specs.append(
            {
                "name": name,
                "context": context,
                "params": [
                    (param, CONTEXT_PARAM_TYPES[param] if context else draw(st.sampled_from(ANNOTATIONS + INPUT_ONLY)))
                    for param in params
                ],
                "output": draw(st.sampled_from(RETURNS)),
                "rev": draw(st.sampled_from([0, 0, 3])),
            }
        )
    return specs


@st.composite
def channel_specs(draw: st.DrawFn) -> list[tuple[str, tuple[Any, Any, Any]]]:
    """Up to two channels, each naming any of the three model slots."""
    names = draw(st.lists(st.sampled_from(["chat", "live.feed", "ticker-x"]), unique=True, max_size=2))
    return [(name, tuple(draw(st.sampled_from(CHANNEL_MODELS)) for _ in range(3))) for name in names]


def register_channels(channels: list[tuple[str, tuple[Any, Any, Any]]]) -> None:
    for name, (params, react, django) in channels:
        attributes = {"Params": params, "ReactMessage": react, "DjangoMessage": django}
        register_channel(type(f"Channel_{name.replace('.', '_').replace('-', '_')}", (ReactChannel,), attributes), name)


def make_function(spec: dict[str, Any]) -> type:
    """A real @client function with exactly the drawn signature."""
    annotations: dict[str, Any] = {"request": Any, **dict(spec["params"]), "return": spec["output"]}

    namespace: dict[str, Any] = {"__name__": __name__}
    arguments = ", ".join(["request", *(param for param, _ in spec["params"])])
    exec(f"def {spec['name']}({arguments}):\n    return None\n", namespace)  # noqa: S102 - test-built signature
    fn = namespace[spec["name"]]
    fn.__annotations__ = annotations
    options: dict[str, Any] = {"rev": spec["rev"]}
    if spec["context"]:
        options["context"] = spec["context"]
    return client(**options)(fn)


@pytest.fixture
def fresh_registry() -> Iterator[None]:
    saved, saved_extensions = registry.get_all_functions(), registry.get_extensions()
    registry.clear_registry()
    try:
        yield
    finally:
        registry.clear_registry()
        for name, fn_class in saved.items():
            registry.register(fn_class, name)
        for name, extension in saved_extensions.items():
            registry.register_extension(name, extension)


def register_all(classes: list[tuple[str, type]]) -> None:
    registry.clear_registry()
    for name, fn_class in classes:
        registry.register(fn_class, name)  # type: ignore[arg-type]


# Each example re-registers from an empty registry, so sharing the fixture is safe.
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=function_specs(), channels=channel_specs(), order=st.randoms(use_true_random=False))
def test_ir2_generated_registries(
    specs: list[dict[str, Any]],
    channels: list[tuple[str, tuple[Any, Any, Any]]],
    order: Any,
    fresh_registry: None,
    c_ext: ModuleType,
    py_impl: ModuleType,
) -> None:
    """IR-2: C ≡ pure, parsed by ckdl (KDL 2.0), and the same bytes in any registration order."""
    classes = [(spec["name"], make_function(spec)) for spec in specs]
    register_all(classes)
    register_channels(channels)
    document = build_ir(c_ext.write_kdl)
    assert build_ir(py_impl.write_kdl) == document
    parsed = ckdl.parse(document, version=2)
    functions = [node.args[0] for node in parsed.nodes if node.name == "function"]
    assert functions == sorted(spec["name"] for spec in specs)
    assert [node.args[0] for node in parsed.nodes if node.name == "channel"] == sorted(name for name, _ in channels)
    shuffled = list(classes)
    order.shuffle(shuffled)
    register_all(shuffled)
    register_channels(channels[::-1])
    assert build_ir(c_ext.write_kdl) == document
