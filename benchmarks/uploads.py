"""The `uploads` group: a 10 MiB upload and a form's `.validate` through Django in-process,
Mizan's `/call/` against the plain Django view a user would write instead.

Django's `WSGIHandler` is called with a real environ (as in `benchmarks.django_inprocess`),
the body a byte stream in `wsgi.input`, under Django's 7 default middleware, with the
`csrftoken` cookie and the masked 64-character `X-CSRFToken` a browser sends (the project:
benchmarks/_uploads_app.py). Upload: an httpx-built multipart body (`fn`, `args`, a 10 MiB
file part) to `upload_size(file: Upload)` and to a view reading `request.FILES`, both in
64 KB chunks; Django's default FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) spools the file to a
temporary file in both. Validate: `contact.validate` (six typical fields; a valid and an
invalid payload) and a view binding the same form to the parsed JSON. Every row answers 200
and the same decoded JSON, and 403 without the token, first. Reported: callgrind Ir, medians
of interleaved rounds, peak-RSS growth of fresh processes; Mizan C and pure (MIZAN_PURE=1)
run in separate processes, each with its own plain views, the reference of its ratios.
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from benchmarks import _callgrind
from benchmarks._results import Results, Table, instructions, times
from benchmarks._timing import interleaved
from benchmarks.django_inprocess import _json_from, _rss, fresh, process_env, serve, serve_statement, wsgi_environ

MODULE = "benchmarks.uploads"
UPLOAD_BYTES = 10 * 1024 * 1024
CHECK_UPLOAD_BYTES = 64 * 1024  # bench-check's upload: small, so the check stays fast
CHECK_REQUESTS = 3  # per interval: Django's import dominates the check child; 36 requests add ~6 s
PROCESSES = ("c", "pure")
MIZAN_LABEL = {"c": "Mizan /call/ (C)", "pure": "Mizan /call/ (pure)"}
# Statement keys: "<case>|<row>", row "plain" or "mizan".
CASES = ("upload", "valid", "invalid")
ROUNDS = 21
QUICK_ROUNDS = 5
BATCH_SECONDS = 0.05  # a 10 MiB upload takes ~15 ms: a few per batch; a validate, 100+
CALLGRIND_REQUESTS = {"upload": 1, "valid": 10, "invalid": 10}  # per interval (x4 served)
RSS_UPLOADS = 10
RSS_PROCESSES = 3  # fresh processes per row: the growth is page-level noise, so a median
HOT_LIMIT = 8


# --- the requests ------------------------------------------------------------------------


def namespace(process: str, upload_bytes: int = UPLOAD_BYTES, parts: bool = False) -> dict[str, Any]:
    """Configure Django and build what the statements use: `serve`, `HANDLER`,
    `ENVIRONS["<case>|<row>"]`, and with `parts` the pieces of an upload (`PARTS`). Every
    statement is checked first: 200 and the same answer from both rows, 403 without the
    token."""
    from django.core.handlers.wsgi import WSGIHandler

    from benchmarks import _uploads_app as app
    from benchmarks._call_workload import csrf_headers
    from mizan.core import _backend

    app.configure()
    if _backend.BACKEND != {"c": "c", "pure": "py"}[process]:
        raise SystemExit(f"{MODULE}: the {process} process runs on backend {_backend.BACKEND}")
    csrf = csrf_headers()
    body, content_type = app.multipart_body(upload_bytes)
    requests = {
        "upload": (body, {**csrf, "Content-Type": content_type}),
        "valid": (app.validate_body(app.VALID_DATA), {**csrf, "Content-Type": "application/json"}),
        "invalid": (app.validate_body(app.INVALID_DATA), {**csrf, "Content-Type": "application/json"}),
    }
    environs: dict[str, dict[str, Any]] = {}
    for case, (data, headers) in requests.items():
        plain = app.URLS["plain_upload" if case == "upload" else "plain_validate"]
        environs[f"{case}|plain"] = wsgi_environ(plain, data, headers)
        environs[f"{case}|mizan"] = wsgi_environ(app.URLS["mizan"], data, headers)
    handler = WSGIHandler()
    ns = {"serve": serve, "HANDLER": handler, "ENVIRONS": environs, "ANSWERS": _check(handler, environs)}
    if parts:
        ns["PARTS"] = _parts(environs["upload|plain"], content_type)
    return ns


def _check(handler: Any, environs: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Stop unless both rows of each case answer 200 and the same decoded JSON, and 403
    when the X-CSRFToken header is left out; the answers by case."""
    answers: dict[str, Any] = {}
    for key, environ in environs.items():
        case, row = key.split("|")
        status, body = serve(handler, environ)
        if status != 200 or answers.setdefault(case, json.loads(body)) != json.loads(body):
            raise SystemExit(f"{MODULE}: {row} answered {case} with {status} {body[:300]!r}")
        tokenless = {name: value for name, value in environ.items() if name != "HTTP_X_CSRFTOKEN"}
        if serve(handler, tokenless)[0] != 403:
            raise SystemExit(f"{MODULE}: {row} answered {case} without a CSRF token")
    return answers


