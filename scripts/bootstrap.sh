#!/usr/bin/env bash
# Idempotent setup, run first by every make target: `scripts/bootstrap.sh PROFILE`.
#
# A profile says what the target needs, and nothing more is installed:
#
#   demo   the C build (a C compiler, pkg-config, libjansson-dev, libhiredis-dev,
#          libssl-dev, and the Python headers and venv module when the interpreter is
#          Debian's own), the virtualenv, `pip install -e '.[demo]'` (Django, Channels,
#          uvicorn), nodejs and npm, and `npm ci` in examples/demo/frontend (react,
#          react-dom, esbuild and typescript for the demo's pages, pinned by its lock).
#   test   demo's, plus redis-server (the Redis tests start one), postgresql (the
#          PostgreSQL pass starts a throwaway server with its initdb and pg_ctl), valgrind
#          (make bench-check counts instructions with callgrind), clang-format and cppcheck
#          (make lint), the `dev` extra, `npm ci` in tests/ssr (react, react-dom and esbuild
#          for the test components, pinned by tests/ssr/package-lock.json) and in
#          tests/codegen (typescript, which type-checks the generated clients, pinned by its lock),
#          and chromium (the browser tests drive Debian's chromium through Playwright, never a
#          downloaded browser).
#   bench  test's, plus wrk (the HTTP load generator of make bench) and the `bench` extra.
#
# Each Debian package is installed only when its command or library is missing, with
# apt-get, as root or through sudo. The editable install compiles the C extension once, in
# place (next to mizan/__init__.py), with MIZAN_STRICT=1, and marks the strict build done
# for `make build`; it is redone when pyproject.toml or setup.py changes, when `mizan` no
# longer resolves to this checkout, or when the profile needs extras not installed yet.
#
# Environment: PYTHON (interpreter for the venv, default python3), VENV (default .venv).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd -P)"

PROFILE="${1:-test}"
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
STAMP="$VENV/.mizan-install.stamp" # holds the extras installed, one per line
BUILD_STAMP="build/.mizan-strict.stamp"

export DEBIAN_FRONTEND=noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_NO_INPUT=1

say() { printf 'bootstrap: %s\n' "$*" >&2; }
die() {
    printf 'bootstrap: error: %s\n' "$*" >&2
    exit 1
}

case "$PROFILE" in
    demo) extras=(demo) ;;
    test) extras=(dev) ;;
    bench) extras=(dev bench) ;;
    *) die "unknown profile '$PROFILE' (demo, test or bench)" ;;
esac
wants() { # wants PROFILE...: the current profile is one of them
    local p
    for p in "$@"; do [ "$PROFILE" = "$p" ] && return 0; done
    return 1
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

apt_install() {
    command -v apt-get >/dev/null 2>&1 ||
        die "missing $*; this script installs them with apt-get (Debian/Ubuntu); install them with your system's package manager and rerun"
    say "installing Debian packages: $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
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

# The C extension's libraries (libcrypto: HMAC-SHA256), found through pkg-config.
command -v pkg-config >/dev/null 2>&1 || packages+=(pkg-config)
for lib in jansson:libjansson-dev hiredis:libhiredis-dev libcrypto:libssl-dev; do
    if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists "${lib%%:*}"; then
        packages+=("${lib#*:}")
    fi
done

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

if wants test bench; then
    command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
    # Debian keeps the server binaries off PATH, in /usr/lib/postgresql/<version>/bin.
    if ! command -v initdb >/dev/null 2>&1 && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
        packages+=(postgresql)
    fi
    command -v valgrind >/dev/null 2>&1 || packages+=(valgrind)
    command -v clang-format >/dev/null 2>&1 || packages+=(clang-format)
    command -v cppcheck >/dev/null 2>&1 || packages+=(cppcheck)
    # The browser tests (tests/browser) drive it through Playwright; none is downloaded.
    command -v chromium >/dev/null 2>&1 || packages+=(chromium)
fi
# Node.js runs the SSR worker (the demo's pages, the SSR tests) and the demo's build.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
if wants bench; then
    command -v wrk >/dev/null 2>&1 || packages+=(wrk)
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

installed=()
[ -f "$STAMP" ] && mapfile -t installed <"$STAMP"

install_stale() {
    [ -f "$STAMP" ] || return 0
    [ pyproject.toml -nt "$STAMP" ] && return 0
    [ setup.py -nt "$STAMP" ] && return 0
    local extra have
    for extra in "${extras[@]}"; do
        for have in "${installed[@]}"; do [ "$have" = "$extra" ] && continue 2; done
        return 0
    done
    # The editable finder must map `mizan` to this very checkout, whatever the cwd.
    # (-P: leave the current directory off sys.path, as when running from elsewhere.)
    local origin
    origin="$("$VENV/bin/python" -P -c 'import importlib.util as u, os; s = u.find_spec("mizan"); print(os.path.realpath(s.origin) if s and s.origin else "")' 2>/dev/null)" || return 0
    [ "$origin" = "$ROOT/mizan/__init__.py" ] || return 0
    return 1
}

if install_stale; then
    # Keep what an earlier profile installed (`make test` after `make demo` adds to it).
    mapfile -t all < <(printf '%s\n' "${installed[@]}" "${extras[@]}" | sed '/^$/d' | sort -u)
    spec=".[$(
        IFS=,
        echo "${all[*]}"
    )]"
    say "pip install -e '$spec' (compiles the C extension in place, strict)"
    rm -f "$STAMP"
    # setup.py is also run directly (`make build`), so the venv's own setuptools must
    # satisfy [build-system] requires, not only pip's isolated build environment.
    "$VENV/bin/python" -m pip install -q --upgrade pip 'setuptools>=77' wheel
    env -u MIZAN_PURE -u MIZAN_DEBUG -u MIZAN_SANITIZE -u MIZAN_COVERAGE MIZAN_STRICT=1 \
        "$VENV/bin/python" -m pip install -q -e "$spec"
    printf '%s\n' "${all[@]}" >"$STAMP"
    # The extension just built is the strict release build `make build` would make.
    mkdir -p "$(dirname "$BUILD_STAMP")" && touch "$BUILD_STAMP"
fi

# --- 4. npm packages ---------------------------------------------------------------------

# `npm ci` installs exactly the committed lock; npm rewrites node_modules/.package-lock.json
# at the end of each install, so a lock newer than it (a checkout, an upgrade) reinstalls.
npm_ci() {  # <dir> <what it is for>
    [ -f "$1/package-lock.json" ] || return 0
    if [ ! "$1/node_modules/.package-lock.json" -nt "$1/package-lock.json" ]; then
        say "npm ci in $1 ($2)"
        (cd "$1" && npm ci --no-audit --no-fund --loglevel=error)
    fi
}

if wants test bench; then
    npm_ci tests/ssr "react, react-dom, esbuild for the SSR worker's tests"
    npm_ci tests/codegen "typescript, to type-check the generated clients"
fi
# The demo's pages (every profile): the SSR worker renders its components from there, and
# `make demo-assets` type-checks and bundles them.
npm_ci examples/demo/frontend "react, react-dom, esbuild, typescript for the demo's pages"
