"""Callgrind instructions of Mizan's CSRF check alone (`mizan.views._csrf_rejected`), against
Django's own `CsrfViewMiddleware` path on the same request (issue 20, item 2).

Each request carries the CSRF cookie (the 32-character secret) and, in `X-CSRFToken`, the
64-character masked token a browser gets from `get_token()` or `GET /session/`. Cases: plain
HTTP without `Origin` (a same-origin `fetch` from an old browser, or a non-browser client),
HTTP with a same-origin `Origin`, and HTTPS with a same-origin `Origin` (what a current
browser sends). The WSGIRequest build is measured alone and subtracted.

    python -m benchmarks.csrf_check            # C backend and MIZAN_PURE=1, one table
"""

from __future__ import annotations

import sys
from typing import Any

from benchmarks import _callgrind
from benchmarks._call_workload import CSRF_TOKEN
from benchmarks.django_inprocess import fresh, wsgi_environ

MODULE = "benchmarks.csrf_check"
REQUESTS = 200
CASES = ("http", "http_origin", "https_origin")


def masked(secret: str) -> str:
    """The masked form of `secret`, as `get_token()` hands it out (a fixed mask, so runs repeat)."""
    chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    mask = "ZyXwVuTsRqPoNmLkJiHgFeDcBa012345"
    return mask + "".join(
        chars[(chars.index(s) + chars.index(m)) % len(chars)] for s, m in zip(secret, mask, strict=True)
    )


def namespace() -> dict[str, Any]:
    """The measured callables: a fresh WSGIRequest per case, Mizan's check and Django's."""
    from benchmarks import _django_project as project

    project.configure(competitors=False)
    from django.core.handlers.wsgi import WSGIRequest
    from django.http import HttpResponse
    from django.middleware.csrf import CsrfViewMiddleware

    from mizan import views

    headers = {
        "Content-Type": "application/json",
        "Cookie": f"csrftoken={CSRF_TOKEN}",
        "X-CSRFToken": masked(CSRF_TOKEN),
    }
    environs = {
        "http": wsgi_environ(project.URLS["mizan"], b"{}", headers),
        "http_origin": wsgi_environ(project.URLS["mizan"], b"{}", {**headers, "Origin": "http://localhost"}),
        "https_origin": {
            **wsgi_environ(project.URLS["mizan"], b"{}", {**headers, "Origin": "https://localhost"}),
            "wsgi.url_scheme": "https",
            "SERVER_PORT": "443",
        },
    }
    django = CsrfViewMiddleware(lambda request: HttpResponse())

    def request(case: str) -> Any:
        return WSGIRequest(fresh(environs[case]))

    def django_path(case: str) -> bool:
        new = request(case)
        django.process_request(new)
        return django.process_view(new, None, (), {}) is not None

    for case in CASES:
        if views._csrf_rejected(request(case)) or django_path(case):
            raise SystemExit(f"{MODULE}: the {case} request is refused")
    return {"request": request, "mizan": lambda case: views._csrf_rejected(request(case)), "django": django_path}


def measure(process: str) -> dict[str, float]:
    """Ir per check (the request build subtracted) of each case, in one callgrind child."""
    ops = {f"{what}|{case}": f'{what}("{case}")' for case in CASES for what in ("request", "mizan", "django")}
    setup = f"from {MODULE} import namespace\nglobals().update(namespace())\n"
    counts = _callgrind.measure(setup, ops, REQUESTS, {"MIZAN_PURE": "1" if process == "pure" else "0"})
    return {
        f"{what}|{case}": counts[f"{what}|{case}"] - counts[f"request|{case}"]
        for case in CASES
        for what in ("mizan", "django")
    }


def main() -> None:
    missing = _callgrind.unavailable()
    if missing:
        raise SystemExit(f"{MODULE}: {missing}")
    rows = {process: measure(process) for process in ("c", "pure")}
    print(f"{'case':<14}{'Mizan C':>10}{'Mizan pure':>12}{'Django':>10}  (Ir per check, request build subtracted)")
    for case in CASES:
        c, pure = rows["c"], rows["pure"]
        print(f"{case:<14}{c[f'mizan|{case}']:>10,.0f}{pure[f'mizan|{case}']:>12,.0f}{c[f'django|{case}']:>10,.0f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
