#!/usr/bin/env bash
# Create .venv-newest for `make test-newest`: the newest CPython this machine has, with the
# newest Django, running the C-extension pass. The main .venv stays on the interpreter the
# README names (python3, 3.11 on Debian 12), so CI covers both ends of the support range.
#
# Candidates, newest first: python3.14, python3.13, python3.12, on PATH or installed by
# pyenv. The one found is printed; with none of them the script says so and exits 3 (the
# Makefile then skips the pass: a machine with only 3.11 has nothing newer to test). The
# editable install
# compiles the extension for that interpreter next to the main one (mizan/_speedups.<abi>.so,
# one file per ABI), with MIZAN_STRICT=1 as `make build` does. Idempotent: redone only when
# pyproject.toml or setup.py changed, or the extension for that interpreter is missing.
#
# Environment: VENV_NEWEST (default .venv-newest), NEWEST_CANDIDATES (override the list).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV="${VENV_NEWEST:-.venv-newest}"
STAMP="$VENV/.mizan-install.stamp"
read -r -a candidates <<<"${NEWEST_CANDIDATES:-python3.14 python3.13 python3.12}"

export PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_NO_INPUT=1

say() { printf 'newest-venv: %s\n' "$*" >&2; }

# Each candidate on PATH, else in pyenv's versions (pyenv's shims on PATH run only the
# versions selected with `pyenv global`/`local`, so each found command is asked to run).
runs() { "$1" -c 'import sys' >/dev/null 2>&1; }
python=""
for candidate in "${candidates[@]}"; do
    if command -v "$candidate" >/dev/null 2>&1 && runs "$candidate"; then
        python="$(command -v "$candidate")"
        break
    fi
    for found in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"${candidate#python}"*/bin/"$candidate"; do
        if [ -x "$found" ] && runs "$found"; then
            python="$found"
        fi
    done
    [ -n "$python" ] && break
done
if [ -z "$python" ]; then
    say "none of ${candidates[*]} found (PATH, pyenv): the newest-CPython pass is skipped"
    exit 3
fi
version="$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
say "found $python (Python $version)"

suffix="$("$python" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')"
stale() {
    [ -x "$VENV/bin/python" ] || return 0
    [ "$("$VENV/bin/python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')" = "$version" ] || return 0
    [ -f "$STAMP" ] || return 0
    [ pyproject.toml -nt "$STAMP" ] && return 0
    [ setup.py -nt "$STAMP" ] && return 0
    [ -e "mizan/_speedups$suffix" ] || return 0
    return 1
}

if stale; then
    rm -rf "$VENV"
    say "creating $VENV"
    "$python" -m venv "$VENV"
    printf '*\n' >"$VENV/.gitignore"
    "$VENV/bin/python" -m pip install -q --upgrade pip 'setuptools>=77' wheel
    say "pip install -e '.[dev]' and the newest Django (compiles mizan/_speedups$suffix)"
    env -u MIZAN_PURE -u MIZAN_DEBUG -u MIZAN_SANITIZE -u MIZAN_COVERAGE MIZAN_STRICT=1 \
        "$VENV/bin/python" -m pip install -q -e '.[dev]'
    "$VENV/bin/python" -m pip install -q --upgrade Django
    "$VENV/bin/python" -m pip check >&2
    touch "$STAMP"
fi