# name -> (label, the reference subtracted or None)
PARTS: dict[str, tuple[str, str | None]] = {
    "parse": ("Django's multipart parse: request.FILES (temp file written, then deleted)", "request"),
    "read": ("reading the temp file back in 64 KB chunks (the function's work)", None),
    "watch": ("Mizan's closing-delimiter watch over the body's reads (mizan.multipart)", None),
}


def _parts(environ: Mapping[str, Any], content_type: str) -> dict[str, Callable[[], Any]]:
    """The pieces of an upload request as separate calls (on the upload's environ)."""
    from django.core.handlers.wsgi import WSGIRequest

    from mizan.multipart import ClosingDelimiterWatch

    body: bytes = environ["benchmark.body"]
    chunk = 64 * 1024  # Django's parser reads the stream in its handlers' chunk size
    pieces = [body[at : at + chunk] for at in range(0, len(body), chunk)]
    boundary = content_type.partition("boundary=")[2].encode()
    kept = WSGIRequest(fresh(environ))
    upload = kept.FILES["file"]  # stays open (and on disk) for the `read` piece

    def parse() -> None:
        request = WSGIRequest(fresh(environ))
        request.FILES  # noqa: B018 - the parse
        request.close()  # closes the files, deleting the temporary one, as the handler does

    def read() -> int:
        return sum(len(piece) for piece in upload.chunks())

    def watch() -> bool:
        seen = ClosingDelimiterWatch(None, boundary)
        for piece in pieces:
            seen._see(piece)
        return seen.complete

    if not watch() or read() != upload.size:
        raise SystemExit(f"{MODULE}: the upload's pieces do not see the whole body")
    return {"request": lambda: WSGIRequest(fresh(environ)), "parse": parse, "read": read, "watch": watch}


def _setup(process: str, upload_bytes: int = UPLOAD_BYTES, parts: bool = False) -> str:
    call = f"namespace({process!r}, {upload_bytes}, parts={parts})"
    return f"from {MODULE} import namespace\nglobals().update({call})\n"


# --- measuring ---------------------------------------------------------------------------


def _callgrind_counts(process: str) -> tuple[dict[str, float], dict[str, list[tuple[float, str]]]]:
    """Ir per request of every statement of `process` in one callgrind child (on C, also
    the upload's pieces and the hot functions of both upload rows)."""
    keys = [f"{case}|{row}" for case in CASES for row in ("plain", "mizan")]
    ops = {key: serve_statement(key) for key in keys}
    counts = {key: CALLGRIND_REQUESTS[key.split("|")[0]] for key in keys}
    parts = process == "c"
    if parts:
        for name in ("request", *PARTS):
            ops[f"part|{name}"] = f'PARTS["{name}"]()'
            counts[f"part|{name}"] = CALLGRIND_REQUESTS["upload"]
    hot = ("upload|plain", "upload|mizan") if parts else ()
    return _callgrind.measure_with_hot(_setup(process, parts=parts), ops, counts, process_env(process), hot, HOT_LIMIT)


