"""The export commands (FA-6, IR-1, MAN-10) and the import surface (FA-5, DEP-4), each run
in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mizan.core.ir import build_ir
from mizan.core.manifest import generate_edge_manifest_json

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, *args], capture_output=True, cwd=ROOT, env=dict(os.environ), timeout=120)


def test_fa6_ir_command_writes_the_ir_and_nothing_else() -> None:
    """IR-1: the module's import registers the functions; stdout is exactly `build_ir()`
    of that registry (the same functions are registered here by the autouse fixture), and
    what the module prints goes to stderr."""
    result = run("-m", "mizan_fastapi.ir", "tests.fastapi.cli_app")
    assert result.returncode == 0, result.stderr
    assert result.stdout == build_ir().encode("utf-8")
    assert b'function "mwt_obtain"' in result.stdout and b"jwt_obtain" not in result.stdout
    # FA-10: a Starlette response annotation marks a view-path function (IR.md: `view #true`).
    view = b'function "view_response" {\n    camel "viewResponse"\n    has-input #false\n    transport "http"\n'
    assert view + b"    view #true" in result.stdout
    assert b"import-time output" in result.stderr


@pytest.mark.parametrize("command", ["mizan_fastapi.ir", "mizan_fastapi.manifest"])
def test_fa6_commands_fail_cleanly(command: str) -> None:
    """IR-1/MAN-10: 2 with a usage line for a wrong argument count, 1 with a message on
    stderr for an import failure or an invalid registry; stdout stays empty."""
    usage = run("-m", command)
    assert usage.returncode == 2 and b"usage:" in usage.stderr and usage.stdout == b""
    extra = run("-m", command, "a", "b")
    assert extra.returncode == 2 and extra.stdout == b""
    missing = run("-m", command, "tests.fastapi.no_such_module")
    assert missing.returncode == 1 and b"cannot import 'tests.fastapi.no_such_module'" in missing.stderr
    assert missing.stdout == b""
    broken = run("-m", command, "tests.fastapi.cli_broken")
    assert broken.returncode == 1 and b"no_such_context" in broken.stderr and broken.stdout == b""


def test_fa6_manifest_command(tmp_path: Path) -> None:
    """MAN-10: the manifest of the registry, with `--base-url` and `--view-urls`."""
    view_urls = {"user": ["/users/<int:user_id>/"]}
    path = tmp_path / "views.json"
    path.write_text(json.dumps(view_urls), encoding="utf-8")
    result = run(
        "-m", "mizan_fastapi.manifest", "tests.fastapi.cli_app", "--base-url", "/rpc", "--view-urls", str(path)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == generate_edge_manifest_json("/rpc", view_urls).encode("utf-8")
    manifest = json.loads(result.stdout)
    assert manifest["contexts"]["user"]["endpoints"] == ["/rpc/ctx/user/"]
    assert manifest["contexts"]["profile"]["functions"][0]["path"] == "view"
    default = run("-m", "mizan_fastapi.manifest", "tests.fastapi.cli_app")
    assert default.stdout == generate_edge_manifest_json().encode("utf-8")


def test_fa6_manifest_command_refuses_a_bad_view_urls_file(tmp_path: Path) -> None:
    path = tmp_path / "views.json"
    path.write_text('["not", "an", "object"]', encoding="utf-8")
    result = run("-m", "mizan_fastapi.manifest", "tests.fastapi.cli_app", "--view-urls", str(path))
    assert result.returncode == 1 and b"view URLs file" in result.stderr and result.stdout == b""


@pytest.mark.parametrize(
    ("command", "options"), [("mizan_fastapi.ir", ()), ("mizan_fastapi.manifest", ("--base-url", "/api/mizan"))]
)
def test_fa6_commands_take_uvicorns_module_attribute_spelling(command: str, options: tuple[str, ...]) -> None:
    """FA-6: `myapp.main:app`, as uvicorn is given it, imports `myapp.main`; the document is
    the one the plain module gives (with the manifest's base URL fixed: read from the
    application, below). A dotted attribute path is followed as uvicorn follows it."""
    plain = run("-m", command, "tests.fastapi.cli_app", *options)
    for spelling in ("tests.fastapi.cli_app:app", "tests.fastapi.cli_app:app.router"):
        spelled = run("-m", command, spelling, *options)
        assert spelled.returncode == 0, spelled.stderr
        assert spelled.stdout == plain.stdout != b""


@pytest.mark.parametrize("command", ["mizan_fastapi.ir", "mizan_fastapi.manifest"])
def test_fa6_commands_refuse_a_missing_attribute_or_a_malformed_target(command: str) -> None:
    """FA-6: an attribute the module lacks is exit 1 naming it; an empty module or
    attribute part is a usage error (exit 2). Nothing reaches stdout."""
    missing = run("-m", command, "tests.fastapi.cli_app:ap")
    assert (missing.returncode, missing.stdout) == (1, b"")
    assert b"module 'tests.fastapi.cli_app' has no attribute 'ap'" in missing.stderr
    deep = run("-m", command, "tests.fastapi.cli_app:app.nope")
    assert (deep.returncode, deep.stdout) == (1, b"") and b"no attribute 'app.nope'" in deep.stderr
    for spelling in ("tests.fastapi.cli_app:", ":app", "a:b:c", "tests.fastapi.cli_app:app..router"):
        usage = run("-m", command, spelling)
        assert (usage.returncode, usage.stdout) == (2, b""), spelling
        assert b"is not a module or module:attribute" in usage.stderr
    no_module = run("-m", command, "tests.fastapi.no_such_module:app")
    assert no_module.returncode == 1 and b"cannot import 'tests.fastapi.no_such_module'" in no_module.stderr


def test_man4_manifest_base_url_comes_from_the_application() -> None:
    """MAN-4: `module:app` without `--base-url` reads the prefix the router is mounted at
    (`/rpc` in cli_app); `--base-url` still wins; an attribute that is not an application
    gives the default; an application without Mizan's router is exit 1."""
    mounted = run("-m", "mizan_fastapi.manifest", "tests.fastapi.cli_app:app")
    assert mounted.returncode == 0, mounted.stderr
    assert mounted.stdout == generate_edge_manifest_json("/rpc").encode("utf-8")
    assert json.loads(mounted.stdout)["contexts"]["user"]["endpoints"] == ["/rpc/ctx/user/"]
    explicit = run("-m", "mizan_fastapi.manifest", "tests.fastapi.cli_app:app", "--base-url", "/edge")
    assert explicit.stdout == generate_edge_manifest_json("/edge").encode("utf-8")
    not_an_app = run("-m", "mizan_fastapi.manifest", "tests.fastapi.cli_app:settings")
    assert not_an_app.stdout == generate_edge_manifest_json().encode("utf-8")
    bare = run("-m", "mizan_fastapi.manifest", "tests.fastapi.cli_app:bare_app")
    assert (bare.returncode, bare.stdout) == (1, b"")
    assert b"mizan_fastapi.router is not mounted on this application" in bare.stderr


