"""Builds each libFuzzer harness of the Python-free C with gcc (no Python.h on the include
path, which proves the mz_* files do not need it) under ASan and UBSan, and runs a
deterministic mutation pass over its seed corpus."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SRC = ROOT / "src"
ROUNDS = os.environ.get("MIZAN_FUZZ_ROUNDS", "3000")


@dataclass(frozen=True)
class Harness:
    """One harness: its entry file, the mz_* sources it links, their pkg-config packages."""

    entry: str
    sources: tuple[str, ...]
    packages: tuple[str, ...] = ()
    corpus: str = "corpus"
    libraries: tuple[str, ...] = ()


HARNESSES = {
    # JSON reader, argument validation, invalidation headers.
    "core": Harness("fuzz_core.c", ("mz_buf.c", "mz_json.c", "mz_validate.c", "mz_invalidate.c"), ("jansson",)),
    # The CSRF token check: format, unmask and match, urlsplit, host split.
    "csrf": Harness("fuzz_csrf.c", ("mz_csrf.c",)),
    # MWT-4: the strict token reader and the claim rules, on mutated tokens raw and re-signed
    # (a seed starting with '#' is signed by the harness).
    "mwt": Harness("fuzz_mwt.c", ("mz_mwt.c", "mz_hmac.c"), ("jansson", "libcrypto"), "corpus_mwt", ("-lm",)),
}


def _clean_env() -> dict[str, str]:
    # Under scripts/test-asan.sh the sanitizer runtime is preloaded for Python; the
    # harness links its own.
    return {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "PYTHONMALLOC")}


def _build(name: str, spec: Harness, directory: Path) -> Path:
    if shutil.which("gcc") is None or (spec.packages and shutil.which("pkg-config") is None):
        pytest.skip("gcc and pkg-config are needed to build the harness")
    flags = (
        subprocess.run(
            ["pkg-config", "--cflags", "--libs", *spec.packages], capture_output=True, text=True, check=True
        ).stdout.split()
        if spec.packages
        else []
    )
    binary = directory / f"fuzz_{name}"
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
        str(HERE / spec.entry),
        str(HERE / "fuzz_main.c"),
        *(str(SRC / source) for source in spec.sources),
        *flags,
        *spec.libraries,
        "-o",
        str(binary),
    ]
    done = subprocess.run(command, capture_output=True, text=True, env=_clean_env())
    assert done.returncode == 0, done.stderr
    return binary


@pytest.mark.parametrize("name", sorted(HARNESSES))
def test_mutation_pass(name: str, tmp_path: Path) -> None:
    spec = HARNESSES[name]
    harness = _build(name, spec, tmp_path)
    seeds = sorted(str(p) for p in (HERE / spec.corpus).iterdir())
    assert seeds
    env = _clean_env()
    env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=1"
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    done = subprocess.run([str(harness), ROUNDS, *seeds], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"fuzzed {len(seeds)} seeds x {ROUNDS} rounds")
