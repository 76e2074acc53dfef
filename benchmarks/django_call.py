"""Benchmark of a whole `/call/` round trip through Django, C extension and pure twins.

`python -m benchmarks.django_call` times one typical call through `django.test.Client`
(URL routing, the middleware stack, the view) three ways: Mizan's `/call/` endpoint, the
same with an `X-Mizan-Token` to verify (the cost of MWT authentication per request), and a
hand-written Django JSON view doing the same work (json.loads, validation by hand,
JsonResponse). The backend is fixed when `mizan` is imported, so each backend is measured
in its own subprocess (`--worker`, with MIZAN_PURE=0 or 1); the table shows both.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from typing import Any

from benchmarks._timing import micros, per_call, ratio, run_worker, table


def _worker(repeat: int) -> dict[str, Any]:
    import django
    from django.conf import settings

    from benchmarks import _django_project as project

    settings.configure(**project.SETTINGS)
    django.setup()

    from django.test import Client

    from mizan.core import _backend
    from mizan.core.tokens import MWTConfig, mint_mwt, permission_key
    from mizan.setup import mizan_module

    mizan_module(project.__name__)  # registers update_profile, as discovery would
    http = Client()
    mwt = mint_mwt(
        MWTConfig(secret=settings.MIZAN_MWT_SECRET, ttl=3600),
        "1",
        pkey=permission_key(("auth.change_user",), True, False),
        is_staff=True,
        is_superuser=False,
    )

    def mizan_call() -> Any:
        return http.post("/api/mizan/call/", project.BODY, content_type="application/json")

    def mizan_mwt_call() -> Any:
        return http.post("/api/mizan/call/", project.BODY, content_type="application/json", HTTP_X_MIZAN_TOKEN=mwt)

    def bare_call() -> Any:
        return http.post("/bare/call/", project.BODY, content_type="application/json")

    for name, call in (("mizan", mizan_call), ("mizan+mwt", mizan_mwt_call), ("bare", bare_call)):
        response = call()
        if response.status_code != 200 or json.loads(response.content)["result"]["name"] != "Ada Lovelace":
            raise SystemExit(f"benchmarks.django_call: {name} answered {response.status_code} {response.content!r}")
    return {
        "backend": _backend.BACKEND,
        "mizan": per_call(mizan_call, repeat),
        "mwt": per_call(mizan_mwt_call, repeat),
        "bare": per_call(bare_call, repeat),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timing repeats; the best is kept (default 5)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        print(json.dumps(_worker(options.repeat)))
        return

    c, py = (
        run_worker("benchmarks.django_call", False, options.repeat),
        run_worker("benchmarks.django_call", True, options.repeat),
    )
    if (c["backend"], py["backend"]) != ("c", "py"):
        sys.exit(f"benchmarks.django_call: expected backends c and py, got {c['backend']} and {py['backend']}")
    rows = [
        ["Mizan /call/", micros(c["mizan"]), micros(py["mizan"]), ratio(py["mizan"], c["mizan"])],
        ["Mizan /call/ + X-Mizan-Token", micros(c["mwt"]), micros(py["mwt"]), ratio(py["mwt"], c["mwt"])],
        ["  MWT verification (difference)", micros(c["mwt"] - c["mizan"]), micros(py["mwt"] - py["mizan"]), ""],
        ["hand-written JSON view", micros(c["bare"]), micros(py["bare"]), ratio(py["bare"], c["bare"])],
        ["Mizan / hand-written", ratio(c["mizan"], c["bare"]), ratio(py["mizan"], py["bare"]), ""],
    ]
    print("one /call/ round trip through django.test.Client (routing, middleware, view)")
    print(f"Python {platform.python_version()}, best of {options.repeat}, microseconds per request\n")
    print(table(["request", "C (us)", "pure (us)", "pure/C"], rows))


if __name__ == "__main__":
    main()
