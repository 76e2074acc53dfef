"""The canonical IR (PROTOCOL §8, IR-1..3; docs/ir.md): golden bytes, determinism, both
KDL writers, the build errors, and the original implementation side by side."""

from __future__ import annotations

import dataclasses
import difflib
import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import ckdl
import pydantic
import pytest

from mizan.core import registry
from mizan.core.client import client
from mizan.core.errors import IRBuildError, MizanRegistryError
from mizan.core.ir import build_ir, lower_camel, type_name
from tests.unit import ir_examples, ir_fixture

GOLDEN = Path(__file__).parent / "ir_golden"
ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("clean_registry")


def parse_kdl2(document: str) -> Any:
    """Parse with a real KDL 2.0 parser (ckdl); any syntax error fails the test (issue 6)."""
    return ckdl.parse(document, version=2)


def define_all() -> None:
    ir_fixture.define_shared(client, registry.register)
    ir_fixture.define_additions(client, registry.register)


def test_ir1_golden_document() -> None:
    """IR-1/docs/ir.md: the reference fixture gives exactly the reviewed golden bytes."""
    define_all()
    document = build_ir()
    assert document == (GOLDEN / "all.kdl").read_text(encoding="utf-8")
    parsed = parse_kdl2(document)
    names = [node.name for node in parsed.nodes]
    assert names.count("function") == 10 and names.count("context") == 2 and names.count("type") == 19


def test_ir1_original_constructs_golden() -> None:
    """docs/ir.md: the constructs of the original grammar alone."""
    ir_fixture.define_shared(client, registry.register)
    document = build_ir()
    assert document == (GOLDEN / "shared.kdl").read_text(encoding="utf-8")
    parse_kdl2(document)


def test_ir2_both_writers_give_the_same_bytes(py_impl: ModuleType, backend: ModuleType) -> None:
    """IR-2: the C writer and its pure twin write the same document."""
    define_all()
    assert build_ir(backend.write_kdl) == build_ir(py_impl.write_kdl)


def test_ir2_registration_order_never_matters() -> None:
    """IR-2/REG-8: every order of registration gives the same bytes."""
    calls: list[tuple[Any, str]] = []
    ir_fixture.define_shared(client, lambda fn_class, name: calls.append((fn_class, name)))
    ir_fixture.define_additions(client, lambda fn_class, name: calls.append((fn_class, name)))
    expected = (GOLDEN / "all.kdl").read_text(encoding="utf-8")
    orders = [calls[::-1], sorted(calls, key=lambda call: call[1]), calls[3:] + calls[:3]]
    for order in orders:
        registry.clear_registry()
        for fn_class, name in order:
            registry.register(fn_class, name)
        assert build_ir() == expected


def test_ir2_separate_processes_give_the_same_bytes() -> None:
    """IR-2: another interpreter (and hash seed) writes the same document."""
    script = (
        "from mizan.core.client import client\n"
        "from mizan.core.registry import register\n"
        "from mizan.core.ir import build_ir\n"
        "from tests.unit import ir_fixture as f\n"
        "f.define_shared(client, register); f.define_additions(client, register)\n"
        "import sys; sys.stdout.write(build_ir())\n"
    )
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, env=env, cwd=ROOT, check=True)
        outputs.add(result.stdout)
    assert outputs == {(GOLDEN / "all.kdl").read_bytes()}


# --- IR.md's worked examples, under the original grammar -----------------------------------


def test_ir_example_a_golden(py_impl: ModuleType, backend: ModuleType) -> None:
    """IR.md §15 (example A) in the original grammar, byte for byte from both writers."""
    ir_examples.define_example_a(client, registry.register)
    expected = (GOLDEN / "example_a.kdl").read_text(encoding="utf-8")
    assert build_ir(backend.write_kdl) == expected
    assert build_ir(py_impl.write_kdl) == expected
    parsed = parse_kdl2(expected)
    assert [n.args[0] for n in parsed.nodes if n.name == "function"] == [
        "add_item",
        "echo",
        "find_item",
        "update_profile",
        "user_items",
        "user_profile",
    ]


