"""The `shapes` group: 1,000 authors with their books (and each book's publisher) through
Django in-process, a Shape-typed server function against DRF and django-ninja.

Django's `WSGIHandler` is called with a real environ (as in `benchmarks.django_inprocess`),
under the 7 default middleware, with the CSRF cookie and `X-CSRFToken` a browser sends, on
an in-memory SQLite database of 1,000 authors x 4 books x 20 publishers (the project:
benchmarks/_shapes_app.py; a text column per author and per book is in no answer). Rows: a
plain view building dicts by hand, DRF's `ListAPIView` with nested `ModelSerializer`s with
and without `prefetch_related` (the second shows the N+1), a django-ninja operation with
`response=list[AuthorOut]` of nested `Schema`s, and Mizan's `/call/` returning the same
dicts and returning `list[AuthorShape]` from `AuthorShape.query()` (C, and pure in its own
process). Every row must answer 200 and the same decoded list, field for field, as the
generators that seeded the rows describe it, before anything is measured. Reported per row:
SQL queries per request (`CaptureQueriesContext`), callgrind instructions per request,
wall-time medians of interleaved rounds, and the ratios to the plain view and to the Shape
row; for Mizan's rows, the function, the encoding and the rest apart.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import sys
import time
from collections.abc import Mapping
from typing import Any

from benchmarks import _callgrind
from benchmarks._results import Chart, Results, Table, instructions, times
from benchmarks._timing import interleaved
from benchmarks.django_inprocess import _json_from, process_env, serve, serve_statement, wsgi_environ

MODULE = "benchmarks.shapes"
# Rows, in table order: key -> label.
LABELS: dict[str, str] = {
    "plain": "plain view (prefetch_related, dicts, JsonResponse)",
    "mizan_shapes": "Mizan /call/, list[AuthorShape] from AuthorShape.query()",
    "mizan_dicts": "Mizan /call/, the plain view's dicts",
    "ninja": "django-ninja, response=list[AuthorOut] (Schema from the ORM)",
    "drf": "DRF ListAPIView, nested ModelSerializers + prefetch_related",
    "drf_n1": "DRF ListAPIView, nested ModelSerializers, no prefetch (N+1)",
}
SHORT: dict[str, str] = {
    "plain": "plain view",
    "mizan_shapes": "Mizan\nShapes",
    "mizan_dicts": "Mizan\ndicts",
    "ninja": "ninja",
    "drf": "DRF",
    "drf_n1": "DRF\nno prefetch",
}
MIZAN_FUNCTIONS = {"mizan_shapes": "authors_shapes", "mizan_dicts": "authors_dicts"}
PROCESSES = ("c", "pure")
PROCESS_LABELS = {"c": "C", "pure": "pure"}
AUTHORS = 1000
CHECK_AUTHORS = 100  # bench-check's list: a tenth, so the check stays fast
REFERENCE = "mizan_shapes"  # the row the competitors are divided by
ROUNDS = 15
QUICK_ROUNDS = 3
BATCH_SECONDS = 0.2  # a request takes 30-500 ms here: one or a few per batch
CALLGRIND_REQUESTS = 1  # per interval (a row serves 4x this); one request is ~10^8..10^9 Ir
HOT_LIMIT = 8
# Rows left out of the callgrind child: the N+1 row runs 5,001 queries in ~2 s a request,
# which callgrind stretches to minutes (x4 requests); its queries and wall time tell its story.
NOT_COUNTED = ("drf_n1",)
HAS_SHAPES = all(importlib.util.find_spec(name) is not None for name in ("mizan.shapes", "django_readers"))


# --- the requests ------------------------------------------------------------------------


def rows_of(process: str) -> tuple[str, ...]:
    """The rows `process` serves here: the competitors only on C (they run no Mizan code),
    DRF and ninja only when installed, the Shape row only when mizan.shapes imports."""
    from benchmarks import _django_project as project

    present = {
        "drf": project.HAS_DRF,
        "drf_n1": project.HAS_DRF,
        "ninja": project.HAS_NINJA,
        "mizan_shapes": HAS_SHAPES,
    }
    wanted = tuple(LABELS) if process == "c" else ("plain", "mizan_shapes", "mizan_dicts")
    return tuple(row for row in wanted if present.get(row, True))


def _environ(row: str, headers: Mapping[str, str]) -> dict[str, Any]:
    """A POST of the call to Mizan's /call/; a GET of the list to every other row."""
    from benchmarks import _shapes_app as app

    if row in MIZAN_FUNCTIONS:
        body = json.dumps({"fn": MIZAN_FUNCTIONS[row], "args": {}}, separators=(",", ":")).encode()
        return wsgi_environ(app.URLS["mizan"], body, {**headers, "Content-Type": "application/json"})
    environ = wsgi_environ(app.URLS[row], b"", headers)
    environ.update(REQUEST_METHOD="GET", CONTENT_LENGTH="")
    return environ


