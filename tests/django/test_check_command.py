"""`manage.py check` on fresh projects (issue 15, item 10): a newcomer's mistakes fail the
check with a clear message instead of a 500 or a "Function not found" at the first call.

Each test writes a small Django project into a temporary directory and runs
`python -m django check` on it in a new process, as a user would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core import checks
from django.test import override_settings

from mizan import client
from mizan.checks import check_definitions
from mizan.core import registry

ROOT = Path(__file__).resolve().parents[2]

MISTAKES = """
from __future__ import annotations

from mizan import client


@client
def add(x: int, y: int) -> int:
    return x + y


@client
def untyped(request, a):
    return a
"""


def _project(tmp_path: Path, installed: list[str], urls: list[str], clients: str | None = None) -> Path:
    """A project in `tmp_path`: settings, a URLconf including `urls`, and an app `shopapp`
    whose `clients.py` is `clients` (when given)."""
    apps = ["django.contrib.contenttypes", "django.contrib.auth", *installed]
    if clients is not None:
        (tmp_path / "shopapp").mkdir()
        (tmp_path / "shopapp" / "__init__.py").write_text("")
        (tmp_path / "shopapp" / "clients.py").write_text(clients)
        apps.append("shopapp")
    (tmp_path / "fresh_settings.py").write_text(
        textwrap.dedent(
            f"""
            SECRET_KEY = "fresh-project-secret-key-0123456789abcdef"
            INSTALLED_APPS = {apps!r}
            ROOT_URLCONF = "fresh_urls"
            DATABASES = {{}}
            USE_TZ = True
            """
        )
    )
    patterns = ", ".join(f'path("{prefix}", include("{module}"))' for prefix, module in _mounts(urls))
    (tmp_path / "fresh_urls.py").write_text(f"from django.urls import include, path\n\nurlpatterns = [{patterns}]\n")
    return tmp_path


def _mounts(urls: list[str]) -> list[tuple[str, str]]:
    return [("api/mizan/" if module == "mizan.urls" else "", module) for module in urls]


def _check(project: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fresh_settings",
        "PYTHONPATH": os.pathsep.join([str(project), str(ROOT)]),
    }
    return subprocess.run(
        [sys.executable, "-m", "django", "check"], cwd=project, env=env, capture_output=True, text=True, timeout=120
    )


def test_manage_py_check_fails_on_a_first_parameter_that_is_not_the_request(tmp_path: Path) -> None:
    """`def add(x: int, y: int)`: E010 says the first parameter is the request; the
    missing annotations of `untyped` are W010 warnings in the same run."""
    done = _check(_project(tmp_path, ["mizan"], ["mizan.urls"], MISTAKES))
    assert done.returncode == 1, done.stderr
    flat = " ".join(done.stderr.split())
    assert (
        "?: (mizan.E010) add (shopapp.clients.add): the first parameter 'x' is annotated int, but the first "
        "parameter of a server function is the request (SIG-1); 'x' would receive the request, never a client "
        "argument. HINT: Add the request as the first parameter: def add(request, x: ...)."
    ) in flat
    assert "?: (mizan.W010) untyped (shopapp.clients.untyped): parameter 'a' has no annotation" in flat
    assert "?: (mizan.W010) untyped (shopapp.clients.untyped): the return annotation is missing" in flat


def test_manage_py_check_passes_a_correct_project(tmp_path: Path) -> None:
    clients = "from typing import Any\nfrom mizan import client\n\n\n@client\ndef add(request: Any, x: int) -> int:\n"
    done = _check(_project(tmp_path, ["mizan"], ["mizan.urls", "mizan.routes"], clients + "    return x\n"))
    assert (done.returncode, done.stdout, done.stderr) == (0, "System check identified no issues (0 silenced).\n", "")


@pytest.mark.parametrize("module", ["mizan.urls", "mizan.routes"])
def test_urls_without_the_app_are_improperly_configured(tmp_path: Path, module: str) -> None:
    """Issue 15: mounting Mizan's URLs without "mizan" in INSTALLED_APPS fails the check
    (it loads the URLconf) with ImproperlyConfigured, instead of every call answering
    "Function not found"."""
    done = _check(_project(tmp_path, [], [module], MISTAKES))
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last == (
        f'django.core.exceptions.ImproperlyConfigured: {module} is included in the URLconf, but "mizan" is not '
        "in INSTALLED_APPS: without the app no clients module is discovered, no check runs, and every call "
        'answers 404 Function not found. Add "mizan" (or "mizan.apps.SimpleMizanConfig") to INSTALLED_APPS.'
    )


def test_simple_config_counts_as_installed(tmp_path: Path) -> None:
    """A MizanConfig subclass (here SimpleMizanConfig, without autodiscovery) is the app."""
    done = _check(_project(tmp_path, ["mizan.apps.SimpleMizanConfig"], ["mizan.urls", "mizan.routes"]))
    assert (done.returncode, done.stderr) == (0, "")


def test_check_definitions_under_override_settings() -> None:
    """STYLE B7: the check is registered under the "mizan" tag and a settings change does
    not hide it."""

    @client
    def wrong(count: int) -> int:
        return count

    registry.register(wrong, "wrong")
    with override_settings(MIZAN_APPS_ROOT="tests.django.project"):
        found = check_definitions(None)
    assert [(m.id, type(m)) for m in found] == [("mizan.E010", checks.Error)]
    assert found == [m for m in checks.run_checks(tags=["mizan"]) if m.id == "mizan.E010"]
