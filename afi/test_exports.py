"""The exports of both adapters: IR (AFI-8) and edge manifest (AFI-9), byte for byte, and each
one read back to show it describes the fixture."""

from __future__ import annotations

import json
from typing import Any

import ckdl
import pytest

from afi import channel_fixture
from afi.conftest import ADAPTERS
from afi.fixture import register_fixture

IR, MANIFEST = "IR", "Manifest"
CONTEXTS = {"profile", "items", "global", "twins"}


def fixture_names() -> set[str]:
    names: list[str] = []
    register_fixture(lambda fn_class, name: names.append(name), object)
    return set(names) | set(channel_fixture.FUNCTIONS)


def per_adapter(row: str) -> list[Any]:
    return [pytest.param(adapter, marks=pytest.mark.capability(row, adapter)) for adapter in ADAPTERS]


@pytest.mark.capability(IR, *ADAPTERS)
def test_afi8_ir_bytes_identical(exports: dict[str, dict[str, bytes]]) -> None:
    assert exports["ir"]["fastapi"] == exports["ir"]["django"]


@pytest.mark.parametrize("adapter", per_adapter(IR))
def test_afi8_ir_parses_and_describes_the_fixture(exports: dict[str, dict[str, bytes]], adapter: str) -> None:
    document = ckdl.parse(exports["ir"][adapter].decode(), version=2)
    nodes: dict[str, dict[str, Any]] = {}
    for node in document.nodes:
        nodes.setdefault(node.name, {})[node.args[0]] = node
    assert set(nodes["function"]) == fixture_names() | {"mwt_obtain"}  # the built-in (MWT-6)
    assert set(nodes["context"]) == CONTEXTS
    assert set(nodes["channel"]) == set(channel_fixture.CHANNELS)  # CHAN-2
    guards = {
        name: [child.args[0] for child in node.children if child.name == "auth"]
        for name, node in nodes["function"].items()
    }
    assert guards["whoami"] == [True] and guards["staff_report"] == ["staff"] and guards["echo"] == []
    (affects,) = [child for child in nodes["function"]["rename"].children if child.name == "affects"]
    assert affects.args == ["profile"]
    assert [child.args for child in affects.children if child.name == "scope"] == [["user_id"]]


@pytest.mark.capability(MANIFEST, *ADAPTERS)
def test_afi9_manifest_bytes_identical(exports: dict[str, dict[str, bytes]]) -> None:
    assert exports["manifest"]["fastapi"] == exports["manifest"]["django"]


@pytest.mark.parametrize("adapter", per_adapter(MANIFEST))
def test_afi9_manifest_describes_the_fixture(exports: dict[str, dict[str, bytes]], adapter: str) -> None:
    manifest = json.loads(exports["manifest"][adapter])
    assert manifest["version"] == 1
    assert set(manifest["contexts"]) == CONTEXTS
    profile = manifest["contexts"]["profile"]
    assert profile["endpoints"] == ["/api/mizan/ctx/profile/"] and profile["params"] == ["limit", "user_id"]
    assert manifest["mutations"]["rename"] == {"affects": ["profile"], "auto_scoped_params": ["user_id"]}
    assert manifest["mutations"]["internal_job"]["private"] is True
