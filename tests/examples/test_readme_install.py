"""README.md's "Install in your Django project" works as written: a fresh project from
`django-admin startproject` and `startapp`, with the README's snippets pasted where it says,
passes `manage.py check`, migrates, serves a context and a call through Django's test
`Client` (CSRF enforced, the memory cache on), and exports its IR and manifest to files.

Every step is a subprocess in a temporary directory, with the environment a user would
have: no DJANGO_SETTINGS_MODULE from the test run, the two secrets the README asks for.
It inherits MIZAN_PURE, so each pass of `make test` checks its own backend.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SECTION = "## Install in your Django project\n"
BLOCK = re.compile(r"^( *)```(python|console)\n(.*?)^\1```", re.MULTILINE | re.DOTALL)

DRIVE = """
import json
from django.test import Client
from django.test.utils import setup_test_environment

setup_test_environment()  # lets the test client's host, "testserver", through ALLOWED_HOSTS
client = Client(enforce_csrf_checks=True)
seen = []

def record(response):
    seen.append({
        "status": response.status_code,
        "body": response.content.decode(),
        "cache": response.headers.get("X-Mizan-Cache"),
        "invalidate": response.headers.get("X-Mizan-Invalidate"),
    })

record(client.get("/api/mizan/ctx/user/?user_id=5"))
record(client.get("/api/mizan/ctx/user/?user_id=5"))
body = '{"fn":"rename_user","args":{"user_id":5,"name":"Ada"}}'
record(client.post("/api/mizan/call/", body, content_type="application/json"))
token = json.loads(client.get("/api/mizan/session/").content)["csrfToken"]
record(client.post("/api/mizan/call/", body, content_type="application/json", headers={"X-CSRFToken": token}))
record(client.get("/api/mizan/ctx/user/?user_id=5"))
print(json.dumps(seen))
"""


def install_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.index("\n## ", start + len(SECTION))
    return text[start:end]


def snippets() -> dict[str, str]:
    """The section's Python snippets, dedented, keyed by the file their first line names
    (`# mysite/urls.py`, ...), or `INSTALLED_APPS` for the list to extend."""
    found: dict[str, str] = {}
    for _, language, body in BLOCK.findall(install_section()):
        if language != "python":
            continue
        code = textwrap.dedent(body)
        first = code.splitlines()[0]
        key = "INSTALLED_APPS" if first.startswith("INSTALLED_APPS") else first.removeprefix("# ").split(" ")[0]
        found[key] = code
    return found


def run(directory: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, *args], cwd=directory, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A `startproject` project with the README's steps 1 to 4 applied."""
    directory = tmp_path_factory.mktemp("readme-install")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MIZAN_", "DJANGO_")) or k == "MIZAN_PURE"}
    env.update(MIZAN_CACHE_SECRET=secrets.token_urlsafe(32), MIZAN_MWT_SECRET=secrets.token_urlsafe(32))
    run(directory, "-m", "django", "startproject", "mysite", ".", env=env)
    run(directory, "manage.py", "startapp", "myapp", env=env)
    code = snippets()
    assert sorted(code) == ["INSTALLED_APPS", "myapp/clients.py", "mysite/settings.py", "mysite/urls.py"]
    settings = directory / "mysite" / "settings.py"
    text = settings.read_text(encoding="utf-8")
    # Step 1: the README's entries go at the end of the list startproject wrote.
    entries = re.findall(r'^\s*("[\w.]+",)$', code["INSTALLED_APPS"], re.MULTILINE)
    assert entries == ['"mizan",', '"myapp",']
    start = text.index("INSTALLED_APPS = [")
    close = text.index("\n]", start)
    text = text[:close] + "".join(f"\n    {entry}" for entry in entries) + text[close:]
    # Step 4: the optional settings, at the end.
    settings.write_text(text + "\n" + code["mysite/settings.py"], encoding="utf-8")
    # Steps 2 and 3: whole files.
    (directory / "mysite" / "urls.py").write_text(code["mysite/urls.py"], encoding="utf-8")
    (directory / "myapp" / "clients.py").write_text(code["myapp/clients.py"], encoding="utf-8")
    return directory, env


def test_readme_steps_pass_manage_py_check(project: tuple[Path, dict[str, str]]) -> None:
    """Step 5: `manage.py check` prints what the README shows (no mizan.E00x, no warning)."""
    directory, env = project
    done = run(directory, "manage.py", "check", env=env)
    assert done.stdout.strip() == "System check identified no issues (0 silenced)."
    shared = {**env, "MIZAN_MWT_SECRET": env["MIZAN_CACHE_SECRET"]}
    refused = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=directory, env=shared, capture_output=True, text=True, timeout=180
    )
    assert refused.returncode == 1 and "mizan.E002" in refused.stderr  # the README's SEC-1 note


def test_readme_project_serves_contexts_and_calls(project: tuple[Path, dict[str, str]]) -> None:
    """Step 5: after `migrate`, the README's first request answers as shown; the cache is
    on (MISS, then HIT); a POST needs the CSRF token and, with it, invalidates and purges
    (RPC-3, BND-4, CACHE-10/11, AUTH-6, CPUR-2)."""
    directory, env = project
    run(directory, "manage.py", "migrate", "--verbosity", "0", env=env)
    done = run(directory, "manage.py", "shell", "--command", DRIVE, env=env)
    miss, hit, no_token, call, after = json.loads(done.stdout.strip().splitlines()[-1])
    assert (miss["status"], miss["body"], miss["cache"]) == (200, '{"user_profile":{"name":"user_5"}}', "MISS")
    assert (hit["body"], hit["cache"]) == (miss["body"], "HIT")
    assert (no_token["status"], no_token["body"]) == (
        403,
        '{"error":{"code":"FORBIDDEN","message":"CSRF verification failed"}}',
    )
    assert call == {
        "status": 200,
        "body": '{"invalidate":[{"context":"user","params":{"user_id":5}}],"result":{"name":"Ada"}}',
        "cache": None,
        "invalidate": "user;user_id=5",
    }
    assert after["cache"] == "MISS"


def test_readme_export_commands(project: tuple[Path, dict[str, str]]) -> None:
    """Step 6: both exports write their files; the manifest's endpoints are where step 2
    mounted `mizan.urls` (MAN-4, MAN-10, IR-1)."""
    directory, env = project
    run(directory, "manage.py", "export_mizan_ir", "-o", "mizan.kdl", env=env)
    ir = (directory / "mizan.kdl").read_text(encoding="utf-8")
    assert 'function "rename_user" {' in ir and 'context "user" {' in ir
    run(directory, "manage.py", "export_edge_manifest", "-o", "manifest.json", env=env)
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["contexts"]["user"]["endpoints"] == ["/api/mizan/ctx/user/"]
    assert manifest["mutations"]["rename_user"] == {"affects": ["user"], "auto_scoped_params": ["user_id"]}
