#!/usr/bin/env bash
# Build mizan._speedups with AddressSanitizer + UndefinedBehaviorSanitizer in a separate
# copy of the tree (build/asan/) and run the C-touching tests against it (STYLE B7).
#
# The normal in-place build in mizan/ is left alone: sources, package and tests are copied
# to build/asan/, built there with MIZAN_SANITIZE=1, and pytest runs from that directory
# with the sanitizer runtime preloaded into an uninstrumented CPython.
#
# Usage: PYTHON=.venv/bin/python scripts/test-asan.sh [pytest arguments...]
#   default pytest arguments: tests/core tests/property tests/leaks
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
case "$PYTHON" in
    /*) ;;
    */*) PYTHON="$ROOT/$PYTHON" ;;  # a relative path such as .venv/bin/python
esac
WORK="$ROOT/build/asan"

LIBASAN="$(gcc -print-file-name=libasan.so)"
LIBUBSAN="$(gcc -print-file-name=libubsan.so)"
for lib in "$LIBASAN" "$LIBUBSAN"; do
    if [[ "$lib" != /* || ! -e "$lib" ]]; then
        echo "test-asan: $(basename "$lib") not found (gcc -print-file-name); install gcc's sanitizer runtimes" >&2
        exit 1
    fi
done

echo "==> test-asan: copying the tree to ${WORK#"$ROOT"/}"
rm -rf "$WORK/mizan" "$WORK/src" "$WORK/tests"
mkdir -p "$WORK"
cp -a "$ROOT/mizan" "$ROOT/src" "$ROOT/tests" "$ROOT/setup.py" "$ROOT/pyproject.toml" "$WORK/"
for optional in README.md LICENSE MANIFEST.in; do
    if [[ -e "$ROOT/$optional" ]]; then
        cp -a "$ROOT/$optional" "$WORK/"
    fi
done
# Never let the copied release build stand in for the sanitizer build.
find "$WORK/mizan" "$WORK/tests" \( -name '*.so' -o -name '__pycache__' \) -prune -exec rm -rf {} +

echo "==> test-asan: building with MIZAN_SANITIZE=1"
(
    cd "$WORK"
    env -u MIZAN_PURE -u MIZAN_DEBUG -u MIZAN_COVERAGE MIZAN_SANITIZE=1 MIZAN_STRICT=1 \
        "$PYTHON" setup.py -q build_ext --inplace --force
)

# ASan must be the first DSO loaded; the extension pulls libubsan in itself, preloading it
# too keeps the order explicit. PYTHONMALLOC=malloc routes Python's allocations through
# ASan's malloc so that overflows into Python objects are seen. CPython itself leaks by
# design at exit, hence detect_leaks=0 (leaks are checked by tests/leaks instead).
export LD_PRELOAD="$LIBASAN $LIBUBSAN${LD_PRELOAD:+ $LD_PRELOAD}"
export PYTHONMALLOC=malloc
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export MIZAN_SANITIZED=1
export PYTHONPATH="$WORK"
unset MIZAN_PURE
cd "$WORK"

echo "==> test-asan: checking which mizan is imported"
"$PYTHON" - "$WORK" <<'PY'
import os
import sys

import mizan
import mizan._speedups as ext

work = os.path.realpath(sys.argv[1])
print("    mizan:", mizan.__file__)
print("    mizan._speedups:", ext.__file__)
for path in (mizan.__file__, ext.__file__):
    if not os.path.realpath(path).startswith(work + os.sep):
        sys.exit(f"test-asan: imported {path}, not the sanitizer copy under {work}")
with open(ext.__file__, "rb") as shared:
    if b"__asan_init" not in shared.read():
        sys.exit("test-asan: the extension is not built with AddressSanitizer")
PY

if [[ $# -eq 0 ]]; then
    set -- tests/core tests/property tests/leaks
fi
echo "==> test-asan: pytest $*"
"$PYTHON" -m pytest -q -p no:cacheprovider "$@"
