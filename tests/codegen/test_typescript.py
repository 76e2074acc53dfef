"""The generated TypeScript: typed clients from the IRs of real registries, type-checked by
`tsc --strict` together with a hand-written usage file whose `@ts-expect-error` lines prove
that wrong arguments are rejected (docs/codegen.md)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from mizan.core.errors import ErrorCode
from tests.codegen.conftest import (
    BUNDLER_FLAGS,
    HERE,
    ROOT,
    TSC_FLAGS,
    export_fastapi_ir,
    generate,
    needs_tsc,
    run_python,
    typecheck,
)

GOLDEN = ROOT / "tests" / "unit" / "ir_golden"
DEMO = ROOT / "examples" / "demo"


@pytest.fixture(scope="module")
def tasks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The task API's IR (FastAPI's export) and the module the CLI generated from it."""
    directory = tmp_path_factory.mktemp("tasks")
    ir_file = export_fastapi_ir("tests.codegen.tasks_api", directory / "api.kdl")
    return directory, generate(ir_file, directory / "api.ts")


@needs_tsc
@pytest.mark.parametrize("flags", [TSC_FLAGS, BUNDLER_FLAGS], ids=["nodenext", "bundler"])
def test_generated_client_and_its_usage_type_check(tasks: tuple[Path, str], flags: tuple[str, ...]) -> None:
    """The generated module and a usage file (contexts, mutations, an upload, a channel, a
    form, error guards) pass `tsc --noEmit --strict`, as an ES module under Node's resolution
    and as a bundled app compiles it; every `@ts-expect-error` there is used."""
    directory, _ = tasks
    shutil.copyfile(HERE / "usage.ts", directory / "usage.ts")
    checked = typecheck(directory, ["api.ts", "usage.ts"], flags)
    assert checked.returncode == 0, checked.output


@needs_tsc
@pytest.mark.parametrize(
    ("expectation", "error"),
    [
        ("// @ts-expect-error list_id is a number", "TS2322"),
        ("// @ts-expect-error the context needs its params", "TS2554"),
        ("// @ts-expect-error a one-way channel sends nothing", "TS2345"),
        ("// @ts-expect-error a file is a File or Blob, not its name", "TS2322"),
        ("// @ts-expect-error not an error code of the protocol", "TS2345"),
    ],
)
def test_the_type_check_rejects_wrong_arguments(tasks: tuple[Path, str], expectation: str, error: str) -> None:
    """Without its `@ts-expect-error`, each wrong call is a type error at that line: the
    check above can fail, and does for the reason the comment gives."""
    directory, _ = tasks
    usage = (HERE / "usage.ts").read_text(encoding="utf-8")
    assert expectation in usage
    lines = usage.splitlines()
    line = lines.index(next(text for text in lines if text.strip() == expectation)) + 1  # the call after it
    (directory / "broken.ts").write_text(usage.replace(expectation, "// (expectation removed)"), encoding="utf-8")
    checked = typecheck(directory, ["api.ts", "broken.ts"])
    assert checked.returncode != 0
    assert re.search(rf"broken\.ts\({line + 1},\d+\): error {error}", checked.output), checked.output