def test_man10_output_file_and_indent(tmp_path: Path) -> None:
    """MAN-10, MAN-9: `-o FILE` writes the same bytes as stdout would (UTF-8) and replaces
    an existing file; `--indent` changes the layout only; a bad value is a usage error."""
    target = tmp_path / "manifest.json"
    target.write_text("stale", encoding="utf-8")
    written = run("-m", "mizan_fastapi.manifest", "tests.fastapi.cli_app", "-o", str(target))
    assert (written.returncode, written.stdout) == (0, b""), written.stderr
    assert target.read_bytes() == generate_edge_manifest_json().encode("utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]  # no temporary left behind
    compact = run("-m", "mizan_fastapi.manifest", "tests.fastapi.cli_app", "--indent", "0")
    assert compact.stdout == generate_edge_manifest_json(indent=0).encode("utf-8")
    assert compact.stdout.count(b"\n") == 1 and b", " not in compact.stdout
    assert json.loads(compact.stdout) == json.loads(target.read_bytes())
    wide = run("-m", "mizan_fastapi.manifest", "tests.fastapi.cli_app", "--indent", "4")
    assert wide.stdout.startswith(b'{\n    "contexts": {\n        "')
    for bad in ("-1", "two", "17"):
        usage = run("-m", "mizan_fastapi.manifest", "tests.fastapi.cli_app", "--indent", bad)
        assert (usage.returncode, usage.stdout) == (2, b"") and b"--indent" in usage.stderr
    ir = tmp_path / "mizan.kdl"
    done = run("-m", "mizan_fastapi.ir", "tests.fastapi.cli_app:app", "--output", str(ir))
    assert (done.returncode, done.stdout) == (0, b""), done.stderr
    assert ir.read_bytes() == build_ir().encode("utf-8")
    unwritable = run("-m", "mizan_fastapi.ir", "tests.fastapi.cli_app", "-o", str(tmp_path / "no" / "x.kdl"))
    assert unwritable.returncode == 1 and b"cannot write" in unwritable.stderr


NO_DJANGO = """
import sys
sys.modules["django"] = None  # any `import django...` now fails
import mizan_fastapi
from mizan_fastapi import client, configure, register, router, routes_router
tools = {"django", "httpx", "httpx2", "uvicorn", "pytest"}
loaded = sorted(name for name, module in sys.modules.items() if module is not None and name.split(".")[0] in tools)
assert loaded == [] and sys.modules["django"] is None, loaded

@client
def echo(request, text: str) -> dict:
    return {"message": "echo: " + text}

register(echo, "echo")
from fastapi import FastAPI
from fastapi.testclient import TestClient
app = FastAPI()
app.include_router(router, prefix="/api/mizan")
response = TestClient(app).post("/api/mizan/call/", content=b'{"fn":"echo","args":{"text":"hi"}}')
assert response.content == b'{"result":{"message":"echo: hi"}}', response.content
print("ok")
"""


def test_fa5_import_mizan_fastapi_never_imports_django() -> None:
    """FA-5/DEP-4: `import mizan_fastapi` and a whole request work with Django unimportable,
    and the package imports none of the development tools (DEP-1a)."""
    result = run("-c", NO_DJANGO)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == b"ok"
