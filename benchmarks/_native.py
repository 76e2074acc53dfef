"""Compile and import the benchmark-only C modules under benchmarks/native/.

They are comparison columns, not part of mizan: each is built on first use with the
system compiler against the same pkg-config libraries as the extension, into
build/bench-native/, and rebuilt when its source is newer than the built module.
"""

from __future__ import annotations

import importlib.util
import shlex
import shutil
import subprocess
import sysconfig
from pathlib import Path
from types import ModuleType

SOURCES = Path(__file__).resolve().parent / "native"
BUILD = Path(__file__).resolve().parent.parent / "build" / "bench-native"


def load(name: str, libraries: tuple[str, ...]) -> ModuleType:
    """The module `name` compiled from native/<name>.c and linked with `libraries`
    (pkg-config names); raises RuntimeError with the reason when it cannot be built."""
    source = SOURCES / f"{name}.c"
    target = BUILD / f"{name}{sysconfig.get_config_var('EXT_SUFFIX')}"
    if not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
        _compile(source, target, libraries)
    spec = importlib.util.spec_from_file_location(name, target)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {target}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _compile(source: Path, target: Path, libraries: tuple[str, ...]) -> None:
    compiler = sysconfig.get_config_var("CC") or "cc"
    if shutil.which(shlex.split(compiler)[0]) is None or shutil.which("pkg-config") is None:
        raise RuntimeError("a C compiler and pkg-config are needed")
    flags = subprocess.run(
        ["pkg-config", "--cflags", "--libs", *libraries], capture_output=True, text=True, check=False
    )
    if flags.returncode != 0:
        raise RuntimeError(f"pkg-config {' '.join(libraries)}: {flags.stderr.strip()}")
    BUILD.mkdir(parents=True, exist_ok=True)
    command = [
        *shlex.split(compiler),
        "-O2",
        "-Wall",
        "-Wextra",
        "-shared",
        "-fPIC",
        f"-I{sysconfig.get_paths()['include']}",
        str(source),
        "-o",
        str(target),
        *shlex.split(flags.stdout),
    ]
    built = subprocess.run(command, capture_output=True, text=True, check=False)
    if built.returncode != 0 or built.stderr.strip():
        raise RuntimeError(f"compiling {source.name} failed or warned:\n{built.stderr}")