def test_functions_types_contexts_and_channels(tasks: tuple[Path, str]) -> None:
    """The shapes of the generated API: one typed function per client-callable function,
    websocket transport passed on, context handles with params and member names, typed
    channels, uploads as File | Blob, private and view-path functions left out."""
    _, module = tasks
    expected = [
        "import {\n  MizanClient,\n  MizanError,\n  type ChannelSubscription,\n  type ClientErrorCode,\n"
        '  type ContextHandle,\n  type Json as MizanJson,\n  type Params as MizanParams,\n} from "./client.js";',
        "export function addTask(client: MizanClient, args: AddTaskInput): Promise<AddTaskOutput> {\n"
        '  return client.call<AddTaskOutput>("add_task", { ...args });\n}',
        "export function tasksFind(client: MizanClient, args: TasksFindInput): Promise<TasksFindOutput | null> {\n"
        '  return client.call<TasksFindOutput | null>("tasks.find", { ...args }, { transport: "ws" });\n}',
        "export function failOnPurpose(client: MizanClient): Promise<FailOnPurposeOutput> {\n"
        '  return client.call<FailOnPurposeOutput>("fail_on_purpose", {});\n}',
        "export function stats(client: MizanClient, args: StatsInput = {}): Promise<StatsOutput> {",
        "export type BoardBundle = {\n  board_summary: BoardSummaryOutput;\n  board_tasks: BoardTasksOutput;\n};",
        "export interface BoardParams {\n  /** Taken by `board_summary`, `board_tasks`. */\n  list_id: number;\n}",
        "export function boardContext(client: MizanClient, params: BoardParams): ContextHandle<BoardBundle> {\n"
        '  return client.context<BoardBundle>("board", definedParams(params), ["board_summary", "board_tasks"]);\n}',
        "export function listsContext(client: MizanClient): ContextHandle<ListsBundle> {\n"
        '  return client.context<ListsBundle>("lists", {}, ["my_lists"]);\n}',
        "export function statsContext(client: MizanClient, params: StatsParams = {}): ContextHandle<StatsBundle> {",
        "  client: MizanClient, params: ChatParams, onMessage: (message: ChatServerMessage) => void,\n"
        "): Promise<ChannelSubscription<ChatClientMessage>> {\n"
        '  return client.channel<ChatServerMessage, ChatClientMessage>("chat", jsonParams(params), onMessage);',
        "): Promise<ChannelSubscription<never>> {\n"
        '  return client.channel<NewsServerMessage, never>("news", {}, onMessage);',
        "  file: File | Blob;\n  more?: (File | Blob)[] | null;",
        "export type BoardTasksOutput = TaskOut[];",
        "export interface Outline {\n  title: string;\n  children: Outline[];\n}",
        "  pet: Cat | Dog;",
        'export interface Cat {\n  kind: "cat";\n  /** Default: `9`. */\n  lives: number;\n}',
        '  /** Default: `"low"`. */\n  priority: "low" | "high";',
        "  /** Default: `1`. */\n  level: 1 | 2 | 3;",
        "  strict: true;",
        "  nested: Record<string, (Summary | null)[]>;",
        "  extra: unknown;",
        "  created: string;\n  day: string;\n  at: string;\n  took: string;\n  ref: string;\n  amount: string;",
        '  /** Default: `"a *\\/ b"`. */',  # a `*/` in a default does not end the comment
        "export const forms = {\n"
        "  task_form: { schema: taskFormSchema, submit: taskFormSubmit, validate: taskFormValidate },\n} as const;",
    ]
    for text in expected:
        assert text in module, text
    # Inputs: a field the server defaults is optional; in an output it is always there.
    assert "export interface StatsInput {\n  /** Default: `7`. */\n  window?: number;\n}" in module
    assert "  attachments: AttachmentOut[];" in module and "attachments?" not in module
    # Private and view-path functions get no client code; their types are only types.
    assert "rebuild" not in re.findall(r"export function (\w+)", module)
    assert "webhook" not in module.lower()
    assert "any" not in re.findall(r"\b\w+\b", module.split("export type ServerErrorCode")[1])


def test_error_codes_are_every_protocol_code(tasks: tuple[Path, str]) -> None:
    """`ErrorCode` is the server's codes (all of them) and the runtime's own; the guard
    narrows to MizanError and compares the code."""
    _, module = tasks
    (codes,) = re.findall(r"export type ServerErrorCode = (.*);", module)
    assert codes.split(" | ") == [f'"{code.value}"' for code in ErrorCode]
    assert "export type ErrorCode = ServerErrorCode | ClientErrorCode;" in module
    assert "export function isMizanError(error: unknown, code?: ErrorCode): error is MizanError {" in module


def test_header_names_the_ir_file_and_output_is_deterministic(tasks: tuple[Path, str], tmp_path: Path) -> None:
    """The header says the file is generated and from which IR; an export in another
    process, with another hash seed, gives the same module byte for byte."""
    directory, module = tasks
    assert module.startswith("// Generated by `python -m mizan.codegen` from api.kdl. Do not edit: regenerate it.\n")
    result = run_python(["-m", "mizan_fastapi.ir", "tests.codegen.tasks_api"], PYTHONHASHSEED="12345")
    assert result.returncode == 0, result.stderr
    (tmp_path / "api.kdl").write_text(result.stdout, encoding="utf-8")
    assert generate(tmp_path / "api.kdl", tmp_path / "again.ts") == module