def configure(authors: int) -> None:
    """Django with the default middleware, DRF and the `benchmarks` app (the models of
    benchmarks._shapes_app, whose URLs it serves); the server functions registered and the
    rows created."""
    import django
    from django.conf import settings

    from benchmarks import _django_project as project
    from mizan.core.discovery import mizan_module

    base = project.settings_for(competitors=True)
    apps = [*base["INSTALLED_APPS"], "benchmarks"]  # the app of _shapes_app's models
    settings.configure(**{**base, "INSTALLED_APPS": apps, "ROOT_URLCONF": "benchmarks._shapes_app"})
    django.setup()
    mizan_module("benchmarks._shapes_app")
    if HAS_SHAPES:
        mizan_module("benchmarks._shapes_mizan")
    from benchmarks import _shapes_app as app

    app.create_rows(authors)


def namespace(process: str, authors: int = AUTHORS) -> dict[str, Any]:
    """Configure Django for `process` (c or pure), seed the database and build what the
    statements use: `serve`, `HANDLER`, `ENVIRONS[row]`; every row is checked first
    (`QUERIES[row]`, `BYTES[row]`: its SQL queries and response bytes per request)."""
    configure(authors)
    from django.core.handlers.wsgi import WSGIHandler

    from benchmarks import _shapes_app as app
    from benchmarks._call_workload import csrf_headers
    from mizan.core import _backend

    if _backend.BACKEND != {"c": "c", "pure": "py"}[process]:
        raise SystemExit(f"{MODULE}: the {process} process runs on backend {_backend.BACKEND}")
    headers = {**csrf_headers(), "Accept": "application/json"}
    environs = {row: _environ(row, headers) for row in rows_of(process)}
    handler = WSGIHandler()
    queries, sizes = _check(handler, environs, app.expected(authors))
    ns = {"serve": serve, "HANDLER": handler, "ENVIRONS": environs, "QUERIES": queries, "BYTES": sizes}
    return {**ns, "PARTS": _parts(environs)}


# The pieces of Mizan's two rows: (row, piece) -> the call that does it alone.
PIECES = ("query", "encode")


def _parts(environs: Mapping[str, Any]) -> dict[str, Any]:
    """`query` (the function's work: ORM, projection, validation) and `encode` (Mizan's
    canonical JSON of the `{"result": ...}` envelope of one query's list) of each Mizan row
    served here, as separate calls: `PARTS["<row> <piece>"]()`."""
    from benchmarks import _shapes_app as app
    from mizan.core.executor import encode

    queries: dict[str, Any] = {"mizan_dicts": app.author_dicts}
    if "mizan_shapes" in environs:
        from benchmarks._shapes_mizan import AuthorShape

        queries["mizan_shapes"] = AuthorShape.query
    parts: dict[str, Any] = {}
    for row, query in queries.items():
        envelope = {"result": query()}
        parts[f"{row} query"] = query
        parts[f"{row} encode"] = functools.partial(encode, envelope)
    return parts


