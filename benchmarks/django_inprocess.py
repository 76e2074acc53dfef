"""The `django` group: one `/call/` through Django in-process, Mizan against every other way
to serve it.

`python -m benchmarks.django_inprocess` calls Django's `WSGIHandler` directly with a
synthetic WSGI environ (no test client, no server): a POST of the same body
(`benchmarks._django_project.BODY`, with the CSRF cookie and header a browser sends) to

- a plain view returning `JsonResponse` of the function's result, the body unread (the floor);
- a hand-written Python view doing `/call/`'s work (json.loads, checks by hand, JsonResponse),
  csrf-exempt, and the same view under Django's CSRF check (`csrf_protect`), which Mizan's
  `/call/` runs for a session identity (AUTH-6);
- Mizan's `/api/mizan/call/` on the C extension, the same with an `X-Mizan-Token` (token
  verification instead of the CSRF check), and on the pure-Python twins (MIZAN_PURE=1, in
  its own process: the backend is fixed at import);
- a django-ninja operation with a `Schema` body and a DRF `APIView` with nested serializers;
- the original implementation, django-izana 1.1.0, from `.venv-original`
  (scripts/original-venv.sh) with its own project (`benchmarks._izana_project`), when present;

each with no middleware and with Django's 7 default `startproject` middleware (two handlers
in one process). Every row must answer 200 and the same decoded JSON before anything is
measured (the original wraps a dict result once more, its finding U1 in afi/original/).
It reports callgrind instructions per request, wall-time medians of interleaved rounds, the
validation-error path (the same body with `tier` outside its Literal), Mizan's view taken
apart piece by piece, and the RSS of one process over 1M calls of Mizan's `/call/` view.
"""

from __future__ import annotations

import argparse
import functools
import gc
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks import _callgrind
from benchmarks._results import Chart, Goal, Results, Table, instructions, times
from benchmarks._timing import interleaved

ROOT = Path(__file__).resolve().parent.parent
ORIGINAL_PYTHON = ROOT / ".venv-original" / "bin" / "python"
MODULE = "benchmarks.django_inprocess"

# Rows, in table order: key -> label.
LABELS: dict[str, str] = {
    "plain": "plain view (JsonResponse, body unread)",
    "python": "hand-written Python view",
    "python_csrf": "hand-written + CSRF check",
    "mizan": "Mizan /call/ (C)",
    "mizan_mwt": "Mizan /call/ + X-Mizan-Token (C)",
    "mizan_pure": "Mizan /call/ (pure)",
    "ninja": "django-ninja",
    "drf": "DRF APIView + serializer",
    "izana": "django-izana 1.1.0 (original)",
}
# The same, short enough for a chart's axis.
SHORT: dict[str, str] = {
    "plain": "plain view",
    "python": "hand-written",
    "python_csrf": "hand-written\n+ CSRF",
    "mizan": "Mizan C",
    "mizan_mwt": "Mizan C\n+ token",
    "mizan_pure": "Mizan pure",
    "ninja": "ninja",
    "drf": "DRF",
    "izana": "izana\n(original)",
}
# The processes: `c` (Mizan's project on the C extension), `pure` (MIZAN_PURE=1), and
# `original` (.venv-original). Each serves its own plain view, the reference of its ratios.
PROCESS_ROWS: dict[str, tuple[str, ...]] = {
    "c": ("plain", "python", "python_csrf", "mizan", "mizan_mwt", "ninja", "drf"),
    "pure": ("plain", "mizan_pure"),
    "original": ("plain", "izana"),
}
COMPETITORS = ("ninja", "drf")
# Rows whose validation-error path is measured (the plain view reads no body).
ERROR_ROWS = ("python", "mizan", "mizan_pure", "ninja", "drf", "izana")
MIDDLEWARE = ("none", "default")
MIDDLEWARE_LABELS = {"none": "no middleware", "default": "default middleware"}
ROUNDS = 31
QUICK_ROUNDS = 7
BATCH_SECONDS = 0.02  # per row per round: 100+ requests, so one preemption weighs less
# Requests per callgrind interval (a row serves 4x this: warm-up, n, 2n). Fixed, so every run
# counts the same requests after the same heap history; 10 repeat to within 0.05 %.
CALLGRIND_REQUESTS = 10
QUICK_CALLGRIND_REQUESTS = 3
# The RSS run: Mizan's /call/ view (C) after a warm-up, RSS read at 10 points (_rss_worker).
RSS_REQUESTS = 1_000_000
QUICK_RSS_REQUESTS = 50_000
RSS_WARMUP = 20_000
RSS_POINTS = 10
# Issue 8 aims. G3: Mizan /call/ <= 1.08x the plain view's Ir and <= 0.93x the hand-written
# view's. G4: >= 1.45x fewer Ir than ninja, >= 3x fewer than DRF. G8: the validation-error
# path <= 2x the success path; < 1 MB RSS growth over 1M in-process requests.
AIM_VS_PLAIN = 1.08
AIM_VS_PYTHON = 0.93
AIM_VS_NINJA = 1.45
AIM_VS_DRF = 3.0
AIM_ERROR_VS_SUCCESS = 2.0
AIM_RSS_BYTES = 1_000_000