def test_runtime_option_sets_the_import(tasks: tuple[Path, str], tmp_path: Path) -> None:
    directory, module = tasks
    other = generate(directory / "api.kdl", tmp_path / "api.ts", "--runtime", "/static/mizan/client.js")
    assert '} from "/static/mizan/client.js";' in other
    assert other.replace("/static/mizan/client.js", "./client.js") == module


@needs_tsc
@pytest.mark.parametrize("name", ["all", "shared", "example_a", "example_b"])
def test_golden_irs_generate_clients_that_type_check(name: str, tmp_path: Path) -> None:
    """The IR test suite's reviewed documents (every construct of the writer among them:
    routes, rev/cache policies, function-target edges, view-path members) generate too."""
    generate(GOLDEN / f"{name}.kdl", tmp_path / "api.ts")
    checked = typecheck(tmp_path, ["api.ts"])
    assert checked.returncode == 0, checked.output


@needs_tsc
def test_django_export_generates_a_client_that_type_checks(tmp_path: Path) -> None:
    """The Django path of docs/codegen.md: `manage.py export_mizan_ir` on the demo project,
    then the generator, then tsc."""
    env = {"DJANGO_SETTINGS_MODULE": "demo_project.settings", "MIZAN_DEMO_DB": str(tmp_path / "demo.sqlite3")}
    exported = run_python(["manage.py", "export_mizan_ir", "-o", str(tmp_path / "api.kdl")], cwd=DEMO, **env)
    assert exported.returncode == 0, exported.stderr
    module = generate(tmp_path / "api.kdl", tmp_path / "api.ts")
    assert "export function " in module
    checked = typecheck(tmp_path, ["api.ts"])
    assert checked.returncode == 0, checked.output


@needs_tsc
def test_the_guides_example_type_checks(tasks: tuple[Path, str]) -> None:
    """docs/codegen.md's usage example, against the task API's generated client."""
    directory, _ = tasks
    guide = (ROOT / "docs" / "codegen.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```ts\n(.*?)```", guide, flags=re.DOTALL)
    stubs = "declare function render(...values: unknown[]): void;\ndeclare function show(text: string): void;\n"
    stubs += "declare function showMissingList(): void;\n"
    (directory / "guide.ts").write_text(example + stubs, encoding="utf-8")
    checked = typecheck(directory, ["api.ts", "guide.ts"])
    assert checked.returncode == 0, checked.output


KEYWORDS_IR = """\
type "Json" {
    struct {
        field "value" {
            primitive "any"
        }
    }
}
type "Params" {
    struct {
        field "json" {
            ref "Json"
        }
    }
}
type "deleteInput" {
    struct {
        field "params" {
            ref "Params"
        }
    }
}
type "deleteOutput" {
    alias {
        ref "Params"
    }
}

function "delete" {
    camel "delete"
    has-input #true
    input "deleteInput"
    output "deleteOutput"
    transport "http"
}
"""


@needs_tsc
def test_reserved_words_and_runtime_names_stay_usable(tmp_path: Path) -> None:
    """A function called `delete` becomes `delete_`; models called `Params` and `Json` keep
    their names (the runtime's own are imported under other names)."""
    (tmp_path / "api.kdl").write_text(KEYWORDS_IR, encoding="utf-8")
    module = generate(tmp_path / "api.kdl", tmp_path / "api.ts")
    assert "export function delete_(client: MizanClient, args: DeleteInput): Promise<DeleteOutput> {" in module
    assert "export interface Params {\n  json: Json;\n}" in module
    (tmp_path / "use.ts").write_text(
        'import { MizanClient, delete_, type Params } from "./api.js";\n'
        "export const removed: Promise<Params> = delete_(new MizanClient(), { params: { json: { value: 1 } } });\n",
        encoding="utf-8",
    )
    checked = typecheck(tmp_path, ["api.ts", "use.ts"])
    assert checked.returncode == 0, checked.output