def test_ir_example_b_golden(py_impl: ModuleType, backend: ModuleType) -> None:
    """IR.md §16 (example B): websocket, private view route, rev/cache policy, a form, a
    function-target edge, a channel, an upload, maps, unions, formats, escapes."""
    ir_examples.define_example_b()
    expected = (GOLDEN / "example_b.kdl").read_text(encoding="utf-8")
    assert build_ir(backend.write_kdl) == expected
    assert build_ir(py_impl.write_kdl) == expected
    parsed = parse_kdl2(expected)
    (channel,) = [n for n in parsed.nodes if n.name == "channel"]
    assert [(c.name, c.args) for c in channel.children] == [
        ("pascal-name", ["Chat"]),
        ("params", ["ChatParams"]),
        ("client-message", ["ChatClientMessage"]),
        ("server-message", ["ChatServerMessage"]),
    ]
    settings_type = next(n for n in parsed.nodes if n.name == "type" and n.args == ["settingsOutput"])
    note = next(f for f in settings_type.children[0].children if f.args == ["note"])
    assert note.properties["default"] == ir_examples.Settings.model_fields["note"].default


def test_ir2_example_a_in_every_registration_order() -> None:
    """IR-2: example A's scrambled order and its reverse give the same bytes."""
    calls: list[tuple[Any, str]] = []
    ir_examples.define_example_a(client, lambda fn_class, name: calls.append((fn_class, name)))
    expected = (GOLDEN / "example_a.kdl").read_text(encoding="utf-8")
    for order in (calls, calls[::-1], sorted(calls, key=lambda call: call[1])):
        registry.clear_registry()
        for fn_class, name in order:
            registry.register(fn_class, name)
        assert build_ir() == expected


def test_ir_empty_registry_is_an_empty_document() -> None:
    """docs/ir.md: no sections, no bytes."""
    assert build_ir() == ""


def test_ir_names() -> None:
    """docs/ir.md: the original's camel; model names with generic parameters folded in."""
    assert [lower_camel(n) for n in ("echo", "update_profile", "ws.fn", "a-b_c", "user_ID")] == [
        "echo",
        "updateProfile",
        "wsFn",
        "aBC",
        "userId",
    ]

    class Page(pydantic.BaseModel):
        n: int

    Page.__name__ = "Page[Item]"
    assert type_name(Page) == "PageItem"


# --- build errors (IR.md §13) --------------------------------------------------------------


def _register(fn: Callable[..., Any], name: str, **options: Any) -> None:
    """Register module-level-annotated functions (local classes must be registered with
    `client` called in the test itself, where their names resolve)."""
    registry.register(client(**options)(fn) if options else client(fn), name)


def test_ir13_two_models_with_one_name() -> None:
    """IR.md §11.4: two different classes called `Item` collide; nothing is renamed."""

    class Item(pydantic.BaseModel):
        other: str

    def a(request: Any) -> ir_fixture.Profile:  # its field `best` refers to the fixture's Item
        return ir_fixture.Profile(user_id=1, name="x")

    def b(request: Any) -> list[Item]:
        return []

    registry.register(client(a), "a")
    registry.register(client(b), "b")
    with pytest.raises(IRBuildError, match="type name 'Item' is claimed by"):
        build_ir()


def test_ir13_two_functions_with_one_camel_name() -> None:
    """IR.md §11.4: `contact.submit` and `contact_submit` both need `contactSubmitInput`."""

    def submit(request: Any, text: str) -> str:
        return text

    _register(submit, "contact.submit")

    def submit2(request: Any, text: str) -> str:
        return text

    _register(submit2, "contact_submit")
    with pytest.raises(IRBuildError, match="contactSubmitInput"):
        build_ir()


def test_ir13_unsupported_annotation_names_the_place() -> None:
    """IR.md §11.1: a dataclass is a build error, never silently a string."""

    @dataclasses.dataclass
    class Point:
        x: int

    def locate(request: Any) -> Point:
        return Point(1)

    registry.register(client(locate), "locate")
    with pytest.raises(IRBuildError, match="function 'locate' / output: unsupported annotation"):
        build_ir()


def test_ir13_map_keys_must_be_strings() -> None:
    def counts(request: Any) -> dict[int, int]:
        return {}

    _register(counts, "counts")
    with pytest.raises(IRBuildError, match="map keys must be strings"):
        build_ir()


