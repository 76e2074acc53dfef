"""The `ssr` group: a 100-row table rendered by Mizan's SSR Django template backend
(React 19 in Node.js worker processes) against Django's own engines, under 1 and 8 threads.

`python -m benchmarks.ssr` configures Django in-process (benchmarks/_ssr_site.py) with two
`MizanTemplates` engines, one worker and the default pool size, DjangoTemplates and, when
jinja2 imports, Django's Jinja2 backend. All render the customer table of
benchmarks/ssr_templates/ (Table.jsx, table.html, table.jinja) from the same 100 rows with
`render_to_string`, as a view does; the SSR output is the whole SSR-3 markup, the props JSON
included. Before anything is timed, every engine's table is parsed and compared with
DjangoTemplates' (tags, sorted attributes, decoded text), every cell of every row must be in
it, and the SSR pages' embedded JSON must decode to the context. Measured
(benchmarks/_ssr_load.py): renders/s and p50/p99 latency under 1 and 8 threads, in
interleaved rounds, with the CPU time per render of this process and of the workers.
Instructions (callgrind, this process only): the props encoding and page assembly, the
Python side of a render with an in-process stand-in for the worker, a whole render with
the real worker, and the Django engines' renders.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

from benchmarks import _callgrind
from benchmarks import _ssr_load as load
from benchmarks import _ssr_site as site
from benchmarks._environment import environment
from benchmarks._results import Chart, Results, Table, instructions, times

MODULE = "benchmarks.ssr"
THREADS = (1, 8)
ROUNDS = 5
QUICK_ROUNDS = 2
SECONDS = 1.5  # per target per round
QUICK_SECONDS = 0.5
WARM_SECONDS = 0.5
CALLGRIND_RENDERS = 10  # per interval; callgrind is exact, and one render is ~10^7 Ir
ENV = {"MIZAN_PURE": "0"}

# The callgrind child's set-up: Django with every engine, the rows, the SSR pieces.
SETUP = """
from benchmarks import _ssr_site as site
site.setup()
from django.template import engines
from mizan.core.ssr import page, props_json
CONTEXT = {"rows": site.rows()}
DATA = props_json(CONTEXT)
HTML = site.renderer("django", CONTEXT)()
render_django = site.renderer("django", CONTEXT)
render_jinja2 = site.renderer("jinja2", CONTEXT) if site.HAS_JINJA2 else None
render_worker = site.renderer("ssr1", CONTEXT)
site.start_workers("ssr1")
render_worker()


class StandIn:
    # In place of the pool's Bridge: answers the HTML at once, so only Python runs.
    running = True

    def render(self, file, data):
        return HTML


