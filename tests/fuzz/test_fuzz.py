"""Builds the libFuzzer harness of the Python-free core with gcc (no Python.h on the include
path, which proves the mz_* files do not need it) under ASan and UBSan, and runs a
deterministic mutation pass over the seed corpus."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SRC = ROOT / "src"
ROUNDS = os.environ.get("MIZAN_FUZZ_ROUNDS", "3000")


def _clean_env() -> dict[str, str]:
    # Under scripts/test-asan.sh the sanitizer runtime is preloaded for Python; the
    # harness links its own.
    return {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "PYTHONMALLOC")}


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("gcc") is None or shutil.which("pkg-config") is None:
        pytest.skip("gcc and pkg-config are needed to build the harness")
    jansson = subprocess.run(
        ["pkg-config", "--cflags", "--libs", "jansson"], capture_output=True, text=True, check=True
    ).stdout.split()
    binary = tmp_path_factory.mktemp("fuzz") / "fuzz_core"
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
        str(HERE / "fuzz_core.c"),
        str(HERE / "fuzz_main.c"),
        *(str(SRC / name) for name in ("mz_buf.c", "mz_json.c", "mz_validate.c", "mz_invalidate.c")),
        *jansson,
        "-o",
        str(binary),
    ]
    done = subprocess.run(command, capture_output=True, text=True, env=_clean_env())
    assert done.returncode == 0, done.stderr
    return binary


def test_core_builds_without_python(harness: Path) -> None:
    assert harness.exists()


def test_mutation_pass(harness: Path) -> None:
    seeds = sorted(str(p) for p in (HERE / "corpus").iterdir())
    assert seeds
    env = _clean_env()
    env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=1"
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    done = subprocess.run([str(harness), ROUNDS, *seeds], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"fuzzed {len(seeds)} seeds x {ROUNDS} rounds")


@pytest.fixture(scope="module")
def mwt_harness(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The MWT reader's harness (mz_mwt, mz_hmac over libcrypto), built the same way."""
    if shutil.which("gcc") is None or shutil.which("pkg-config") is None:
        pytest.skip("gcc and pkg-config are needed to build the harness")
    libraries = subprocess.run(
        ["pkg-config", "--cflags", "--libs", "jansson", "libcrypto"], capture_output=True, text=True, check=True
    ).stdout.split()
    binary = tmp_path_factory.mktemp("fuzz") / "fuzz_mwt"
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
        f"-I{SRC}",
        str(HERE / "fuzz_mwt.c"),
        str(HERE / "fuzz_main.c"),
        str(SRC / "mz_mwt.c"),
        str(SRC / "mz_hmac.c"),
        *libraries,
        "-lm",
        "-o",
        str(binary),
    ]
    done = subprocess.run(command, capture_output=True, text=True, env=_clean_env())
    assert done.returncode == 0, done.stderr
    return binary


def test_mwt_mutation_pass(mwt_harness: Path) -> None:
    """MWT-4: the strict reader and the claim rules under ASan/UBSan on mutated tokens,
    raw and re-signed (a seed starting with '#' is signed by the harness)."""
    seeds = sorted(str(p) for p in (HERE / "corpus_mwt").iterdir())
    assert seeds
    env = _clean_env()
    env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=1"
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    done = subprocess.run([str(mwt_harness), ROUNDS, *seeds], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"fuzzed {len(seeds)} seeds x {ROUNDS} rounds")
