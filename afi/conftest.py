"""Runs each adapter once per session, in its own process, and hands the outcomes to the tests.

Every run inherits this process's environment, so `MIZAN_PURE=1` selects the pure twins in
the adapters too (AFI-6). The live-server and original-implementation jobs in `afi/jobs/`
start servers and a second virtualenv; they run only through `make conformance` (or when
named on the command line with AFI_JOBS=1).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import pytest

ROOT: Final = Path(__file__).resolve().parent.parent
ADAPTERS: Final = ("django", "fastapi")
FASTAPI_APP: Final = "afi.fastapi_app"

collect_ignore = [] if os.environ.get("AFI_JOBS") else ["jobs"]


def run(*args: str) -> bytes:
    """Run `python args...` from the repository root; its stdout, or a failure with stderr."""
    # pytest-django exports the unit tests' settings module; the conformance project has its own.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "afi.django_site.settings"}
    completed = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, env=env, timeout=300)
    if completed.returncode != 0:
        pytest.fail(f"`python {' '.join(args)}` exited {completed.returncode}:\n{completed.stderr.decode()[-4000:]}")
    return completed.stdout


def django(*command: str) -> bytes:
    """A `manage.py` command of the conformance project."""
    return run("-m", "django", *command)


EXPORTS: Final[dict[str, dict[str, Callable[[], bytes]]]] = {
    "ir": {
        "django": lambda: django("export_mizan_ir"),
        "fastapi": lambda: run("-m", "mizan_fastapi.ir", FASTAPI_APP),
    },
    "manifest": {
        "django": lambda: django("export_edge_manifest"),
        "fastapi": lambda: run("-m", "mizan_fastapi.manifest", FASTAPI_APP),
    },
}


@pytest.fixture(scope="session")
def outcomes() -> dict[str, dict[str, Any]]:
    """Per adapter: the transcript's records, the stored cache keys, the auth grid and the
    pinned key vectors, as `python -m afi.worker <adapter>` reports them."""
    return {adapter: json.loads(run("-m", "afi.worker", adapter)) for adapter in ADAPTERS}


@pytest.fixture(scope="session")
def exports() -> dict[str, dict[str, bytes]]:
    """Per export ("ir", "manifest") and adapter: the command's stdout bytes."""
    return {kind: {adapter: command() for adapter, command in commands.items()} for kind, commands in EXPORTS.items()}