engines["ssrN"].pool.bridges = tuple(StandIn() for _ in engines["ssrN"].pool.bridges)
render_stand_in = site.renderer("ssrN", CONTEXT)
"""
OPS = {
    "props_json": ("props_json(CONTEXT)", "props_json: the 100 rows as the escaped canonical JSON (C)"),
    "page": ("page(HTML, DATA)", "page: the SSR-3 markup around the HTML and the JSON"),
    "stand_in": (
        "render_stand_in()",
        "render_to_string through MizanTemplates, the worker replaced by an in-process stand-in",
    ),
    "worker": ("render_worker()", "render_to_string through MizanTemplates, real worker (this process only)"),
    "django": ("render_django()", "render_to_string through DjangoTemplates"),
    "jinja2": ("render_jinja2()", "render_to_string through Jinja2 (Django backend)"),
}
CHECK_NAME = "ssr: props JSON + SSR-3 page of the 100-row table (C)"


def labels(workers: int) -> dict[str, str]:
    return {
        "ssr1": "Mizan SSR, 1 worker",
        "ssrN": f"Mizan SSR, {workers} workers",
        "django": "DjangoTemplates",
        "jinja2": "Jinja2",
    }


def _load_table(loads: dict[tuple[str, int], load.Load], sizes: dict[str, int], workers: int) -> Table:
    names = labels(workers)
    rows = []
    for threads in THREADS:
        reference = loads[("django", threads)].per_second
        for engine in site.engines():
            item = loads[(engine, threads)]
            ssr = engine.startswith("ssr")
            rows.append(
                [
                    names[engine],
                    str(threads),
                    f"{item.per_second:,.0f}",
                    f"{min(item.rates):,.0f}–{max(item.rates):,.0f}",
                    f"{item.percentile(0.5) * 1e3:.2f}",
                    f"{item.percentile(0.99) * 1e3:.2f}",
                    f"{item.cpu_us(item.python_cpu):,.0f}",
                    f"{item.cpu_us(item.worker_cpu):,.0f}" if ssr else "",
                    times(item.per_second / reference),
                    f"{sizes[engine]:,}",
                ]
            )
    return Table(
        "renders/second and latency of the 100-row table through render_to_string, in one Django process",
        [
            "engine",
            "threads",
            "renders/s",
            "range",
            "p50 (ms)",
            "p99 (ms)",
            "Python CPU (µs/render)",
            "worker CPU (µs/render)",
            "÷ DjangoTemplates",
            "bytes",
        ],
        rows,
        note=(
            "Renders/s: the median of the rounds, `range` the lowest and highest round; latencies over every render of "
            "every round. CPU: user + system time per render of this process (all its threads) and of the SSR workers "
            "(read from /proc in clock ticks), summed over the rounds; the machine has "
            f"{os.cpu_count()} cores shared by both. ÷ DjangoTemplates: renders/s "
            "over DjangoTemplates' at the same thread count. Bytes: the output of one render; the SSR page carries "
            "the props JSON for hydration after the table, which Django's and Jinja2's tables do not."
        ),
    )


def _instructions_table(counts: dict[str, float]) -> Table:
    rows = [[OPS[name][1], instructions(value)] for name, value in counts.items()]
    return Table(
        "instructions per render in this Python process (callgrind, C extension)",
        ["operation", "Ir / op"],
        rows,
        note=(
            "Only the Python process is counted: the worker (Node.js) runs outside valgrind. The real-worker row is "
            "what this process executes for one render (encoding, the pipe write, the reader thread's line read and "
            "JSON decoding of the reply, waking the caller); the rendering itself is the worker's CPU time in the "
            "table above. The stand-in row is Mizan's own Python path without any I/O."
        ),
    )


def _chart(loads: dict[tuple[str, int], load.Load], workers: int) -> Chart:
    names = labels(workers)
    series: dict[str, list[tuple[Any, float]]] = {names[engine]: [] for engine in site.engines()}
    for engine in site.engines():
        for threads in THREADS:
            label = "1 thread" if threads == 1 else f"{threads} threads"
            series[names[engine]].append((label, round(loads[(engine, threads)].per_second, 1)))
    return Chart(
        "ssr_table",
        "100-row table: renders/second through render_to_string (one Django process, 2 cores)",
        "bar",
        "renders/second",
        series,
    )


def _method(rounds: int, seconds: float, workers: int) -> str:
    return (
        "One Django process (no database), `render_to_string(name, {'rows': rows}, using=engine)` of a 100-row "
        "customer table (5 cells a row: name and email links, company, city, balance; text with non-ASCII letters "
        "and `& < > \" '`). Mizan SSR: `mizan.ssr.MizanTemplates` with the packaged worker (Node.js "
        f"{_node_version()}, React 19 `renderToString`, the component compiled by esbuild once), with 1 worker and "
        f"with {workers} (`default_workers()`, min(4, CPU count), on this 2-core machine), every worker started "
        "before timing; the output is the SSR-3 page with the embedded props JSON. DjangoTemplates (cached loader, "
        "DEBUG off) and Jinja2 (Django's backend, autoescape on) render the same table from the same rows; before "
        "timing, each output is parsed and must equal DjangoTemplates' tag for tag (sorted attributes, decoded "
        "text), and the SSR page's JSON must decode to the context. Wall time: threads render in a loop, "
        f"{rounds} interleaved rounds of {seconds} s per target after a {WARM_SECONDS} s warm-up; an SSR render "
        "is I/O to another process, so the worker's CPU time is read next to this process's. Instructions: "
        "callgrind on this Python process only, a partial picture for SSR (the rendering happens in the worker), "
        f"the whole cost for the in-process engines. Measured on {environment()['cpu']}."
    )


def _node_version() -> str:
    import subprocess

    return subprocess.run(["node", "--version"], capture_output=True, text=True, check=True).stdout.strip()


def _counts(skipped: list[str]) -> dict[str, float] | None:
    ops = {name: code for name, (code, _) in OPS.items() if name != "jinja2" or site.HAS_JINJA2}
    try:
        return _callgrind.measure(SETUP, ops, CALLGRIND_RENDERS, ENV)
    except RuntimeError as exc:
        skipped.append(f"instructions: {exc}")
        return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROUNDS} rounds of {QUICK_SECONDS} s")
    parser.add_argument("--no-callgrind", action="store_true", help="wall clock only")
    parser.add_argument("--rounds", type=int, help=f"interleaved rounds (default {ROUNDS})")
    parser.add_argument("--seconds", type=float, help=f"seconds per target per round (default {SECONDS})")
    parser.add_argument("--workers", type=int, help="the larger pool's size (default: Mizan's default)")
    options = parser.parse_args(argv)
    started = time.perf_counter()
    rounds = options.rounds or (QUICK_ROUNDS if options.quick else ROUNDS)
    seconds = options.seconds or (QUICK_SECONDS if options.quick else SECONDS)
    skipped: list[str] = []
    if not site.HAS_JINJA2:
        skipped.append("Jinja2: jinja2 is not installed")
    workers = site.setup(options.workers)
    pids = {engine: site.start_workers(engine) for engine in ("ssr1", "ssrN")}
    context = {"rows": site.rows()}
    renders = {engine: site.renderer(engine, context) for engine in site.engines()}
    sizes = site.check_same_table({engine: render() for engine, render in renders.items()}, context)
    targets = {
        (engine, threads): (renders[engine], threads, pids.get(engine, ()))
        for threads in THREADS
        for engine in site.engines()
    }
    by_name = load.measure({f"{e} {t}": target for (e, t), target in targets.items()}, rounds, seconds, WARM_SECONDS)
    loads = {(engine, threads): by_name[f"{engine} {threads}"] for engine, threads in targets}
    for engine in ("ssr1", "ssrN"):
        site.stop_workers(engine)
    reason = "--no-callgrind given" if options.no_callgrind else _callgrind.unavailable()
    counts = None
    if reason is None:
        counts = _counts(skipped)
    else:
        skipped.append(f"instructions: {reason}")
    results = Results(
        group="ssr",
        module="ssr",
        title="a 100-row React table through Mizan's SSR template backend against Django's engines",
        method=_method(rounds, seconds, workers),
        skipped=skipped,
    )
    results.tables.append(_load_table(loads, sizes, workers))
    if counts is not None:
        results.tables.append(_instructions_table(counts))
    results.charts.append(_chart(loads, workers))
    results.emit()
    print(f"\n{MODULE}: {time.perf_counter() - started:.0f} s")


def check_counts() -> dict[str, float]:
    """Ir of Mizan's own in-process part of an SSR render for `make bench-check`: the props
    encoding and the SSR-3 page of the 100-row table (no worker: its I/O cannot gate CI)."""
    return {CHECK_NAME: _callgrind.instructions_per_op(SETUP_CHECK, "page(HTML, props_json(CONTEXT))", 50, ENV)}


SETUP_CHECK = """
from benchmarks import _ssr_site as site
site.setup()
from mizan.core.ssr import page, props_json
CONTEXT = {"rows": site.rows()}
HTML = site.renderer("django", CONTEXT)()
"""


if __name__ == "__main__":
    main()
