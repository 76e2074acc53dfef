"""Builds the libFuzzer harness of mz_csrf (the CSRF token check, urlsplit and host pieces)
with gcc under ASan and UBSan, without Python.h, and runs a deterministic mutation pass."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.fuzz.test_fuzz import HERE, ROUNDS, SRC, _clean_env


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("gcc") is None:
        pytest.skip("gcc is needed to build the harness")
    binary = tmp_path_factory.mktemp("fuzz") / "fuzz_csrf"
    command = [
        "gcc",
        "-std=c11",
        "-O1",
        "-g",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-fsanitize=address,undefined",
        "-fno-sanitize-recover=undefined",
        "-fno-omit-frame-pointer",
        "-DMZ_ASSERT_CONSISTENT=1",
        f"-I{SRC}",
        str(HERE / "fuzz_csrf.c"),
        str(HERE / "fuzz_main.c"),
        str(SRC / "mz_csrf.c"),
        "-o",
        str(binary),
    ]
    done = subprocess.run(command, capture_output=True, text=True, env=_clean_env())
    assert done.returncode == 0, done.stderr
    return binary


def test_csrf_mutation_pass(harness: Path) -> None:
    seeds = sorted(str(p) for p in (HERE / "corpus").iterdir())
    env = _clean_env()
    env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=1"
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    done = subprocess.run([str(harness), ROUNDS, *seeds], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"fuzzed {len(seeds)} seeds x {ROUNDS} rounds")
