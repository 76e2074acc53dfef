"""`manage.py export_mizan_ir` (IR-1, DISC-4): the IR on stdout and nothing else, or a
message on stderr and a non-zero exit."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import ckdl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo"
BUILD_IR = "import django, sys; django.setup()\nfrom mizan.core.ir import build_ir\nsys.stdout.write(build_ir())\n"


def _run(args: list[str], cwd: Path, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "MIZAN_DEMO_DB": str(tmp_path / "demo.sqlite3"), **env}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd, env=environment)


def test_ir1_export_writes_exactly_the_ir(tmp_path: Path) -> None:
    """IR-1: on the demo project the command prints `build_ir()` and nothing else, and does
    so identically on a second run."""
    demo = {"DJANGO_SETTINGS_MODULE": "demo_project.settings"}  # pytest-django exported the tests' own
    first = _run(["manage.py", "export_mizan_ir"], DEMO, tmp_path, **demo)
    second = _run(["manage.py", "export_mizan_ir"], DEMO, tmp_path, **demo)
    direct = _run(["-c", BUILD_IR], DEMO, tmp_path, **demo)
    assert (first.returncode, first.stderr) == (0, "")
    assert first.stdout == second.stdout == direct.stdout
    assert 'function "add_task" {' in first.stdout and 'context "board" {' in first.stdout
    assert first.stdout.endswith("}\n")
    ckdl.parse(first.stdout, version=2)  # a real KDL 2.0 parser accepts it


def test_ir13_build_error_is_a_message_and_exit_1(tmp_path: Path) -> None:
    """IR.md §13: the test project holds two model classes called `Item` (in two apps); the
    export refuses, prints nothing on stdout, and names both classes on stderr."""
    env = {"DJANGO_SETTINGS_MODULE": "tests.django.project.settings", "PYTHONPATH": str(ROOT)}
    result = _run(["-m", "django", "export_mizan_ir"], ROOT, tmp_path, **env)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "type name 'Item' is claimed by" in result.stderr


def test_ir1_command_error_in_process() -> None:
    """The same refusal through `call_command`: a CommandError, nothing written."""
    out = StringIO()
    with pytest.raises(CommandError, match="type name 'Item' is claimed by"):
        call_command("export_mizan_ir", stdout=out)
    assert out.getvalue() == ""


def test_ir1_output_option_writes_the_file(tmp_path: Path) -> None:
    """IR-1: `export_mizan_ir -o FILE` writes the bytes stdout would carry and prints
    nothing; a refused export (the test project's build error) leaves FILE as it was."""
    demo = {"DJANGO_SETTINGS_MODULE": "demo_project.settings"}
    target = tmp_path / "mizan.kdl"
    written = _run(["manage.py", "export_mizan_ir", "-o", str(target)], DEMO, tmp_path, **demo)
    printed = _run(["manage.py", "export_mizan_ir"], DEMO, tmp_path, **demo)
    assert (written.returncode, written.stdout, written.stderr) == (0, "", "")
    assert target.read_bytes() == printed.stdout.encode("utf-8")
    target.write_bytes(b"previous")
    out = StringIO()
    with pytest.raises(CommandError, match="type name 'Item' is claimed by"):
        call_command("export_mizan_ir", "--output", str(target), stdout=out)
    assert (out.getvalue(), target.read_bytes()) == ("", b"previous")
