"""Leak checks of mizan._speedups: every entry point, success and error paths, looped in a
fresh interpreter (tests/leaks/leak_check.py) until reference counts, gc-tracked objects
and malloc'ed bytes must have levelled off (STYLE B7)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.redis_server import RedisServer

pytestmark = pytest.mark.c_extension

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
GROUPS = [
    "parse_json",
    "parse_call",
    "encode_json",
    "json_models",
    "compile_params",
    "validate_args",
    "compile_invalidation",
    "resolve_invalidation",
    "invalidate_header",
    "cachekey",
    "memory_cache",
    "write_kdl",
    "verify_mwt_claims",
]
ITERATIONS = int(os.environ.get("MIZAN_LEAK_ITERATIONS", "4000"))
# Bytes malloc may hold on to after ITERATIONS calls without it being a leak (allocator
# caches); one leaked jansson node or buffer per call would be far above it.
MALLOC_SLACK = 16 * 1024


def run_group(group: str, iterations: int = ITERATIONS, **extra_env: str) -> list[dict[str, Any]]:
    if os.environ.get("MIZAN_PURE") == "1":
        pytest.skip("MIZAN_PURE=1: no extension to check")
    env = dict(os.environ, **extra_env)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run(
        [sys.executable, str(HERE / "leak_check.py"), group, str(iterations)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.mark.parametrize("group", GROUPS)
def test_no_growth(group: str) -> None:
    check(run_group(group))


def test_no_growth_redis_cache(redis_server: RedisServer) -> None:
    """RedisCache against the session redis-server; fewer iterations (each is a round trip)."""
    check(run_group("redis_cache", min(ITERATIONS, 1000), MIZAN_LEAK_REDIS_URL=redis_server.url))


def check(results: list[dict[str, Any]]) -> None:
    assert results, "no scenario ran"
    problems = []
    for result in results:
        if any(result["refcount_growth"]):
            problems.append(f"{result['name']}: reference counts grew by {result['refcount_growth']}")
        if result["gc_object_growth"] > 10:
            problems.append(f"{result['name']}: {result['gc_object_growth']} more gc-tracked objects")
        if result["malloc_growth"] is not None and result["malloc_growth"] > MALLOC_SLACK:
            problems.append(f"{result['name']}: malloc holds {result['malloc_growth']} more bytes")
    assert not problems, "\n".join(problems)


def test_the_check_detects_leaks(tmp_path: Path) -> None:
    """The harness itself: a leaked reference, leaked objects and leaked malloc blocks are all seen."""
    script = tmp_path / "leaky.py"
    script.write_text(
        "import ctypes, ctypes.util, sys\n"
        f"sys.path.insert(0, {str(HERE)!r})\n"
        "import leak_check as lc\n"
        "obj = object()\n"
        "kept = []\n"
        "libc = ctypes.CDLL(ctypes.util.find_library('c'))\n"
        "libc.malloc.restype = ctypes.c_void_p\n"
        "refs = lc.run(('ref', lambda: ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj)), (obj,)), 400)\n"
        "objects = lc.run(('objects', lambda: kept.append([1]), ()), 400)\n"
        "blocks = lc.run(('malloc', lambda: libc.malloc(256), ()), 400)\n"
        "print(refs['refcount_growth'][-1], objects['gc_object_growth'], blocks['malloc_growth'])\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, check=True)
    refs, objects, blocks = done.stdout.split()
    assert int(refs) == 400
    assert int(objects) >= 400
    if blocks != "None":  # malloc is not measurable under sanitizers
        assert int(blocks) >= 400 * 256