def _check(
    handler: Any, environs: Mapping[str, Mapping[str, Any]], expected: list[dict[str, Any]]
) -> tuple[dict[str, int], dict[str, int]]:
    """Stop unless every row answers 200 and `expected` (decoded; Mizan's under "result"),
    the same list of authors, books and publishers, field for field, in the same order;
    the SQL queries each request ran and the bytes it answered, by row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    queries: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for row, environ in environs.items():
        with CaptureQueriesContext(connection) as captured:
            status, body = serve(handler, environ)
        answer = json.loads(body) if status == 200 else None
        if row in MIZAN_FUNCTIONS and isinstance(answer, dict):
            answer = answer.get("result")
        if answer != expected:
            raise SystemExit(f"{MODULE}: {row} answered {status} {_difference(answer, expected, body)}")
        queries[row], sizes[row] = len(captured.captured_queries), len(body)
    return queries, sizes


def _difference(answer: Any, expected: list[dict[str, Any]], body: bytes) -> str:
    """Where an answer first departs from the expected list, for the error message."""
    if not isinstance(answer, list) or len(answer) != len(expected):
        return repr(body[:300])
    index = next(i for i, (got, want) in enumerate(zip(answer, expected, strict=True)) if got != want)
    return f"author #{index}: {answer[index]!r}, expected {expected[index]!r}"


def _setup(process: str, authors: int = AUTHORS) -> str:
    return f"from {MODULE} import namespace\nglobals().update(namespace({process!r}, {authors}))\n"


# --- measuring ---------------------------------------------------------------------------


def _callgrind_counts(process: str) -> tuple[dict[str, float], dict[str, list[tuple[float, str]]]]:
    """Ir per request of every row of `process` in one callgrind child; on C also the hot
    functions of the Shape row."""
    rows = rows_of(process)
    ops = {row: serve_statement(row) for row in rows if row not in NOT_COUNTED}
    if process == "c":
        ops.update(
            {
                f"part|{row} {piece}": f'PARTS["{row} {piece}"]()'
                for row in MIZAN_FUNCTIONS
                if row in rows
                for piece in PIECES
            }
        )
    hot = (REFERENCE,) if process == "c" and REFERENCE in ops else ()
    return _callgrind.measure_with_hot(_setup(process), ops, CALLGRIND_REQUESTS, process_env(process), hot, HOT_LIMIT)


def _worker(process: str, rounds: int) -> dict[str, Any]:
    """Wall time of every row of this process, interleaved; its query and byte counts."""
    ns = namespace(process)
    fns = {row: functools.partial(serve, ns["HANDLER"], environ) for row, environ in ns["ENVIRONS"].items()}
    return {"seconds": interleaved(fns, rounds, BATCH_SECONDS), "queries": ns["QUERIES"], "bytes": ns["BYTES"]}


def _run_worker(process: str, rounds: int) -> Any:
    return _json_from([sys.executable, "-m", MODULE, "--worker", process, "--rounds", str(rounds)], process)


# --- the report --------------------------------------------------------------------------

Measured = dict[str, dict[str, float]]  # process -> row -> value


def _label(process: str, row: str) -> str:
    return LABELS[row] + (f" ({PROCESS_LABELS[process]})" if row.startswith("mizan") else "")


def _main_table(
    ir: Measured | None, wall: Measured, queries: Mapping[str, Mapping[str, int]], rows: list[str]
) -> Table:
    """Every row of the C process: queries, Ir and time, each over the plain view and the Shape row."""
    c = wall["c"]
    references = ["plain", *([REFERENCE] if REFERENCE in c else [])]
    ratios = [f"/ {SHORT[ref].replace(chr(10), ' ')}" for ref in references]
    columns = ["row", "queries", "Ir / request", *ratios, "time (ms)", *ratios]
    body = []
    for row in rows:
        cells = [_label("c", row), str(queries["c"][row])]
        counted = ir["c"] if ir is not None else {}
        if row in counted:
            cells += [instructions(counted[row]), *(times(counted[row] / counted[ref]) for ref in references)]
        else:
            cells += ["-", *("" for _ in references)]
        cells += [f"{c[row] * 1e3:.1f}", *(times(c[row] / c[ref]) for ref in references)]
        body.append(cells)
    uncounted = [LABELS[row] for row in NOT_COUNTED if row in rows]
    return Table(
        "1,000 authors x 4 books x publisher, one GET (POST /call/ for Mizan) per request, default middleware",
        columns,
        body,
        note=(
            'Every row answers the same decoded list (Mizan\'s under "result"). Ratios divide by '
            + " and by ".join(f"{LABELS[ref]} (C)" for ref in references)
            + ", all in the C process; queries: CaptureQueriesContext's count for one request."
            + (f" Not counted by callgrind: {', '.join(uncounted)} (minutes a request)." if ir and uncounted else "")
        ),
    )


def _pure_table(ir: Measured | None, wall: Measured, queries: Mapping[str, Mapping[str, int]]) -> Table:
    """Mizan's rows on the pure-Python twins (MIZAN_PURE=1), against that process's plain view."""
    columns = ["row", "queries", "Ir / request", "/ plain", "/ C", "time (ms)", "/ plain", "/ C"]
    body = []
    for row in wall["pure"]:
        cells = [_label("pure", row), str(queries["pure"][row])]
        if ir is not None:
            value = ir["pure"][row]
            cells += [instructions(value), times(value / ir["pure"]["plain"]), times(value / ir["c"][row])]
        else:
            cells += ["-", "", ""]
        seconds = wall["pure"][row]
        cells += [f"{seconds * 1e3:.1f}", times(seconds / wall["pure"]["plain"]), times(seconds / wall["c"][row])]
        body.append(cells)
    return Table(
        "the same requests on Mizan's pure-Python twins (MIZAN_PURE=1, own process)",
        columns,
        body,
        note="'/ plain' divides by the plain view of the pure process; '/ C' by the same row in the C process.",
    )


def _parts_table(ir: Measured) -> Table:
    """Where the instructions of Mizan's rows go: the function's work, the encoding, the rest."""
    c = ir["c"]
    rows = [row for row in MIZAN_FUNCTIONS if f"part|{row} query" in c]
    body = []
    for row in rows:
        whole, query, encode = c[row], c[f"part|{row} query"], c[f"part|{row} encode"]
        rest = whole - query - encode
        body.append(
            [
                _label("c", row),
                instructions(whole),
                f"{instructions(query)} ({query / whole:.0%})",
                f"{instructions(encode)} ({encode / whole:.0%})",
                f"{instructions(rest)} ({rest / whole:.0%})",
            ]
        )
    return Table(
        "where a Mizan request's instructions go (C process): Ir per request",
        ["row", "whole request", "the function (query)", "encoding the envelope", "the rest"],
        body,
        note=(
            "The function: AuthorShape.query() (ORM, django-readers projection, Pydantic validation) or the plain "
            "view's dict building, called alone. Encoding: Mizan's canonical JSON of {\"result\": <that list>} "
            "(Shapes through Pydantic's JSON-mode conversion). The rest: Django's handler, the 7 middleware, "
            "Mizan's view (CSRF check, body, parse) and the response."
        ),
    )


def _hot_table(hot: Mapping[str, list[tuple[float, str]]]) -> Table:
    rows = [[str(i + 1), function, instructions(cost)] for i, (cost, function) in enumerate(hot[REFERENCE])]
    return Table(
        f"the Shape row's hottest functions (C process): self Ir per request of {LABELS[REFERENCE]}",
        ["#", "function", "Ir"],
        rows,
    )


def _chart(ir: Measured | None, wall: Measured, rows: list[str]) -> Chart:
    series: dict[str, list[tuple[Any, float]]] = {"time (ms)": [(SHORT[row], wall["c"][row] * 1e3) for row in rows]}
    if ir is not None:
        series["Ir / 10^6"] = [(SHORT[row], ir["c"][row] / 1e6) for row in rows if row in ir["c"]]
    return Chart(
        name="shapes_authors",
        title="1,000 authors with books and publishers per request (C process, default middleware)",
        kind="bar",
        ylabel="per request (log)",
        series=series,
        log=True,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"interleaved timing rounds (default {ROUNDS})")
    parser.add_argument("--quick", action="store_true", help="fewer rounds (development)")
    parser.add_argument("--no-callgrind", action="store_true", help="wall time only")
    parser.add_argument("--worker", choices=PROCESSES, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        print(json.dumps(_worker(options.worker, options.rounds)))
        return

    started = time.perf_counter()
    rounds = QUICK_ROUNDS if options.quick else options.rounds
    skipped = _skipped()
    reason = "--no-callgrind given" if options.no_callgrind else _callgrind.unavailable()
    if reason is not None:
        skipped.append(f"instructions: {reason}")
    # The two callgrind children (one per process) run side by side; wall time afterwards,
    # one process at a time, with nothing else of this run going on.
    ir: Measured | None = None
    hot: dict[str, list[tuple[float, str]]] = {}
    if reason is None:
        ir, hot = _callgrind.side_by_side(PROCESSES, _callgrind_counts)
    counted_at = time.perf_counter()
    wall: Measured = {}
    queries: dict[str, dict[str, int]] = {}
    sizes: dict[str, int] = {}
    for process in PROCESSES:
        result = _run_worker(process, rounds)
        wall[process], queries[process] = result["seconds"], result["queries"]
        if process == "c":
            sizes = result["bytes"]

    rows = list(wall["c"])
    results = Results(
        group="django",
        module="shapes",
        title="1,000 authors with nested books through Django in-process: Shapes against DRF and django-ninja",
        method=(
            "Django's WSGIHandler in-process with a real environ, the 7 default middleware, the csrftoken cookie and "
            "the masked 64-character X-CSRFToken a browser sends, Accept: application/json. "
            "Data: 1,000 authors x 4 books, each book with one of 20 "
            "publishers, in an in-memory SQLite database (Meta.ordering by id on every model; Author.bio and "
            "Book.summary, a few hundred characters each, are in no answer: the Shape's projection leaves them out "
            "of its SELECT, the other rows' querysets load them, as written); every row serves all "
            "of it, two levels deep (author -> books -> publisher), and must answer the same decoded list, field "
            "for field, before anything is measured. Queries: CaptureQueriesContext over one request. "
            f"Instructions: callgrind Ir per request (PYTHONHASHSEED=0, {CALLGRIND_REQUESTS} request per interval). "
            f"Wall time: medians of {rounds} interleaved rounds. Mizan pure (MIZAN_PURE=1) runs in its own process "
            f"with its own plain view. Response bodies: {_sizes(sizes)}."
        ),
        skipped=skipped,
    )
    results.tables.append(_main_table(ir, wall, queries, rows))
    results.tables.append(_pure_table(ir, wall, queries))
    if ir is not None:
        results.tables.append(_parts_table(ir))
    if hot:
        results.tables.append(_hot_table(hot))
    results.charts.append(_chart(ir, wall, rows))
    results.emit()
    print(
        f"\n{MODULE}: {time.perf_counter() - started:.0f} s (instructions {counted_at - started:.0f} s, "
        f"wall time {time.perf_counter() - counted_at:.0f} s)"
    )


def _skipped() -> list[str]:
    """The rows this machine cannot serve, and why."""
    from benchmarks import _django_project as project

    missing = {
        "drf": not project.HAS_DRF,
        "ninja": not project.HAS_NINJA,
        "mizan_shapes": not HAS_SHAPES,
    }
    reasons = {
        "drf": "djangorestframework is not installed (the `bench` extra)",
        "ninja": "django-ninja is not installed (the `bench` extra)",
        "mizan_shapes": "mizan.shapes or django-readers is not importable (the `shapes` extra)",
    }
    return [f"{LABELS[row]}: {reasons[row]}" for row, absent in missing.items() if absent]


def _sizes(sizes: Mapping[str, int]) -> str:
    return ", ".join(f"{SHORT[row].replace(chr(10), ' ')} {size:,} B" for row, size in sizes.items())


def check_counts() -> dict[str, float]:
    """Ir per request of the Shape row (C) for `make bench-check`."""
    ops = {f"shapes: mizan /call/ {CHECK_AUTHORS} authors as list[AuthorShape] (C)": serve_statement(REFERENCE)}
    return _callgrind.measure(_setup("c", CHECK_AUTHORS), ops, CALLGRIND_REQUESTS, process_env("c"))


if __name__ == "__main__":
    main()