# --- serving one request ---------------------------------------------------------------------


def wsgi_environ(path: str, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
    """The environ a WSGI server builds for `POST path` with `body` and HTTP `headers`
    (without `wsgi.input`: `serve` adds a fresh stream over `benchmark.body` each time)."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "CONTENT_LENGTH": str(len(body)),
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "localhost",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "benchmark.body": body,
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    return environ


def fresh(template: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `template` with a new input stream, as each request gets its own."""
    environ = dict(template)
    environ["wsgi.input"] = io.BytesIO(template["benchmark.body"])
    return environ


def serve(handler: Callable[..., Any], template: Mapping[str, Any]) -> tuple[int, bytes]:
    """One request as a WSGI server runs it: call, read the body, close (which sends
    Django's `request_finished`). The status code and the body."""
    status: list[str] = []

    def start_response(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        status.append(line)

    response = handler(fresh(template), start_response)
    try:
        body = b"".join(response)
    finally:
        response.close()
    return int(status[0].split(" ", 1)[0]), body


def _handlers(default_middleware: Iterable[str]) -> dict[str, Any]:
    """A WSGIHandler per middleware setting: it reads MIDDLEWARE once, when built. (Set
    directly rather than with override_settings: django.test is slow to import under
    callgrind, and nothing reads MIDDLEWARE per request.)"""
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler

    configured, handlers = settings.MIDDLEWARE, {}
    for name, middleware in (("none", []), ("default", list(default_middleware))):
        settings.MIDDLEWARE = middleware
        handlers[name] = WSGIHandler()
    settings.MIDDLEWARE = configured
    return handlers


def namespace(process: str, rows: Iterable[str] | None = None, parts: bool = False) -> dict[str, Any]:
    """Configure Django for `process` (c, pure or original) to serve `rows` (default: all
    it has) and build what the statements use: `serve`, `HANDLERS[middleware]`,
    `ENVIRONS[row]`, `ENVIRONS[row + "!invalid"]`, and with `parts` the pieces of Mizan's
    view (`PARTS`). Every row is checked first: 200 and the expected answer under both
    middleware settings, 4xx for the invalid body."""
    served = tuple(available(process) if rows is None else rows)
    if process == "original":
        from benchmarks import _izana_project as original

        original.configure()
        handlers = _handlers(original.DEFAULT_MIDDLEWARE)
        urls = {row: original.URLS[row] for row in served}
        body, invalid, headers, expected = original.BODY, original.INVALID_BODY, original.HEADERS, original.RESULT
    else:
        from benchmarks import _django_project as project

        project.configure(competitors=any(row in COMPETITORS for row in served))
        from mizan.core import _backend

        if _backend.BACKEND != {"c": "c", "pure": "py"}[process]:
            raise SystemExit(f"{MODULE}: the {process} process runs on backend {_backend.BACKEND}")
        handlers = _handlers(project.DEFAULT_MIDDLEWARE)
        urls = {row: project.URLS[row.removesuffix("_pure").removesuffix("_mwt")] for row in served}
        body, invalid, headers, expected = project.BODY, project.INVALID_BODY, project.HEADERS, project.RESULT
    _require_masked_csrf(headers)
    environs: dict[str, dict[str, Any]] = {}
    for row, url in urls.items():
        extra = {"X-Mizan-Token": _mwt()} if row == "mizan_mwt" else {}
        environs[row] = wsgi_environ(url, body, {**headers, **extra})
        environs[row + "!invalid"] = wsgi_environ(url, invalid, {**headers, **extra})
    ns = {"serve": serve, "HANDLERS": handlers, "ENVIRONS": environs, "ANSWERS": _check(handlers, environs, expected)}
    if parts:
        ns["PARTS"] = _parts(wsgi_environ(urls["mizan"], body, headers))
    return ns


def _require_masked_csrf(headers: Mapping[str, str]) -> None:
    """Stop unless `X-CSRFToken` is the 64-character masked token a browser sends (issue
    20): the bare 32-character secret would skip Django's unmasking, ~110k Ir a request."""
    from django.middleware.csrf import CSRF_TOKEN_LENGTH

    if len(headers["X-CSRFToken"]) != CSRF_TOKEN_LENGTH:
        raise SystemExit(f"{MODULE}: X-CSRFToken is not the masked {CSRF_TOKEN_LENGTH}-character token")


def available(process: str) -> tuple[str, ...]:
    """The rows `process` can serve here (ninja and DRF only when installed)."""
    if process == "original":
        return PROCESS_ROWS[process]  # its interpreter has no Mizan to import the project with
    from benchmarks import _django_project as project

    missing = {"ninja": not project.HAS_NINJA, "drf": not project.HAS_DRF}
    return tuple(row for row in PROCESS_ROWS[process] if not missing.get(row, False))


def _mwt() -> str:
    """A token for user 1, valid for an hour: the X-Mizan-Token row's header."""
    from benchmarks import _django_project as project
    from mizan.core.tokens import MWTConfig, mint_mwt, permission_key

    config = MWTConfig(secret=project.MWT_SECRET, ttl=3600)
    return mint_mwt(config, "1", pkey=permission_key((), False, False), is_staff=False, is_superuser=False)


def _check(handlers: Mapping[str, Any], environs: Mapping[str, Mapping[str, Any]], expected: Any) -> dict[str, Any]:
    """Stop unless every row answers 200 and `expected` (decoded) under both middleware
    settings, and refuses the invalid body with a 4xx; the decoded answers, by row."""
    answers: dict[str, Any] = {}
    for middleware, handler in handlers.items():
        for name, environ in environs.items():
            row, _, invalid = name.partition("!")
            status, body = serve(handler, environ)
            if invalid:
                if row != "plain" and not 400 <= status < 500:
                    raise SystemExit(f"{MODULE}: {row} ({middleware}) answered the invalid body {status}: {body!r}")
                continue
            answer = json.loads(body)
            # The original wraps a dict result in its generated output model (finding U1).
            value = answer["result"] if row == "izana" and isinstance(answer, dict) and "result" in answer else answer
            if status != 200 or value != expected:
                raise SystemExit(f"{MODULE}: {row} ({middleware}) answered {status} {body!r}")
            answers[row] = value
    return answers


# --- Mizan's view, piece by piece ------------------------------------------------------------

# name -> (label, the reference subtracted: "request" for pieces that build a fresh
# WSGIRequest, "body" for those that also read its body, None for the rest).
PARTS: dict[str, tuple[str, str | None]] = {
    "view plain": ("plain view function", "request"),
    "view python": ("hand-written view function", "request"),
    "view mizan": ("Mizan's view function (mizan.views.call)", "request"),
    "resolve mizan": ("  URL resolution of api/mizan/call/ (mizan.urls.mount(), 4th pattern)", None),
    "resolve include": ("    for comparison: the same under path(..., include('mizan.urls'))", None),
    "resolve python": ("    for comparison: python/csrf/call/ (a flat path(), 3rd pattern)", None),
    "csrf": ("  CSRF check (CsrfViewMiddleware process_request + process_view)", "request"),
    "auth": ("  token lookup, none sent (get_settings + authenticate)", "request"),
    "body": ("  reading the body (request.body)", "request"),
    "pipeline": ("  run_sync(call_pipeline(...)): parse, validate, call, envelope", "body"),
    "function": ("    of which the user function, profile(...)", None),
    "to_django": ("  to_django: HttpResponse with its headers", None),
    "mwt": ("  X-Mizan-Token verification (replaces the CSRF check)", "request"),
}


def _parts(environ: Mapping[str, Any]) -> dict[str, Callable[[], Any]]:
    """The pieces of `mizan.views.call` as separate calls, each on a fresh WSGIRequest
    where it needs one; `request` and `body` are the references subtracted."""
    from django.core.handlers.wsgi import WSGIRequest
    from django.urls import URLResolver, get_resolver
    from django.urls.resolvers import RegexPattern

    from benchmarks import _django_project as project
    from mizan import views
    from mizan.authentication import authenticate
    from mizan.conf import get_settings
    from mizan.core.executor import call_pipeline, run_sync

    token = {**environ, "HTTP_X_MIZAN_TOKEN": _mwt()}
    resolver, settings = get_resolver(), get_settings()
    included = URLResolver(RegexPattern(r"^/"), project._urlpatterns(mounted=False))
    response = run_sync(call_pipeline(None, project.BODY, settings), views._resolver(WSGIRequest(fresh(environ))))

    def request() -> Any:
        return WSGIRequest(fresh(environ))

    def body() -> Any:
        new = request()
        return new, new.body

    def pipeline() -> Any:
        new, data = body()
        return run_sync(call_pipeline(new, data, settings), views._resolver(new))

    return {
        "request": request,
        "body": body,
        "view plain": lambda: project.plain(request()),
        "view python": lambda: project.python_call(request()),
        "view mizan": lambda: views.call(request()),
        "resolve mizan": lambda: resolver.resolve(project.URLS["mizan"]),
        "resolve include": lambda: included.resolve(project.URLS["mizan"]),
        "resolve python": lambda: resolver.resolve(project.URLS["python_csrf"]),
        "csrf": lambda: views._csrf_rejected(request()),
        "auth": lambda: authenticate(request(), get_settings()),
        "pipeline": pipeline,
        "function": lambda: project.profile(5, "Ada Lovelace", ["admin", "beta"], True, "pro", None),
        "to_django": lambda: views.to_django(response),
        "mwt": lambda: authenticate(WSGIRequest(fresh(token)), get_settings()),
    }


# --- the statements measured -----------------------------------------------------------------


def _statement(row: str, middleware: str, invalid: bool = False) -> str:
    suffix = "!invalid" if invalid else ""
    return f'serve(HANDLERS["{middleware}"], ENVIRONS["{row}{suffix}"])'


def _statements(rows: Iterable[str], parts: bool) -> dict[str, str]:
    """`row|middleware|ok`, `row|middleware|invalid` and `part|<name>` -> the statement."""
    ops: dict[str, str] = {}
    for row in rows:
        for middleware in MIDDLEWARE:
            ops[f"{row}|{middleware}|ok"] = _statement(row, middleware)
            if row in ERROR_ROWS:
                ops[f"{row}|{middleware}|invalid"] = _statement(row, middleware, invalid=True)
    if parts:
        ops.update({f"part|{name}": f'PARTS["{name}"]()' for name in ("request", "body", *PARTS)})
    return ops


def _setup(process: str, rows: Iterable[str], parts: bool = False) -> str:
    call = f"namespace({process!r}, {tuple(rows)!r}, parts={parts})"
    return f"from {MODULE} import namespace\nglobals().update({call})\n"


def process_env(process: str) -> dict[str, str]:
    """The environment of a measuring child: `c` or `pure` (MIZAN_PURE=1)."""
    return {"MIZAN_PURE": "1" if process == "pure" else "0"}


def serve_statement(key: str) -> str:
    """The measured statement of a namespace with one HANDLER and its ENVIRONS by key."""
    return f'serve(HANDLER, ENVIRONS["{key}"])'


def _callgrind_counts(process: str, rows: Iterable[str], requests: int) -> dict[str, float]:
    """Ir per request of every statement of `process` (and Mizan's view in pieces, on C),
    in one callgrind child; the original's child runs on .venv-original's interpreter."""
    rows, parts = tuple(rows), process == "c"
    ops, setup = _statements(rows, parts), _setup(process, rows, parts)
    if process != "original":
        return _callgrind.measure(setup, ops, requests, process_env(process))
    # _callgrind runs its child on sys.executable: call it from the original's interpreter.
    code = (
        "import json, sys\nfrom benchmarks._callgrind import measure\n"
        "print(json.dumps(measure(*json.loads(sys.argv[1]))))"
    )
    counts: dict[str, float] = _json_from(
        [str(ORIGINAL_PYTHON), "-c", code, json.dumps([setup, ops, requests])], process
    )
    return counts


def _json_from(command: list[str], process: str) -> Any:
    """Run `command` for `process` from the repository; the JSON of its last output line."""
    env = {**os.environ, **process_env(process)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join(result.stderr.splitlines()[-15:])
        raise RuntimeError(f"{MODULE}: the {process} child failed (exit {result.returncode}):\n{tail}")
    return json.loads(result.stdout.splitlines()[-1])


# --- worker processes ------------------------------------------------------------------------


def _wall_worker(process: str, rounds: int) -> dict[str, Any]:
    """Wall time of every row of this process, both middleware settings, interleaved."""
    ns = namespace(process)
    handlers, environs = ns["HANDLERS"], ns["ENVIRONS"]
    fns: dict[str, Callable[[], Any]] = {}
    for row in ns["ANSWERS"]:
        for middleware in MIDDLEWARE:
            fns[f"{row}|{middleware}|ok"] = functools.partial(serve, handlers[middleware], environs[row])
    return {"seconds": interleaved(fns, rounds, BATCH_SECONDS), "answers": ns["ANSWERS"]}


def _rss_worker(requests: int) -> dict[str, Any]:
    """The RSS of one process making `requests` calls of Mizan's /call/ view (C) on a fresh
    WSGIRequest each, after a warm-up, read at RSS_POINTS points. The GC stays on, as in
    a server; it is run to completion before each reading so that garbage not yet
    collected is not counted.

    The view, not the whole WSGIHandler: 1M full requests take over two minutes of one core
    here, past this group's budget. Everything Mizan runs per request is in the view (CSRF
    check, token lookup, pipeline, response); what is left out (Django's handler, URL
    resolution, request_finished) is Django's own and measured by the tables."""
    from django.core.handlers.wsgi import WSGIRequest

    from mizan import views

    ns = namespace("c", ("plain", "mizan"))
    environ = ns["ENVIRONS"]["mizan"]
    if views.call(WSGIRequest(fresh(environ))).status_code != 200:
        raise SystemExit(f"{MODULE}: Mizan's view refused the RSS run's request")
    for _ in range(RSS_WARMUP):
        views.call(WSGIRequest(fresh(environ)))
    gc.collect()
    points = [(0, _rss())]
    step = max(1, requests // RSS_POINTS)
    start = time.perf_counter()
    done = 0
    while done < requests:
        batch = min(step, requests - done)
        for _ in range(batch):
            views.call(WSGIRequest(fresh(environ)))
        done += batch
        gc.collect()
        points.append((done, _rss()))
    return {"requests": requests, "points": points, "seconds": time.perf_counter() - start, "peak": _rss("VmHWM")}


def _rss(field: str = "VmRSS") -> int:
    """This process's resident set (or its peak, VmHWM) in bytes, from /proc."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _run_worker(process: str, arguments: list[str]) -> Any:
    python = str(ORIGINAL_PYTHON) if process == "original" else sys.executable
    return _json_from([python, "-m", MODULE, *arguments], process)


def original_unavailable() -> str | None:
    """Why the original's rows cannot run here, or None."""
    if not ORIGINAL_PYTHON.exists():
        return "django-izana (original): .venv-original is absent; run `bash scripts/original-venv.sh`"
    probe = subprocess.run(
        [str(ORIGINAL_PYTHON), "-c", "import izana, izana_core, django"], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["no output"])[-1]
        return f"django-izana (original): not importable in .venv-original ({last})"
    return None


# --- the report ------------------------------------------------------------------------------

Measured = dict[str, dict[str, float]]  # middleware -> row (or row!invalid, plain@process) -> value


def _merge(target: Measured, process: str, measured: Mapping[str, float]) -> dict[str, float]:
    """Fold `row|middleware|kind` values into target[middleware][row] (`row!invalid` for
    the error path; the plain view also as `plain@<process>`); the `part|` values, returned."""
    parts: dict[str, float] = {}
    for key, value in measured.items():
        if key.startswith("part|"):
            parts[key.removeprefix("part|")] = value
            continue
        row, middleware, kind = key.split("|")
        name = f"plain@{process}" if row == "plain" else row
        target.setdefault(middleware, {})[name + ("!invalid" if kind == "invalid" else "")] = value
        if row == "plain" and process == "c":
            target[middleware]["plain"] = value
    return parts


def _process_of(row: str) -> str:
    return next(process for process, rows in PROCESS_ROWS.items() if row in rows)


def _vs_plain(values: Measured, middleware: str, row: str) -> float:
    """A row over the plain view served by its own process: comparable across processes."""
    return values[middleware][row] / values[middleware][f"plain@{_process_of(row)}"]


def _ir_tables(ir: Measured, rows: list[str]) -> list[Table]:
    columns = ["row"]
    for middleware in MIDDLEWARE:
        columns += [f"{MIDDLEWARE_LABELS[middleware]} (Ir)", "/ plain", "/ hand-written"]
    body = []
    for row in rows:
        cells = [LABELS[row]]
        for m in MIDDLEWARE:
            cells += [instructions(ir[m][row]), times(_vs_plain(ir, m, row)), times(ir[m][row] / ir[m]["python"])]
        body.append(cells)
    plains = "; ".join(
        f"{MIDDLEWARE_LABELS[m]}: "
        + ", ".join(f"{key[6:]} {instructions(v)}" for key, v in ir[m].items() if key.startswith("plain@"))
        for m in MIDDLEWARE
    )
    main = Table(
        "callgrind instructions per request (Ir), WSGIHandler in-process",
        columns,
        body,
        note=f"'/ plain' divides by the plain view of the same process; plain view Ir by process: {plains}",
    )
    columns = ["row"]
    for middleware in MIDDLEWARE:
        columns += [f"{MIDDLEWARE_LABELS[middleware]}: success (Ir)", "error (Ir)", "error / success"]
    body = []
    for row in (row for row in rows if row in ERROR_ROWS):
        cells = [LABELS[row]]
        for m in MIDDLEWARE:
            ok, bad = ir[m][row], ir[m][f"{row}!invalid"]
            cells += [instructions(ok), instructions(bad), times(bad / ok)]
        body.append(cells)
    errors = Table(
        "validation-error path: the same body with tier='gold', callgrind Ir per request",
        columns,
        body,
        note="Answers: 422 (400 for DRF). Django logs every 4xx response (django.request, WARNING) on every row.",
    )
    return [main, errors]


def _parts_table(parts: Mapping[str, float]) -> Table:
    rows = []
    for name, (label, reference) in PARTS.items():
        value = parts[name] - (parts[reference] if reference else 0)
        rows.append([label, instructions(value)])
    return Table(
        "Mizan's view taken apart (C, no middleware): Ir per call",
        ["piece", "Ir"],
        rows,
        note=(
            f"Each piece called alone; building a fresh WSGIRequest ({instructions(parts['request'])} Ir) and "
            f"reading its body ({instructions(parts['body'] - parts['request'])} Ir) are subtracted where the "
            "piece needs them. The whole request adds Django's handler, middleware chain and response close."
        ),
    )


def _wall_table(wall: Measured, rows: list[str], rounds: int) -> Table:
    columns = ["row"]
    for middleware in MIDDLEWARE:
        columns += [f"{MIDDLEWARE_LABELS[middleware]} (us)", "req/s", "/ plain", "/ hand-written"]
    body = []
    for row in rows:
        cells = [LABELS[row]]
        for m in MIDDLEWARE:
            seconds = wall[m][row]
            cells += [
                f"{seconds * 1e6:.1f}",
                f"{1 / seconds:,.0f}",
                times(_vs_plain(wall, m, row)),
                times(_vs_plain(wall, m, row) / _vs_plain(wall, m, "python")),
            ]
        body.append(cells)
    return Table(
        f"wall time per request, median of {rounds} interleaved rounds",
        columns,
        body,
        note=(
            "The rows of one process are interleaved with each other. The pure and original rows ran in their own "
            "process with its own plain view, so their ratios go through that plain view (time / own plain)."
        ),
    )


def _competitor_table(ir: Measured | None, wall: Measured) -> Table:
    columns = ["row / Mizan C"]
    for middleware in MIDDLEWARE:
        columns += (
            [f"{MIDDLEWARE_LABELS[middleware]}: Ir", "time"] if ir else [f"{MIDDLEWARE_LABELS[middleware]}: time"]
        )
    body = []
    for row in ("python", "python_csrf", "ninja", "drf", "izana", "mizan_pure"):
        if row not in wall["none"]:
            continue
        cells = [LABELS[row]]
        for m in MIDDLEWARE:
            if ir:
                cells.append(times(_vs_plain(ir, m, row) / _vs_plain(ir, m, "mizan")))
            cells.append(times(_vs_plain(wall, m, row) / _vs_plain(wall, m, "mizan")))
        body.append(cells)
    return Table(
        "the same endpoint elsewhere, in multiples of Mizan's /call/ on the C extension (higher: Mizan is cheaper)",
        columns,
        body,
        note="Ratios of (row / its process's plain view) over (Mizan C / plain view).",
    )


def _rss_table(rss: dict[str, Any]) -> Table:
    (_, before), (_, after) = rss["points"][0], rss["points"][-1]
    return Table(
        "memory: one process calling Mizan's /call/ view (C) on a fresh WSGIRequest each time",
        ["calls", "warm-up", "RSS before (MB)", "RSS after (MB)", "growth (KB)", "peak RSS (MB)", "time (s)"],
        [
            [
                f"{rss['requests']:,}",
                f"{RSS_WARMUP:,}",
                f"{before / 1e6:.2f}",
                f"{after / 1e6:.2f}",
                f"{(after - before) / 1e3:+.0f}",
                f"{rss['peak'] / 1e6:.2f}",
                f"{rss['seconds']:.0f}",
            ]
        ],
        note=(
            "RSS from /proc/self/status after gc.collect(); read at "
            + ", ".join(f"{n:,}: {value / 1e6:.2f} MB" for n, value in rss["points"][1:])
        ),
    )


def _goals(ir: Measured | None, rss: dict[str, Any]) -> list[Goal]:
    goals: list[Goal] = []
    if ir is None:
        for goal in ("G3", "G4", "G8"):
            goals.append(Goal(goal, "in-process instruction counts", "no instruction counts in this run", None))
    else:
        for m in MIDDLEWARE:
            vs_plain, vs_python = ir[m]["mizan"] / ir[m]["plain"], ir[m]["mizan"] / ir[m]["python"]
            goals.append(
                Goal(
                    "G3",
                    f"Mizan /call/ <= {AIM_VS_PLAIN}x the plain view's Ir and <= {AIM_VS_PYTHON}x the "
                    "hand-written (csrf-exempt) view's, in-process",
                    f"{MIDDLEWARE_LABELS[m]}: {vs_plain:.3f}x plain, {vs_python:.3f}x hand-written "
                    f"({ir[m]['mizan'] / ir[m]['python_csrf']:.3f}x hand-written + CSRF check)",
                    vs_plain <= AIM_VS_PLAIN and vs_python <= AIM_VS_PYTHON,
                )
            )
        for m in MIDDLEWARE:
            found = [
                (row, aim, ir[m][row] / ir[m]["mizan"])
                for row, aim in (("ninja", AIM_VS_NINJA), ("drf", AIM_VS_DRF))
                if row in ir[m]
            ]
            goals.append(
                Goal(
                    "G4",
                    f">= {AIM_VS_NINJA}x fewer Ir than django-ninja and >= {AIM_VS_DRF:g}x fewer than DRF, in-process",
                    f"{MIDDLEWARE_LABELS[m]}: "
                    + (", ".join(f"{row} {ratio:.2f}x Mizan's Ir" for row, _, ratio in found) or "neither installed"),
                    all(ratio >= aim for _, aim, ratio in found) if len(found) == 2 else None,
                )
            )
        ratios = {m: ir[m]["mizan!invalid"] / ir[m]["mizan"] for m in MIDDLEWARE}
        goals.append(
            Goal(
                "G8",
                f"validation-error path <= {AIM_ERROR_VS_SUCCESS:g}x the success path's Ir, through Django",
                "Mizan /call/ (C): " + ", ".join(f"{MIDDLEWARE_LABELS[m]} {ratios[m]:.2f}x" for m in MIDDLEWARE),
                all(value <= AIM_ERROR_VS_SUCCESS for value in ratios.values()),
            )
        )
    growth = rss["points"][-1][1] - rss["points"][0][1]
    full = rss["requests"] >= RSS_REQUESTS
    goals.append(
        Goal(
            "G8",
            "< 1 MB RSS growth over 1M in-process requests",
            f"{growth / 1e6:+.3f} MB over {rss['requests']:,} calls of Mizan's /call/ view (C) on a fresh "
            f"WSGIRequest each{'' if full else ': fewer than 1M, not decided'}",
            growth < AIM_RSS_BYTES if full else None,
        )
    )
    return goals


def _charts(ir: Measured | None, wall: Measured, rows: list[str], rss: dict[str, Any]) -> list[Chart]:
    charts = []
    if ir is not None:
        charts.append(
            Chart(
                "django-inprocess-ir",
                "One /call/ through Django in-process: instructions per request (lower is cheaper)",
                "bar",
                "thousand instructions per request (callgrind Ir)",
                {MIDDLEWARE_LABELS[m]: [(SHORT[row], ir[m][row] / 1000) for row in rows] for m in MIDDLEWARE},
            )
        )
    charts.append(
        Chart(
            "django-inprocess-time",
            "One /call/ through Django in-process: wall time relative to the plain view (lower is faster)",
            "bar",
            "x the plain view of the same process",
            {MIDDLEWARE_LABELS[m]: [(SHORT[row], _vs_plain(wall, m, row)) for row in rows] for m in MIDDLEWARE},
        )
    )
    charts.append(
        Chart(
            "django-inprocess-rss",
            "RSS of one process calling Mizan's /call/ view (C) in-process",
            "line",
            "RSS (MB)",
            {"RSS after gc.collect()": [(n, value / 1e6) for n, value in rss["points"]]},
            xlabel="calls after the warm-up",
        )
    )
    return charts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"interleaved timing rounds (default {ROUNDS})")
    parser.add_argument("--quick", action="store_true", help="fewer rounds and requests (development)")
    parser.add_argument("--no-callgrind", action="store_true", help="wall time and RSS only")
    parser.add_argument("--rss-requests", type=int, help=f"requests of the RSS run (default {RSS_REQUESTS:,})")
    parser.add_argument("--worker", choices=tuple(PROCESS_ROWS), help=argparse.SUPPRESS)
    parser.add_argument("--rss-worker", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        print(json.dumps(_wall_worker(options.worker, options.rounds)))
        return
    if options.rss_worker:
        print(json.dumps(_rss_worker(options.rss_worker)))
        return

    started = time.perf_counter()
    rounds = QUICK_ROUNDS if options.quick else options.rounds
    requests = QUICK_CALLGRIND_REQUESTS if options.quick else CALLGRIND_REQUESTS
    rss_requests = options.rss_requests or (QUICK_RSS_REQUESTS if options.quick else RSS_REQUESTS)
    from benchmarks import _django_project as project
    from benchmarks import _izana_project as original

    skipped = [f"{LABELS[row]}: not installed (the `bench` extra)" for row in COMPETITORS if row not in available("c")]
    processes = ["c", "pure"]
    reason = original_unavailable()
    if reason is None and (original.BODY, original.INVALID_BODY, original.HEADERS) != (
        project.BODY,
        project.INVALID_BODY,
        project.HEADERS,
    ):
        reason = "django-izana (original): _izana_project's request differs from _django_project's"
    if reason is None:
        processes.append("original")
    else:
        skipped.append(reason)
    rows = {process: available(process) for process in processes}
    callgrind_reason = "--no-callgrind given" if options.no_callgrind else _callgrind.unavailable()
    if callgrind_reason is not None:
        skipped.append(f"instructions: {callgrind_reason}")

    # Instruction counts and the RSS run do not depend on wall time: they run two at a time
    # (the RSS run on one core, the callgrind children one after another on the other); wall
    # time is taken afterwards, with nothing else of this run going on.
    ir: Measured | None = None
    parts: dict[str, float] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        rss_future = pool.submit(_run_worker, "c", ["--rss-worker", str(rss_requests)])
        counted: dict[str, Future[dict[str, float]]] = {}
        if callgrind_reason is None:
            counted = {
                process: pool.submit(_callgrind_counts, process, rows[process], requests) for process in processes
            }
        rss = rss_future.result()
        if counted:
            ir = {}
            for process, future in counted.items():
                parts.update(_merge(ir, process, future.result()))

    counted_at = time.perf_counter()
    wall: Measured = {}
    for process in processes:
        result = _run_worker(process, ["--worker", process, "--rounds", str(rounds)])
        for row, answer in result["answers"].items():
            if answer != project.RESULT:
                sys.exit(f"{MODULE}: {row} ({process}) answered {answer!r}, not {project.RESULT!r}")
        _merge(wall, process, result["seconds"])

    table_rows = ["plain", *(row for process in processes for row in rows[process] if row != "plain")]
    results = Results(
        group="django",
        module="django_inprocess",
        title="one /call/ through Django in-process: Mizan against a plain view, hand-written, ninja, DRF, original",
        method=(
            "Django's WSGIHandler called directly with a synthetic WSGI environ: a POST of the same "
            f"{len(project.BODY)}-byte body with a CSRF cookie and X-CSRFToken header, the response read and "
            "closed. Every row answers 200 and the same decoded result first. Two handlers per process: no "
            "middleware, and the 7 of `startproject`. Instructions: callgrind Ir per request "
            f"({requests} requests per interval, PYTHONHASHSEED=0, loop cost subtracted). Wall time: medians of "
            f"{rounds} interleaved rounds. Memory: RSS over {rss_requests:,} calls of Mizan's view. "
            "Mizan pure (MIZAN_PURE=1) and the original (.venv-original, "
            "benchmarks._izana_project) run in their own processes, each with its own plain view."
        ),
        skipped=skipped,
    )
    if ir is not None:
        results.tables += [*_ir_tables(ir, table_rows), _parts_table(parts)]
    results.tables += [_wall_table(wall, table_rows, rounds), _competitor_table(ir, wall), _rss_table(rss)]
    if rss["requests"] < RSS_REQUESTS:
        results.skipped.append(f"RSS over 1M calls: measured over {rss['requests']:,} only")
    results.charts += _charts(ir, wall, table_rows, rss)
    results.goals += _goals(ir, rss)
    results.emit()
    print(
        f"\n{MODULE}: {time.perf_counter() - started:.0f} s (instructions and RSS "
        f"{counted_at - started:.0f} s, wall time {time.perf_counter() - counted_at:.0f} s)"
    )


def check_counts() -> dict[str, float]:
    """Ir per request of Mizan's own rows (C): /call/ with no and with the default
    middleware, and its validation-error path; for `make bench-check`."""
    ops = {
        f"django: mizan /call/ {MIDDLEWARE_LABELS[m]}{', validation error' if invalid else ''}": _statement(
            "mizan", m, invalid
        )
        for m in MIDDLEWARE
        for invalid in (False, True)
    }
    return _callgrind.measure(_setup("c", ("mizan",)), ops, CALLGRIND_REQUESTS, process_env("c"))


if __name__ == "__main__":
    main()