def _wall_worker(process: str, rounds: int) -> dict[str, Any]:
    """Wall time of every statement of this process, interleaved."""
    ns = namespace(process)
    fns = {key: functools.partial(serve, ns["HANDLER"], environ) for key, environ in ns["ENVIRONS"].items()}
    return {"seconds": interleaved(fns, rounds, BATCH_SECONDS), "answers": ns["ANSWERS"]}


def _rss_worker(process: str, row: str, uploads: int) -> dict[str, Any]:
    """The peak RSS of a fresh process over `uploads` 10 MiB uploads to `row`. The peak is
    reset once everything, the bodies included, is built and namespace()'s check has served
    every request once (first-use costs): `after - before` is what serving adds."""
    ns = namespace(process)
    gc.collect()
    reset = _reset_peak()
    before = _rss("VmHWM")
    for _ in range(uploads):
        serve(ns["HANDLER"], ns["ENVIRONS"][f"upload|{row}"])
    return {"reset": reset, "before": before, "after": _rss("VmHWM")}


def _peak_growth() -> dict[str, list[int]] | None:
    """Peak-RSS growth per upload row, from RSS_PROCESSES fresh processes each; None when
    the peak cannot be reset here."""
    samples = {
        f"{p}:{row}": [_run_worker(p, ["--rss-worker", p, row]) for _ in range(RSS_PROCESSES)] for p, row in RSS_ROWS
    }
    if not all(sample["reset"] for runs in samples.values() for sample in runs):
        return None
    return {key: [sample["after"] - sample["before"] for sample in runs] for key, runs in samples.items()}


def _reset_peak() -> bool:
    """Hand free heap pages back to the OS (glibc's malloc_trim), then reset VmHWM to the
    current RSS (Linux >= 4.0): pages freed earlier (building the bodies) would otherwise
    hide what serving touches. False when the peak cannot be reset here."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: the peak is still reset, only less sensitive
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


def _run_worker(process: str, arguments: list[str]) -> Any:
    """`python -m benchmarks.uploads <arguments>` on `process`'s backend; its JSON."""
    return _json_from([sys.executable, "-m", MODULE, *arguments], process)


# --- the report --------------------------------------------------------------------------

Measured = dict[str, dict[str, float]]  # process -> "<case>|<row>" (or "part|<name>") -> value
RSS_ROWS = (("c", "plain"), ("c", "mizan"), ("pure", "mizan"))


def _label(process: str, row: str) -> str:
    return MIZAN_LABEL[process] if row == "mizan" else "plain Django view"


def _vs_plain(values: Measured, process: str, case: str) -> float:
    """Mizan over the plain view of the same process."""
    return values[process][f"{case}|mizan"] / values[process][f"{case}|plain"]


