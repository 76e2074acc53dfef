"""Shared helpers of the code generator's tests: export an IR in a fresh process, run the
generator's CLI, and type-check what it wrote with the committed TypeScript (`npm ci` in
tests/codegen, done by scripts/bootstrap.sh)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TSC = HERE / "node_modules" / ".bin" / "tsc"
RUNTIME_DECLARATIONS = ROOT / "mizan" / "static" / "mizan" / "client.d.ts"
# The strictest common setting: an ES module, `--strict`, the DOM's File/Blob/fetch.
TSC_FLAGS = ("--noEmit", "--strict", "--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext")
TSC_FLAGS += ("--lib", "es2022,dom")
# What a bundled app sets (esbuild, Vite): bundler resolution, every file on its own.
BUNDLER_FLAGS = ("--noEmit", "--strict", "--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler")
BUNDLER_FLAGS += ("--lib", "es2022,dom", "--isolatedModules", "--verbatimModuleSyntax")


def run_python(args: Sequence[str], cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[str]:
    """`python ARGS` in a fresh process (so a registry module registers from scratch)."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd, env=environment)


def export_fastapi_ir(module: str, target: Path) -> Path:
    """The IR of `module`'s registrations, written by FastAPI's IR export."""
    result = run_python(["-m", "mizan_fastapi.ir", module, "-o", str(target)])
    assert result.returncode == 0, result.stderr
    return target


def generate(ir_file: Path, output: Path, *extra: str) -> str:
    """Run `python -m mizan.codegen` end to end; returns the module it wrote."""
    result = run_python(["-m", "mizan.codegen", str(ir_file), "-o", str(output), *extra])
    assert (result.returncode, result.stderr, result.stdout) == (0, "", ""), result.stderr
    return output.read_text(encoding="utf-8")


@dataclass
class TypeCheck:
    returncode: int
    output: str


def typecheck(directory: Path, files: Sequence[str], flags: Sequence[str] = TSC_FLAGS) -> TypeCheck:
    """`tsc --noEmit --strict` over `files` of `directory`, beside a copy of the runtime's
    declarations as `client.d.ts` (the generated modules import `./client.js`)."""
    shutil.copyfile(RUNTIME_DECLARATIONS, directory / "client.d.ts")
    (directory / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
    result = subprocess.run([str(TSC), *flags, *files], capture_output=True, text=True, cwd=directory)
    return TypeCheck(result.returncode, result.stdout + result.stderr)


needs_tsc = pytest.mark.skipif(
    not TSC.exists(), reason=f"TypeScript is not installed ({TSC}); run `npm ci` in tests/codegen"
)
