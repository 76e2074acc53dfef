"""Builds the C extension `mizan._speedups`; all other metadata lives in pyproject.toml.

Compiler and linker flags for jansson, hiredis and libcrypto come from pkg-config. A failed build is
fatal unless MIZAN_PURE=1 (then the package installs without it and runs on the twins).
Knobs: MIZAN_PURE, MIZAN_DEBUG, MIZAN_SANITIZE, MIZAN_COVERAGE, MIZAN_STRICT.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from glob import glob

from setuptools import Extension, setup

REQUIRED = {"jansson": "2.13", "hiredis": "0.14", "libcrypto": "3.0"}
DEBIAN_HINT = "sudo apt-get install pkg-config libjansson-dev libhiredis-dev libssl-dev"


def _flag(name: str) -> bool:
    return os.environ.get(name, "") == "1"


def _pkg_config(*args: str) -> list[str]:
    try:
        out = subprocess.run(["pkg-config", *args], check=True, capture_output=True, text=True).stdout
    except FileNotFoundError:
        sys.exit(f"mizan: pkg-config is not installed; on Debian: {DEBIAN_HINT}")
    except subprocess.CalledProcessError as exc:
        sys.exit(f"mizan: pkg-config {' '.join(args)} failed:\n{exc.stderr}\nOn Debian: {DEBIAN_HINT}")
    return shlex.split(out)


def _extension() -> Extension:
    for lib, version in REQUIRED.items():
        _pkg_config(f"--atleast-version={version}", lib)
    include_dirs, library_dirs, libraries, extra_compile = ["src"], [], [], []
    for flag in _pkg_config("--cflags", *REQUIRED):
        if flag.startswith("-I"):
            include_dirs.append(flag[2:])
        else:
            extra_compile.append(flag)
    extra_link = []
    for flag in _pkg_config("--libs", *REQUIRED):
        if flag.startswith("-L"):
            library_dirs.append(flag[2:])
        elif flag.startswith("-l"):
            libraries.append(flag[2:])
        else:
            extra_link.append(flag)
    extra_compile += [
        "-std=c11",
        "-Wall",
        "-Wextra",
        "-Wshadow",
        "-Wstrict-prototypes",
        "-Wmissing-prototypes",
        "-fvisibility=hidden",
    ]
    macros: list[tuple[str, str | None]] = []
    if _flag("MIZAN_STRICT"):
        extra_compile.append("-Werror")
    if _flag("MIZAN_DEBUG") or _flag("MIZAN_SANITIZE"):
        extra_compile += ["-O0", "-g3", "-UNDEBUG"]
        macros.append(("MZ_ASSERT_CONSISTENT", "1"))
    if _flag("MIZAN_SANITIZE"):
        sanitize = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=undefined"]
        extra_compile += sanitize
        extra_link += sanitize
    if _flag("MIZAN_COVERAGE"):
        extra_compile += ["--coverage", "-O0"]
        extra_link += ["--coverage"]
    return Extension(
        "mizan._speedups",
        sources=sorted(glob("src/*.c")),
        include_dirs=include_dirs,
        library_dirs=library_dirs,
        libraries=libraries,
        define_macros=macros,
        extra_compile_args=extra_compile,
        extra_link_args=extra_link,
    )


setup(ext_modules=[] if _flag("MIZAN_PURE") else [_extension()])
