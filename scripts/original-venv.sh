#!/usr/bin/env bash
# Create .venv-original: the original product (django-izana 1.1.0 on izana-core 0.3.0, from
# PyPI) with its dependencies pinned in afi/original/requirements.txt, for the side-by-side job
# afi/jobs/test_original.py. Idempotent: does nothing when the venv was built from the current
# requirements file.
#
# Mizan itself is not installed there. The job runs the original's worker with the repository
# on PYTHONPATH and MIZAN_PURE=1, so the shared fixture can import `mizan.core` (the pure
# twins, no C build) while the Django app, URLs, settings and auth are the original's.
#
# Environment: PYTHON (interpreter, default python3, >= 3.10 as the original requires),
# VENV_ORIGINAL (default .venv-original). On failure the half-built venv is removed, so the
# job skips instead of running against it.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-python3}"
VENV="${VENV_ORIGINAL:-.venv-original}"
REQUIREMENTS="afi/original/requirements.txt"
STAMP="$VENV/.requirements.sha256"

export PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_NO_INPUT=1

say() { printf 'original-venv: %s\n' "$*" >&2; }

want="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    exit 0
fi

"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' ||
    { say "error: $PYTHON is older than 3.10, which django-izana 1.1.0 requires"; exit 1; }

cleanup() {
    say "error: installing the original failed; removing $VENV"
    rm -rf "$VENV"
}
trap cleanup ERR

rm -f "$STAMP"
if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV with $("$PYTHON" --version 2>&1)"
    "$PYTHON" -m venv "$VENV"
fi
# Keep it out of git status, as Python >= 3.13's venv does by itself.
printf '*\n' > "$VENV/.gitignore"
say "installing $REQUIREMENTS"
"$VENV/bin/python" -m pip install --quiet --requirement "$REQUIREMENTS"
"$VENV/bin/python" -m pip check >&2
"$VENV/bin/python" -c 'import izana_core.executor, izana_core.mwt, django; print("original-venv: izana-core and Django", django.get_version(), "import")' >&2
echo "$want" > "$STAMP"
trap - ERR
