"""Benchmark of a context fetch through Django: origin-cache HIT against executing it.

`python -m benchmarks.cache_fetch` times `GET /api/mizan/ctx/catalog/?category=books`
through `django.test.Client`, with the in-process cache (`memory://`) answering HITs,
and with the cache disabled (every request executes and encodes the bundle). Each
backend (C extension, pure twins) runs in its own subprocess.
"""

from __future__ import annotations

import argparse
import json
import platform
from typing import Any

from benchmarks._timing import micros, per_call, ratio, run_worker, table

URL = "/api/mizan/ctx/catalog/?category=books"


def _worker(repeat: int) -> dict[str, Any]:
    import django
    from django.conf import settings

    from benchmarks import _django_project as project

    settings.configure(
        **project.SETTINGS, MIZAN_CACHE_SECRET="benchmark-cache-secret-of-32-bytes", MIZAN_CACHE_REDIS_URL="memory://"
    )
    django.setup()

    from django.test import Client, override_settings

    from mizan.core import _backend
    from mizan.setup import mizan_module

    mizan_module(project.__name__)
    http = Client()

    def fetch() -> Any:
        return http.get(URL)

    first, second = fetch(), fetch()
    if (first.get("X-Mizan-Cache"), second.get("X-Mizan-Cache")) != ("MISS", "HIT") or first.content != second.content:
        raise SystemExit(f"benchmarks.cache_fetch: expected MISS then HIT, got {first.headers} {second.headers}")
    hit = per_call(fetch, repeat)
    with override_settings(MIZAN_CACHE_SECRET=None, MIZAN_CACHE_REDIS_URL=None):
        if "X-Mizan-Cache" in fetch():
            raise SystemExit("benchmarks.cache_fetch: the cache should be disabled")
        executed = per_call(fetch, repeat)
    return {"backend": _backend.BACKEND, "hit": hit, "executed": executed}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timing repeats; the best is kept (default 5)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        print(json.dumps(_worker(options.repeat)))
        return
    c, py = (
        run_worker("benchmarks.cache_fetch", False, options.repeat),
        run_worker("benchmarks.cache_fetch", True, options.repeat),
    )
    rows = [
        ["executed (no cache)", micros(c["executed"]), micros(py["executed"]), ratio(py["executed"], c["executed"])],
        ["origin-cache HIT", micros(c["hit"]), micros(py["hit"]), ratio(py["hit"], c["hit"])],
        ["executed / HIT", ratio(c["executed"], c["hit"]), ratio(py["executed"], py["hit"]), ""],
    ]
    print(f"GET {URL} through django.test.Client (a 50-item bundle), memory:// cache")
    print(f"Python {platform.python_version()}, best of {options.repeat}, microseconds per request")
    print(table(["request", "C (us)", "pure (us)", "pure/C"], rows))


if __name__ == "__main__":
    main()