def _upload_table(ir: Measured | None, wall: Measured, growth: Mapping[str, list[int]] | None) -> Table:
    columns = ["row", "Ir / request", "/ plain", "time (ms)", "/ plain", "peak RSS growth (KB)", "/ plain"]
    body = []
    plain_growth = statistics.median(growth["c:plain"]) if growth else 0
    for process, row in RSS_ROWS:
        key, mizan = f"upload|{row}", row == "mizan"
        grown = sorted(growth[f"{process}:{row}"]) if growth else None
        body.append(
            [
                _label(process, row) + ("" if mizan else " (request.FILES)"),
                instructions(ir[process][key]) if ir else "-",
                times(_vs_plain(ir, process, "upload")) if ir and mizan else "",
                f"{wall[process][key] * 1e3:.2f}",
                times(_vs_plain(wall, process, "upload")) if mizan else "",
                f"{statistics.median(grown) / 1024:.0f} ({grown[0] / 1024:.0f}-{grown[-1] / 1024:.0f})"
                if grown
                else "-",
                times(statistics.median(grown) / plain_growth) if grown and plain_growth and mizan else "",
            ]
        )
    return Table(
        f"a {UPLOAD_BYTES / 2**20:g} MiB upload (multipart: fn, args, one file part), default middleware + CSRF token",
        columns,
        body,
        note=(
            "Ratios divide by the plain view of the same process (the pure row's own plain view: "
            + (f"{instructions(ir['pure']['upload|plain'])} Ir, " if ir else "")
            + f"{wall['pure']['upload|plain'] * 1e3:.2f} ms). Peak RSS growth: VmHWM over {RSS_UPLOADS} uploads in a "
            f"fresh process, median (min-max) of {RSS_PROCESSES} processes; the peak is reset (malloc_trim, "
            "clear_refs) after the bodies are built and each request served once, the plain row runs on C. A few "
            "hundred KB is page-level noise between processes; a view holding the body in memory would add ~10 MB."
        ),
    )


def _parts_table(ir: Measured) -> Table:
    c = ir["c"]
    whole = c["upload|mizan"]
    rows = [
        ("whole request, plain view", c["upload|plain"]),
        ("whole request, Mizan /call/ (C)", whole),
        ("  Mizan - plain", whole - c["upload|plain"]),
    ]
    for name, (label, reference) in PARTS.items():
        rows.append((f"  {label}", c[f"part|{name}"] - (c[f"part|{reference}"] if reference else 0)))
    return Table(
        "where an upload's instructions go (C process): Ir per request",
        ["piece", "Ir", "share of Mizan's request"],
        [[label, instructions(value), f"{value / whole:.1%}"] for label, value in rows],
        note=(
            "Each piece called alone on the same body; the parse has building its WSGIRequest subtracted. Django's "
            "CSRF check runs that parse in both rows (it looks for csrfmiddlewaretoken in request.POST first)."
        ),
    )


def _hot_table(hot: Mapping[str, list[tuple[float, str]]]) -> Table:
    pairs = zip(hot["upload|plain"], hot["upload|mizan"], strict=True)
    rows = [[str(i + 1), p, instructions(pc), m, instructions(mc)] for i, ((pc, p), (mc, m)) in enumerate(pairs)]
    return Table(
        "the upload's hottest functions (C process): self Ir per request",
        ["#", "plain view: function", "Ir", "Mizan /call/ (C): function", "Ir"],
        rows,
    )


