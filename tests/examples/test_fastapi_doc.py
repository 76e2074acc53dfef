"""docs/fastapi.md works as pasted (FA-1, FA-5, FA-6, SET-1, SEC-1): its `# myapp/<file>.py`
code blocks become a package in a temporary directory, and a fresh interpreter imports it
and drives the application with FastAPI's TestClient (a call, context fetches through the
memory cache, the `route=` view), then runs both export commands on `myapp.main:app`.

Each run is a subprocess: the registry is process-wide, and the doc's module names are
`myapp.*`. It inherits MIZAN_PURE, so each pass of `make test` checks its own backend.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "fastapi.md"
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
FILE_HEADER = re.compile(r"# (myapp/\w+\.py)\n")

DRIVE = """
import json
from fastapi.testclient import TestClient
from myapp.main import app

client = TestClient(app)
seen = []

def record(response):
    seen.append({
        "status": response.status_code,
        "body": response.text,
        "invalidate": response.headers.get("x-mizan-invalidate"),
        "cache": response.headers.get("x-mizan-cache"),
        "cache_control": response.headers.get("cache-control"),
        "location": response.headers.get("location"),
    })

update = b'{"fn":"update_profile","args":{"user_id":5,"name":"Ada"}}'
record(client.post("/api/mizan/call/", content=update))
record(client.get("/api/mizan/ctx/user/?user_id=5"))
record(client.get("/api/mizan/ctx/user/?user_id=5"))
record(client.post("/api/mizan/call/", content=update))
record(client.get("/api/mizan/ctx/user/?user_id=5"))
record(client.post("/profile/5/update/", follow_redirects=False))
record(client.get("/api/mizan/session/"))
print(json.dumps(seen))
"""


def doc_blocks() -> list[str]:
    """Every ```python block of docs/fastapi.md."""
    return PYTHON_BLOCK.findall(DOC.read_text(encoding="utf-8"))


def write_doc_package(directory: Path) -> list[str]:
    """Write the doc's file blocks (`# myapp/functions.py`, `# myapp/main.py`) under
    `directory`, plus the empty `myapp/__init__.py` the doc tells you to add."""
    written: list[str] = []
    for block in doc_blocks():
        header = FILE_HEADER.match(block)
        if header is None:
            continue
        target = directory / header.group(1)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(block, encoding="utf-8")
        written.append(header.group(1))
    (directory / "myapp" / "__init__.py").write_text("", encoding="utf-8")
    return sorted(written)


def run(directory: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python *args` in `directory`, with no MIZAN_* configuration from the test run."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MIZAN_") or k == "MIZAN_PURE"}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, *args],
        cwd=directory,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def doc_app(tmp_path: Path) -> Path:
    assert write_doc_package(tmp_path) == ["myapp/functions.py", "myapp/main.py"]
    return tmp_path


def test_every_python_block_of_the_doc_compiles() -> None:
    """The fragments (auth contract, exception handlers) are not runnable alone, but none
    of the doc's Python is broken."""
    blocks = doc_blocks()
    assert len(blocks) >= 4
    for number, block in enumerate(blocks):
        compile(block, f"{DOC.name}:block{number}", "exec")


def test_doc_app_serves_calls_contexts_and_routes(doc_app: Path) -> None:
    """RPC-3/4, BND-4, CACHE-10/11, CPUR-2, VIEW-5, FA-9: the pasted app answers as the
    doc's transcript says, with the in-process cache the doc configures by default."""
    done = run(doc_app, "-c", DRIVE)
    assert done.returncode == 0, done.stderr
    update, miss, hit, update_again, purged, route, session = json.loads(done.stdout)
    assert update == {
        "status": 200,
        "body": '{"invalidate":[{"context":"user","params":{"user_id":5}}],"result":{"ok":true}}',
        "invalidate": "user;user_id=5",
        "cache": None,
        "cache_control": "no-store",
        "location": None,
    }
    assert (miss["status"], miss["body"], miss["cache"]) == (200, '{"user_profile":{"name":"user_5"}}', "MISS")
    assert (hit["body"], hit["cache"]) == (miss["body"], "HIT")
    assert update_again["invalidate"] == "user;user_id=5"
    assert purged["cache"] == "MISS"  # the mutation purged the entry the fetch had stored
    assert (route["status"], route["location"], route["invalidate"]) == (302, "/profile/5/", "user;user_id=5")
    assert route["cache_control"] == "no-store"
    assert (session["status"], session["body"]) == (200, '{"csrfToken":null}')


def test_doc_app_reads_its_secrets_from_the_environment(doc_app: Path) -> None:
    """SET-1, SEC-1: the doc's `configure(...)` takes the secrets from the environment when
    set, so two equal ones stop the application, naming the rule; two distinct ones and a
    Redis URL are accepted (the URL is only connected to on first use)."""
    same = "an-equal-secret-of-more-than-32-bytes!"
    refused = run(doc_app, "-c", "import myapp.main", MIZAN_MWT_SECRET=same, MIZAN_CACHE_SECRET=same)
    assert refused.returncode == 1
    assert "ConfigError" in refused.stderr and "secret" in refused.stderr.lower()
    check = (
        "import myapp.main\n"
        "from mizan_fastapi.conf import get_settings\n"
        "print(get_settings().cache.url, get_settings().mwt.secret)"
    )
    accepted = run(
        doc_app,
        "-c",
        check,
        MIZAN_MWT_SECRET="a" * 40,
        MIZAN_CACHE_SECRET="b" * 40,
        MIZAN_CACHE_REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert (accepted.returncode, accepted.stdout.split()) == (0, ["redis://127.0.0.1:6379/0", "a" * 40]), (
        accepted.stderr
    )


def test_doc_export_commands_run_on_the_doc_app(doc_app: Path) -> None:
    """FA-6, IR-1, MAN-10: the doc's export commands, in uvicorn's `myapp.main:app`
    spelling, write the IR and the manifest of the pasted app to the files they name."""
    ir = run(doc_app, "-m", "mizan_fastapi.ir", "myapp.main:app", "-o", "mizan.kdl")
    assert (ir.returncode, ir.stdout) == (0, ""), ir.stderr
    document = (doc_app / "mizan.kdl").read_text(encoding="utf-8")
    assert 'function "update_profile" {' in document and 'context "user" {' in document
    manifest = run(doc_app, "-m", "mizan_fastapi.manifest", "myapp.main:app", "-o", "manifest.json")
    assert (manifest.returncode, manifest.stdout) == (0, ""), manifest.stderr
    data = json.loads((doc_app / "manifest.json").read_text(encoding="utf-8"))
    assert data["contexts"]["user"]["endpoints"] == ["/api/mizan/ctx/user/"]
    assert data["mutations"]["profile_update"] == {
        "affects": ["user"],
        "auto_scoped_params": ["user_id"],
        "methods": ["POST"],
        "route": "/profile/<int:user_id>/update/",
    }