def test_ir13_field_alias_is_refused() -> None:
    """IR.md §11.3: aliases would put another name on the wire."""

    class Aliased(pydantic.BaseModel):
        value: int = pydantic.Field(alias="v")

    def aliased(request: Any) -> Aliased:
        return Aliased(v=1)

    registry.register(client(aliased), "aliased")
    with pytest.raises(IRBuildError, match="aliases are not supported"):
        build_ir()


def test_ir13_context_members_disagree_on_a_param_type() -> None:
    """IR.md §12.1: one param name, two types across members."""

    def first(request: Any, key: int) -> int:
        return key

    def second(request: Any, key: str) -> str:
        return key

    _register(first, "first", context="pair")
    _register(second, "second", context="pair")
    with pytest.raises(IRBuildError, match="context 'pair' / param 'key'"):
        build_ir()


def test_reg9_invalid_registry_is_refused_before_building() -> None:
    """REG-9/IR-1: an unresolvable affects target stops the export."""

    def broken(request: Any) -> None:
        return None

    _register(broken, "broken", affects="nowhere")
    with pytest.raises(MizanRegistryError):
        build_ir()


# --- the original implementation, side by side ---------------------------------------------


def original_script(define: str) -> str:
    """A script that registers a fixture with izana-core and prints the original's IR."""
    return (
        "import sys\n"
        "from izana_core.client.function import client\n"
        "from izana_core.registry import register\n"
        "from izana_core.ir import build_ir\n"
        "from tests.unit import ir_examples, ir_fixture\n"
        f"{define}(client, register)\n"
        "sys.stdout.write(build_ir())\n"
    )


# Mizan writes the resolved edge with the arguments that scope it (IR.md §5.3).
SCOPED_AFFECTS = ['-    affects "user"', '+    affects "user" {', '+        scope "user_id"', "+    }"]

# Every difference between the original's IR and Mizan's for the shared fixture, each with
# its reason (docs/ir.md). Lines of a unified diff without headers, original first.
KNOWN_DIFFERENCES = [
    # The original's @client turns a non-model return into a `result` model; Mizan's Output is
    # the annotation itself, so dict[str, Any] is a map of any and None is none.
    "-    struct {",
    '-        field "result" {',
    '-            primitive "string"',
    "+    alias {",
    "+        map {",
    '+            primitive "any"',
    "-    struct {",
    '-        field "result" {',
    '-            primitive "string"',
    "-        }",
    "+    alias {",
    '+        primitive "none"',
    *SCOPED_AFFECTS,
]

# The same for IR.md's example A.
KNOWN_DIFFERENCES_EXAMPLE_A = [
    # The merge target carries the slot it resolves to, its mode and its scope (IR.md §5.4).
    '-    merge "user"',
    '+    merge "user" slot="user_items" mode="upsert" {',
    '+        scope "user_id"',
    "+    }",
    # The original drops auth= from the IR; Mizan carries it (IR-4).
    '+    auth "staff"',
    *SCOPED_AFFECTS,
]


def _changed_lines(original: str, ours: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(original.splitlines(), ours.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


@pytest.mark.skipif(importlib.util.find_spec("izana_core") is None, reason="izana-core is not installed")
@pytest.mark.parametrize(
    ("define", "known"),
    [
        ("ir_fixture.define_shared", KNOWN_DIFFERENCES),
        ("ir_examples.define_example_a", KNOWN_DIFFERENCES_EXAMPLE_A),
    ],
)
def test_original_implementation_differs_only_where_documented(define: str, known: list[str]) -> None:
    """Issue 6: the same fixture registered with izana-core and with Mizan; the documents
    differ exactly by the documented list (docs/ir.md)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    original = subprocess.run(
        [sys.executable, "-c", original_script(define)], capture_output=True, text=True, env=env, cwd=ROOT, check=True
    ).stdout
    module_name, function_name = define.split(".")
    getattr({"ir_fixture": ir_fixture, "ir_examples": ir_examples}[module_name], function_name)(
        client, registry.register
    )
    assert _changed_lines(original, build_ir()) == known


def test_known_differences_cover_both_sides() -> None:
    """The lists above are real diffs, not one-sided (they cannot pass vacuously)."""
    assert {line[0] for line in KNOWN_DIFFERENCES} == {"+", "-"}
    assert {line[0] for line in KNOWN_DIFFERENCES_EXAMPLE_A} == {"+", "-"}