def _validate_table(ir: Measured | None, wall: Measured) -> Table:
    columns = ["row"]
    for case in ("valid", "invalid"):
        columns += [f"{case}: Ir", "/ plain"] if ir else []
    for case in ("valid", "invalid"):
        columns += [f"{case}: time (us)", "/ plain"]
    body = []
    for process, row in (("c", "plain"), ("c", "mizan"), ("pure", "mizan")):
        mizan = row == "mizan"
        cells = [_label(process, row) + ("" if mizan else " (form.is_valid, form.errors)")]
        if ir is not None:
            for case in ("valid", "invalid"):
                cells += [
                    instructions(ir[process][f"{case}|{row}"]),
                    times(_vs_plain(ir, process, case)) if mizan else "",
                ]
        for case in ("valid", "invalid"):
            cells += [
                f"{wall[process][f'{case}|{row}'] * 1e6:.1f}",
                times(_vs_plain(wall, process, case)) if mizan else "",
            ]
        body.append(cells)
    return Table(
        "contact.validate (6 fields) through /call/ against a plain view, default middleware + CSRF token",
        columns,
        body,
        note="Ratios divide by the plain view of the same process; both answer the same JSON (200, valid and invalid).",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"interleaved timing rounds (default {ROUNDS})")
    parser.add_argument("--quick", action="store_true", help="fewer rounds (development)")
    parser.add_argument("--no-callgrind", action="store_true", help="wall time and RSS only")
    parser.add_argument("--worker", choices=PROCESSES, help=argparse.SUPPRESS)
    parser.add_argument("--rss-worker", nargs=2, metavar=("PROCESS", "ROW"), help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        print(json.dumps(_wall_worker(options.worker, options.rounds)))
        return
    if options.rss_worker:
        process, row = options.rss_worker
        print(json.dumps(_rss_worker(process, row, RSS_UPLOADS)))
        return

    started = time.perf_counter()
    rounds = QUICK_ROUNDS if options.quick else options.rounds
    skipped: list[str] = []
    reason = "--no-callgrind given" if options.no_callgrind else _callgrind.unavailable()
    if reason is not None:
        skipped.append(f"instructions: {reason}")
    # Instructions and peak RSS do not depend on wall time: the two callgrind children run
    # side by side, then the RSS processes; wall time is taken last, with nothing else running.
    ir: Measured | None = None
    hot: dict[str, list[tuple[float, str]]] = {}
    if reason is None:
        ir, hot = _callgrind.side_by_side(PROCESSES, _callgrind_counts)
    growth = _peak_growth()
    if growth is None:
        skipped.append("peak RSS growth: /proc/self/clear_refs is not writable here")
    counted_at = time.perf_counter()
    wall: Measured = {}
    answers: list[Any] = []
    for process in PROCESSES:
        result = _run_worker(process, ["--worker", process, "--rounds", str(rounds)])
        wall[process], answers = result["seconds"], [*answers, result["answers"]]
    if answers[0] != answers[-1]:
        raise SystemExit(f"{MODULE}: C and pure answered differently: {answers!r}")

    results = Results(
        group="django",
        module="uploads",
        title="a 10 MiB upload and a form's validate through Django in-process: Mizan against plain views",
        method=(
            "Django's WSGIHandler in-process with a real environ (body stream in wsgi.input), the 7 default "
            "middleware, the csrftoken cookie and the masked X-CSRFToken a browser sends. Upload: an httpx-built "
            f"multipart body with a {UPLOAD_BYTES / 2**20:g} MiB file, read in 64 KB chunks by the server function "
            "and by a plain view on request.FILES (both spooled to a temporary file). Validate: contact.validate, "
            "a 6-field Django form, against a plain view binding it to the parsed JSON. Same answers and 403 "
            "without the token checked first. Instructions: callgrind Ir per request (PYTHONHASHSEED=0; "
            f"{CALLGRIND_REQUESTS['upload']} upload per interval, which repeats within 0.5 % of two). Wall time: "
            f"medians of {rounds} interleaved rounds. C and pure run in separate processes with their plain views."
        ),
        skipped=skipped,
    )
    results.tables.append(_upload_table(ir, wall, growth))
    if ir is not None:
        results.tables += [_parts_table(ir), _hot_table(hot)]
    results.tables.append(_validate_table(ir, wall))
    results.emit()
    print(
        f"\n{MODULE}: {time.perf_counter() - started:.0f} s (instructions and RSS {counted_at - started:.0f} s, "
        f"wall time {time.perf_counter() - counted_at:.0f} s)"
    )


def check_counts() -> dict[str, float]:
    """Ir per request of Mizan's own rows (C) for `make bench-check`: a 64 KB upload and
    contact.validate, valid and invalid."""
    ops = {
        "uploads: mizan /call/ 64 KB upload (C)": serve_statement("upload|mizan"),
        "uploads: mizan contact.validate, valid (C)": serve_statement("valid|mizan"),
        "uploads: mizan contact.validate, invalid (C)": serve_statement("invalid|mizan"),
    }
    return _callgrind.measure(_setup("c", CHECK_UPLOAD_BYTES), ops, CHECK_REQUESTS, process_env("c"))


if __name__ == "__main__":
    main()
