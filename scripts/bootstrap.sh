#!/usr/bin/env bash
# Idempotent development setup, run first by every make target.
#
#   1. Debian packages the build needs, installed only when missing: a C compiler,
#      pkg-config, libjansson-dev, libhiredis-dev, libssl-dev, redis-server, and the Python headers and
#      venv module when the interpreter is Debian's own; clang-format and cppcheck when
#      LINT=1; valgrind (make bench-check, part of make test, counts instructions with
#      callgrind); wrk when BENCH=1 (the HTTP load generator of make bench). apt-get runs
#      as root, or through sudo.
#   2. The virtualenv .venv, created with ${PYTHON:-python3} (Python >= 3.11).
#   3. `pip install -e '.[dev]'` into it when the install is stale: no stamp yet, or
#      pyproject.toml/setup.py newer than the stamp, or `mizan` no longer resolving to this
#      checkout. The editable install compiles mizan/_speedups*.so in place (next to
#      mizan/__init__.py) and maps the `mizan` package to this directory, so later in-place
#      rebuilds (`make build`) are what every interpreter of the venv imports, from any
#      working directory. With BENCH=1, also the `bench` extra (the comparison libraries).
#
# Environment: PYTHON (interpreter for the venv), VENV (default .venv), LINT=1, BENCH=1.
# Safe to run repeatedly; does nothing when everything is in place.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd -P)"

PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
LINT="${LINT:-0}"
BENCH="${BENCH:-0}"
STAMP="$VENV/.mizan-install.stamp"
BENCH_STAMP="$VENV/.mizan-bench.stamp"

export DEBIAN_FRONTEND=noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_NO_INPUT=1

say() { printf 'bootstrap: %s\n' "$*" >&2; }
die() {
    printf 'bootstrap: error: %s\n' "$*" >&2
    exit 1
}

# --- 1. Debian packages ------------------------------------------------------------------

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root to run '$*': run as root, install sudo, or install the packages yourself"
    fi
}

APT_UPDATED=0
apt_install() {
    command -v apt-get >/dev/null 2>&1 ||
        die "missing $*; this script installs them with apt-get (Debian/Ubuntu); install them with your system's package manager and rerun"
    say "installing Debian packages: $*"
    if [ "$APT_UPDATED" -eq 0 ]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
        APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

command -v "$PYTHON" >/dev/null 2>&1 ||
    die "'$PYTHON' not found; install Python >= 3.11 (Debian 12: apt-get install python3) or set PYTHON=/path/to/python3.11+"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    die "Python >= 3.11 is required, but $PYTHON is $("$PYTHON" -c 'import sys; print(sys.version.split()[0])'); set PYTHON to a newer interpreter"
PY_VER="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"

packages=()

# A C compiler and libc headers (a bare `gcc` without libc6-dev cannot build anything).
if ! printf 'int main(void) { return 0; }\n' | "${CC:-cc}" -x c - -o /dev/null >/dev/null 2>&1; then
    packages+=(gcc libc6-dev)
fi

# The C extension's libraries (libcrypto: HMAC-SHA256), found through pkg-config, and the
# Redis server for tests.
if ! command -v pkg-config >/dev/null 2>&1 ||
    ! pkg-config --exists jansson ||
    ! pkg-config --exists hiredis ||
    ! pkg-config --exists libcrypto ||
    ! command -v redis-server >/dev/null 2>&1; then
    packages+=(pkg-config libjansson-dev libhiredis-dev libssl-dev redis-server)
fi

# Python.h and the venv module: Debian splits both out of its python3 package. Only an
# interpreter from Debian (installed under /usr) can be fixed with apt; others must bring
# their own.
debian_python=0
[ "$("$PYTHON" -c 'import sys; print(sys.base_prefix)')" = /usr ] && debian_python=1
if ! "$PYTHON" -c 'import os, sys, sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))'; then
    [ "$debian_python" -eq 1 ] || die "$PYTHON has no Python.h (C headers); use an interpreter that ships them"
    packages+=("python$PY_VER-dev")
fi
if [ ! -x "$VENV/bin/python" ] && ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    [ "$debian_python" -eq 1 ] || die "$PYTHON cannot create virtualenvs (no ensurepip/venv module)"
    packages+=("python$PY_VER-venv")
fi

command -v valgrind >/dev/null 2>&1 || packages+=(valgrind)
if [ "$BENCH" = 1 ]; then
    command -v wrk >/dev/null 2>&1 || packages+=(wrk)
fi

if [ "$LINT" = 1 ]; then
    command -v clang-format >/dev/null 2>&1 || packages+=(clang-format)
    command -v cppcheck >/dev/null 2>&1 || packages+=(cppcheck)
fi

if [ "${#packages[@]}" -gt 0 ]; then
    apt_install "${packages[@]}"
fi

# --- 2. The virtualenv -------------------------------------------------------------------

venv_ok() {
    [ -x "$VENV/bin/python" ] &&
        [ "$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$PY_VER" ]
}

if ! venv_ok; then
    if [ -e "$VENV" ]; then
        say "recreating $VENV (broken, or not made with Python $PY_VER)"
        rm -rf "$VENV"
    fi
    say "creating $VENV with $PYTHON ($PY_VER)"
    "$PYTHON" -m venv "$VENV"
fi

# --- 3. Editable install -----------------------------------------------------------------

install_stale() {
    [ -f "$STAMP" ] || return 0
    [ pyproject.toml -nt "$STAMP" ] && return 0
    [ setup.py -nt "$STAMP" ] && return 0
    # The editable finder must map `mizan` to this very checkout, whatever the cwd.
    # (-P: leave the current directory off sys.path, as when running from elsewhere.)
    local origin
    origin="$("$VENV/bin/python" -P -c 'import importlib.util as u, os; s = u.find_spec("mizan"); print(os.path.realpath(s.origin) if s and s.origin else "")' 2>/dev/null)" || return 0
    [ "$origin" = "$ROOT/mizan/__init__.py" ] || return 0
    return 1
}

if install_stale; then
    say "pip install -e '.[dev]' (builds the C extension in place)"
    rm -f "$STAMP"
    # setup.py is also run directly (`make build`), so the venv's own setuptools must
    # satisfy [build-system] requires, not only pip's isolated build environment.
    "$VENV/bin/python" -m pip install -q --upgrade pip 'setuptools>=68' wheel
    "$VENV/bin/python" -m pip install -q -e '.[dev]'
    touch "$STAMP"
fi

# The benchmark tools (the bench extra), only for make bench; refreshed with pyproject.toml.
if [ "$BENCH" = 1 ] && { [ ! -f "$BENCH_STAMP" ] || [ pyproject.toml -nt "$BENCH_STAMP" ]; }; then
    say "pip install -e '.[dev,bench]' (the benchmark comparison libraries)"
    "$VENV/bin/python" -m pip install -q -e '.[dev,bench]'
    touch "$BENCH_STAMP"
fi
