"""The IR reader knows every construct the IR writer emits and refuses anything else, so a
writer change can never turn into a silently loose client; names that cannot be typed
faithfully are refused by the emitter."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import ckdl
import pytest

from mizan.codegen.ir_reader import PRIMITIVES, STRING_FORMATS, IRReadError, parse_ir
from mizan.codegen.typescript import GenerationError, generate
from mizan.core import ir as ir_writer
from tests.codegen.conftest import ROOT, export_fastapi_ir

GOLDEN = ROOT / "tests" / "unit" / "ir_golden"


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    directory = tmp_path_factory.mktemp("reader")
    tasks = export_fastapi_ir("tests.codegen.tasks_api", directory / "api.kdl")
    found = {path.stem: path.read_text(encoding="utf-8") for path in sorted(GOLDEN.glob("*.kdl"))}
    found["tasks"] = tasks.read_text(encoding="utf-8")
    return found


def _walk(nodes: Any, names: set[str], primitives: set[str], formats: set[str]) -> None:
    for node in nodes:
        names.add(node.name)
        if node.name == "primitive":
            primitives.add(node.args[0])
            if "format" in node.properties:
                formats.add(node.properties["format"])
        _walk(node.children, names, primitives, formats)


def test_every_node_the_writer_emits_is_read(documents: dict[str, str]) -> None:
    """Every node name in mizan/core/ir.py, every primitive and every string format occurs
    in the documents these tests generate clients from (and the reader read them all)."""
    source = Path(ir_writer.__file__).read_text(encoding="utf-8")
    written = set(re.findall(r'\bnode\(\s*"([a-z-]+)"', source))
    written |= {child for child, _ in ir_writer._CHANNEL_NODES.values()}
    written |= {"struct", "alias"}  # body nodes of `type`
    assert len(written) > 30, written
    names: set[str] = set()
    primitives: set[str] = set()
    formats: set[str] = set()
    for document in documents.values():
        parse_ir(document)
        _walk(ckdl.parse(document, version=2).nodes, names, primitives, formats)
    assert written <= names, sorted(written - names)
    assert primitives == PRIMITIVES
    assert formats == STRING_FORMATS == set(ir_writer._STRING_FORMATS.values())


def _tasks(documents: dict[str, str], old: str, new: str) -> str:
    assert old in documents["tasks"], old
    return documents["tasks"].replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'function "add_task" {\n',
            'function "add_task" {\n    colour "red"\n',
            "function 'add_task': unknown node 'colour'",
        ),
        ('context "board" {\n', 'context "board" {\n    policy "x"\n', "context 'board': unknown node 'policy'"),
        (
            '    param "list_id" {\n',
            '    param "list_id" {\n        hint "x"\n',
            "context 'board' / param 'list_id': unknown node 'hint'",
        ),
        ('channel "chat" {\n', 'channel "chat" {\n    retention 5\n', "channel 'chat': unknown node 'retention'"),
        (
            'type "Cat" {\n    struct {\n',
            'type "Cat" {\n    struct {\n        method "x"\n',
            "type 'Cat' / struct: unknown node 'method'",
        ),
        (
            'field "title" {\n            primitive "string"\n',
            'field "title" {\n            text "string"\n',
            "unknown shape node 'text'",
        ),
        ('field "title" {', 'field "title" secret=#true {', "unknown property secret"),
        ('    transport "http"\n', '    transport "carrier-pigeon"\n', "unknown transport 'carrier-pigeon'"),
        ("    auth #true\n", '    auth "admins"\n', "unknown auth 'admins'"),
        (
            '    merge "board" slot="board_tasks" mode="upsert"',
            '    merge "board" slot="board_tasks" mode="append"',
            "mode",
        ),
        (
            'primitive "string" format="uuid"',
            'primitive "string" format="ulid"',
            "unknown primitive 'string' format='ulid'",
        ),
        (
            '    function "board_tasks"\n',
            '    function "board_lists"\n',
            "member function 'board_lists' is not declared",
        ),
        ('ref "TaskOut"', 'ref "TaskOutput"', "type 'TaskOutput' is not declared"),
    ],
)
def test_unknown_constructs_are_refused_where_they_are(
    documents: dict[str, str], old: str, new: str, message: str
) -> None:
    with pytest.raises(IRReadError, match=re.escape(message)):
        parse_ir(_tasks(documents, old, new))


def test_kdl_1_syntax_is_refused() -> None:
    """Only KDL 2.0 is an IR: the KDL 1 keyword spelling is a parse error."""
    with pytest.raises(IRReadError, match="not a KDL 2.0 document"):
        parse_ir('function "f" {\n    has-input true\n}\n')


STRUCT = (
    'type "{name}" {{\n    struct {{\n        field "x" {{\n            primitive "integer"\n        }}\n    }}\n}}\n'
)


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["addTaskInput", "AddTaskInput"], "types 'AddTaskInput' and 'addTaskInput' both become 'AddTaskInput'"),
        (["MizanClient"], "'MizanClient' cannot be a TypeScript type name here"),
        (["ErrorCode"], "'ErrorCode' cannot be a TypeScript type name here"),
    ],
)
def test_type_names_that_would_clash_are_refused(names: list[str], message: str) -> None:
    ir = parse_ir("".join(STRUCT.format(name=name) for name in sorted(names)))
    with pytest.raises(GenerationError, match=re.escape(message)):
        generate(ir, "api.kdl")


def test_a_context_name_clashing_with_a_type_is_refused(documents: dict[str, str]) -> None:
    """A model called `BoardBundle` would be shadowed by the context's bundle type."""
    renamed = documents["tasks"].replace('"Summary"', '"BoardBundle"')
    with pytest.raises(GenerationError, match="context 'board': the type name 'BoardBundle' is already taken"):
        generate(parse_ir(renamed), "api.kdl")
