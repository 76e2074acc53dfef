"""The `http` group: requests/second over real HTTP on loopback, Mizan against the views and
routes a user would otherwise write, under a real server and a real load generator.

`python -m benchmarks.http_servers` starts, on free 127.0.0.1 ports:

- Django (`benchmarks._django_wsgi:application`, default middleware) under one gunicorn
  gthread worker: the plain view `plain/`, Mizan's `api/mizan/call/`, the hand-written
  Python view `python/call/`, django-ninja `ninja/call/` and DRF `drf/call/`, each POSTed
  `benchmarks._django_project.BODY`;
- FastAPI (`benchmarks.fastapi_call`'s app factory) under uvicorn: a bare Starlette route,
  an idiomatic FastAPI route and Mizan's router, with a `def` function (`BODY`) and an
  `async def` one (`ASYNC_BODY`);

each server pinned to one CPU (`taskset`) and driven by `wrk -t1 -c4` pinned to the other,
in interleaved rounds (the order rotates every round; the median of each target is kept).
A second server of each kind runs with MIZAN_PURE=1 for the "Mizan (pure)" rows. Before
anything is timed, every target is sent the request once with the stdlib HTTP client and
must answer 200 with the same decoded JSON.

Goals measured (issue 8): G3 over HTTP (Mizan ≥ 0.93× the plain view's req/s), G4 over HTTP
(≥ 1.2× django-ninja, ≥ 1.9× DRF) and G7 over HTTP (Mizan's FastAPI `/call/` ≥ 1.0× the
idiomatic FastAPI route). Wall clock only: instruction counts of a whole server are not
repeatable (two processes, the kernel, timers), and the in-process groups count those.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import signal
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, replace
from types import FrameType
from typing import Any

from benchmarks import _http_load as http
from benchmarks._results import Chart, Goal, Results, Table, times

ROUNDS = 8
QUICK_ROUNDS = 3
SECONDS = 1  # per wrk run; wrk's -d takes whole seconds
CONNECTIONS = 4
GUNICORN_THREADS = http.GUNICORN_THREADS
DJANGO_APP = "benchmarks._django_wsgi:application"
DJANGO_READY = "/plain/"
# The over-HTTP parts of issue 8's goals.
AIMS = {
    "G3": "over HTTP, Mizan /call/ ≥ 0.93× the plain view's req/s",
    "G4": "over HTTP, Mizan ≥ 1.2× django-ninja's and ≥ 1.9× DRF's req/s",
    "G7": "over HTTP, Mizan's FastAPI /call/ ≥ 1.0× the idiomatic FastAPI route's req/s (def and async def)",
}


@dataclass(frozen=True)
class Route:
    """A target before its server's port is known: row name, path, which body, backend."""

    key: str
    label: str
    path: str
    pure: bool = False
    is_async: bool = False


# Paths as benchmarks._django_project.URLS names them (keys without " pure").
DJANGO_ROUTES = (
    Route("plain", "plain view", "plain"),
    Route("mizan", "Mizan", "mizan"),
    Route("mizan pure", "Mizan (pure)", "mizan", pure=True),
    Route("python", "hand-written Python", "python"),
    Route("ninja", "django-ninja", "ninja"),
    Route("drf", "DRF", "drf"),
)
FASTAPI_ROUTES = (
    Route("starlette", "bare Starlette", "/starlette/call/"),
    Route("fastapi", "idiomatic FastAPI", "/fastapi/call/"),
    Route("mizan", "Mizan", "/api/mizan/call/"),
    Route("mizan pure", "Mizan (pure)", "/api/mizan/call/", pure=True),
    Route("starlette async", "bare Starlette", "/starlette/acall/", is_async=True),
    Route("fastapi async", "idiomatic FastAPI", "/fastapi/acall/", is_async=True),
    Route("mizan async", "Mizan", "/api/mizan/call/", is_async=True),
    Route("mizan pure async", "Mizan (pure)", "/api/mizan/call/", pure=True, is_async=True),
)


def check_counts() -> dict[str, float]:
    """No instruction counts: this group is wall clock only.

    A request over HTTP crosses two processes and the kernel, so callgrind cannot count it
    repeatably; `make bench-check` gets Mizan's per-request counts from the in-process
    groups (django, core). Defined so that every group answers the same interface.
    """
    return {}


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _uvicorn_settings() -> tuple[str, str]:
    """uvicorn's fastest event loop and HTTP parser among those installed."""
    loop = "uvloop" if _installed("uvloop") else "asyncio"
    parser = "httptools" if _installed("httptools") else "h11"
    return loop, parser


def _fastapi_factory() -> str:
    """The app factory of benchmarks.fastapi_call (`build_app`, formerly `_build_app`)."""
    from benchmarks import fastapi_call

    name = "build_app" if hasattr(fastapi_call, "build_app") else "_build_app"
    return f"benchmarks.fastapi_call:{name}"


def _gunicorn(port: int, cpu: int | None, pure: bool) -> http.Server:
    command = http.gunicorn_command(DJANGO_APP, port)
    name = f"gunicorn ({'pure' if pure else 'C'})"
    env = http.server_env(MIZAN_PURE="1" if pure else "0")
    return http.Server(name, http.pinned(command, cpu), port, env, ready_path=DJANGO_READY)


def _uvicorn(port: int, cpu: int | None, pure: bool) -> http.Server:
    loop, parser = _uvicorn_settings()
    command = http.python_command(
        "-m",
        "uvicorn",
        "--factory",
        _fastapi_factory(),
        "--host",
        http.HOST,
        "--port",
        str(port),
        "--loop",
        loop,
        "--http",
        parser,
        "--log-level",
        "warning",
        "--no-access-log",
    )
    name = f"uvicorn ({'pure' if pure else 'C'})"
    return http.Server(name, http.pinned(command, cpu), port, http.server_env(MIZAN_PURE="1" if pure else "0"))


@dataclass(frozen=True)
class Group:
    """One server kind and what is sent to it: every target gets the same headers, and
    its body by kind (`def` or `async def` function)."""

    name: str
    routes: tuple[Route, ...]
    start: Callable[[int, int | None, bool], http.Server]  # (port, cpu, pure) -> server
    bodies: dict[bool, bytes]  # is_async -> body
    headers: tuple[tuple[str, str], ...]
    expected: Any  # the decoded JSON every target must answer


def _check_same(group: Group, targets: list[http.Target]) -> None:
    """Every target answers 200 and the group's expected decoded JSON."""
    for target in targets:
        answer = http.post(target.port, target.path, target.body, target.headers)
        if answer.status != 200:
            raise SystemExit(
                f"benchmarks.http_servers: {group.name} {target.name} answered {answer.status} {answer.body[:300]!r}"
            )
        if answer.json() != group.expected:
            raise SystemExit(
                f"benchmarks.http_servers: {group.name} {target.name} answered {answer.body[:300]!r}, "
                f"expected {group.expected!r}"
            )


def _measure(group: Group, pure: bool, rounds: int, seconds: int) -> dict[str, http.Summary]:
    """Start the group's server(s) (C, and pure if asked), check every target, then run
    the interleaved wrk rounds; the servers are stopped however this ends."""
    server_cpu, load_cpu = http.cpus()
    backends = (False, True) if pure else (False,)
    routes = [route for route in group.routes if pure or not route.pure]
    ports = {backend: http.free_port() for backend in backends}
    with http.servers(*(group.start(ports[backend], server_cpu, backend) for backend in backends)) as started:
        pgids = {backend: server.group for backend, server in zip(backends, started, strict=True)}
        targets = [
            http.Target(
                route.key, ports[route.pure], route.path, group.bodies[route.is_async], group.headers, pgids[route.pure]
            )
            for route in routes
        ]
        _check_same(group, targets)
        return http.rounds(targets, rounds, seconds, load_cpu, CONNECTIONS)


def _cpu_ratio(mizan: http.Summary, other: http.Summary) -> float | None:
    """The row's server CPU per request over Mizan's: Mizan's throughput edge at equal CPU."""
    if mizan.cpu_us is None or other.cpu_us is None:
        return None
    return other.cpu_us / mizan.cpu_us


def _row(route: Route, summary: http.Summary, mizan: http.Summary) -> list[str]:
    by_cpu = _cpu_ratio(mizan, summary)
    return [
        route.label,
        route.path,
        f"{summary.per_second:,.0f}",
        f"{summary.low:,.0f}–{summary.high:,.0f}",
        f"{summary.p50_us:,.0f}",
        f"{summary.p99_us:,.0f}",
        "" if summary.cpu_us is None else f"{summary.cpu_us:,.0f}",
        times(mizan.per_second / summary.per_second),
        "" if by_cpu is None else times(by_cpu),
    ]


COLUMNS = [
    "target",
    "path",
    "req/s",
    "range",
    "p50 (µs)",
    "p99 (µs)",
    "CPU (µs/req)",
    "Mizan ÷ row",
    "by CPU",
]
NOTE = (
    "Mizan ÷ row: Mizan's req/s (C extension) over the row's, ≥ 1 when Mizan serves more. CPU: the "
    "server's CPU time (user + system, all its processes) per request, median of the rounds; `by CPU` "
    "is the row's CPU per request over Mizan's, the same ratio measured on CPU time, which other jobs "
    "on the machine disturb much less than req/s."
)


def _also_by_cpu(mizan: http.Summary, other: http.Summary) -> str:
    by_cpu = _cpu_ratio(mizan, other)
    return "" if by_cpu is None else f" (by server CPU per request {times(by_cpu)})"


def _errors_note(summaries: dict[str, http.Summary]) -> str:
    errors = {name: s.errors for name, s in summaries.items() if s.errors}
    return f"socket errors reported by wrk: {errors}" if errors else ""


def _django(results: Results, pure: bool, rounds: int, seconds: int) -> None:
    from benchmarks import _django_project as project

    installed = {"ninja": project.HAS_NINJA, "drf": project.HAS_DRF}
    routes = [
        replace(route, path=project.URLS[route.path]) for route in DJANGO_ROUTES if installed.get(route.key, True)
    ]
    missing = [route.label for route in DJANGO_ROUTES if not installed.get(route.key, True)]
    if missing:
        _skip(results, f"the {' and '.join(missing)} rows", "not installed (the `bench` extra)", "G4")
    headers = tuple(project.HEADERS.items())
    group = Group("django", tuple(routes), _gunicorn, {False: project.BODY}, headers, project.RESULT)
    summaries = _measure(group, pure, rounds, seconds)
    routes = [route for route in routes if route.key in summaries]
    mizan = summaries["mizan"]
    note = NOTE
    errors = _errors_note(summaries)
    results.tables.append(
        Table(
            "Django over HTTP: one gunicorn gthread worker, POST /call/ with default middleware",
            COLUMNS,
            [_row(route, summaries[route.key], mizan) for route in routes],
            "\n".join(filter(None, (note, errors))),
        )
    )
    results.charts.append(
        Chart(
            "http_django",
            "Django over HTTP: requests/second, one gunicorn gthread worker on one core",
            "bar",
            "requests/second",
            {"req/s": [(route.label, round(summaries[route.key].per_second, 1)) for route in routes]},
        )
    )
    plain = summaries["plain"].per_second
    g3 = mizan.per_second / plain
    results.goals.append(
        Goal(
            "G3",
            AIMS["G3"],
            f"Mizan {mizan.per_second:,.0f} req/s ÷ plain view {plain:,.0f} req/s = {times(g3)}"
            + _also_by_cpu(mizan, summaries["plain"]),
            g3 >= 0.93,
        )
    )
    if not missing:
        ninja, drf = summaries["ninja"].per_second, summaries["drf"].per_second
        over_ninja, over_drf = mizan.per_second / ninja, mizan.per_second / drf
        results.goals.append(
            Goal(
                "G4",
                AIMS["G4"],
                f"{times(over_ninja)} django-ninja ({ninja:,.0f} req/s){_also_by_cpu(mizan, summaries['ninja'])}, "
                f"{times(over_drf)} DRF ({drf:,.0f} req/s){_also_by_cpu(mizan, summaries['drf'])}",
                over_ninja >= 1.2 and over_drf >= 1.9,
            )
        )


def _fastapi(results: Results, pure: bool, rounds: int, seconds: int) -> None:
    from benchmarks import fastapi_call

    bodies = {False: fastapi_call.BODY, True: fastapi_call.ASYNC_BODY}
    expected = json.loads(fastapi_call.EXPECTED)
    group = Group("fastapi", FASTAPI_ROUTES, _uvicorn, bodies, http.JSON_HEADERS, expected)
    summaries = _measure(group, pure, rounds, seconds)
    loop, parser = _uvicorn_settings()
    ratios = {}
    rows: list[list[str]] = []
    chart: dict[str, list[tuple[Any, float]]] = {"def": [], "async def": []}
    for is_async, kind in ((False, "def"), (True, "async def")):
        routes = [r for r in FASTAPI_ROUTES if r.is_async == is_async and r.key in summaries]
        mizan = summaries["mizan async" if is_async else "mizan"]
        rows.extend(_row(route, summaries[route.key], mizan) for route in routes)
        chart[kind] = [(route.label, round(summaries[route.key].per_second, 1)) for route in routes]
        fastapi = summaries["fastapi async" if is_async else "fastapi"]
        ratios[kind] = (mizan.per_second, fastapi.per_second, _also_by_cpu(mizan, fastapi))
    note = (
        "The first rows call a `def` function (threadpool), the last ones an `async def` one (on the "
        f"loop); Mizan ÷ row compares within the same kind.\n{NOTE}"
    )
    results.tables.append(
        Table(
            f"FastAPI over HTTP: one uvicorn process (loop {loop}, http {parser}), POST /call/",
            COLUMNS,
            rows,
            "\n".join(filter(None, (note, _errors_note(summaries)))),
        )
    )
    results.charts.append(
        Chart(
            "http_fastapi",
            "FastAPI over HTTP: requests/second, one uvicorn process on one core",
            "bar",
            "requests/second",
            chart,
        )
    )
    sync, asyn = (ratios[kind][0] / ratios[kind][1] for kind in ("def", "async def"))
    results.goals.append(
        Goal(
            "G7",
            AIMS["G7"],
            f"def {times(sync)} ({ratios['def'][0]:,.0f} ÷ {ratios['def'][1]:,.0f} req/s){ratios['def'][2]}, "
            f"async def {times(asyn)} ({ratios['async def'][0]:,.0f} ÷ {ratios['async def'][1]:,.0f} req/s)"
            f"{ratios['async def'][2]}",
            sync >= 1.0 and asyn >= 1.0,
        )
    )


def _wrk_version() -> str:
    """`wrk debian/4.1.0-3+b2 [epoll]`: the first line of `wrk --version`, without the copyright."""
    done = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    first = (done.stdout or done.stderr or "wrk").splitlines()[0]
    return first.split(" Copyright")[0].strip()


def _method(rounds: int, seconds: int, pure: bool) -> str:
    server_cpu, load_cpu = http.cpus()
    pinning = (
        f"server on CPU {server_cpu}, wrk on CPU {load_cpu} (taskset)"
        if server_cpu is not None
        else "nothing pinned (fewer than two CPUs or no taskset)"
    )
    loop, parser = _uvicorn_settings()
    sentences = [
        f"Real HTTP/1.1 on 127.0.0.1 with keep-alive: `wrk -t1 -c{CONNECTIONS} -d{seconds}s` POSTs the same "
        f"body to each target; {pinning}.",
        f"Django: `gunicorn --worker-class gthread --workers 1 --threads {GUNICORN_THREADS} {DJANGO_APP}` "
        "(DEBUG off, the 7 default middleware, no access log); Mizan's /call/ runs Django's CSRF check "
        "(AUTH-6: every request carries the CSRF cookie and X-CSRFToken header), the other views are "
        "csrf-exempt.",
        f"FastAPI: `uvicorn --factory {_fastapi_factory()} --loop {loop} --http {parser} --no-access-log` "
        "(the fastest loop and parser installed; uvloop and httptools are used when present).",
        f"Each target is warmed with {http.WARM_REQUESTS} requests, then measured in {rounds} interleaved "
        f"rounds of {seconds} s (the order rotates every round); req/s and latency percentiles (wrk's, per "
        "round) are medians over the rounds, `range` is the lowest and highest round.",
        "Before timing, every target answers the request once through the stdlib HTTP client: status 200 "
        "and the same decoded JSON.",
        "Mizan (pure) rows: a second server with MIZAN_PURE=1, in the same rounds."
        if pure
        else "Pure-Python rows left out (--quick or --no-pure).",
        f"{_wrk_version()}.",
    ]
    return " ".join(sentences)


def _skip(results: Results, rows: str, reason: str, *goals: str) -> None:
    """Record why `rows` were left out, and their goals as not measured."""
    results.skipped.append(f"{rows} ({', '.join(goals)} over HTTP): {reason}")
    results.goals.extend(Goal(goal, AIMS[goal], reason, None) for goal in goals)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Turn SIGTERM into SystemExit, so the `with` blocks stop the servers on the way out.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROUNDS} rounds, no pure-Python servers")
    parser.add_argument("--no-callgrind", action="store_true", help="accepted for uniformity: nothing is counted")
    parser.add_argument("--no-pure", action="store_true", help="leave out the MIZAN_PURE=1 servers")
    parser.add_argument("--rounds", type=int, help=f"interleaved rounds (default {ROUNDS})")
    parser.add_argument("--seconds", type=int, default=SECONDS, help=f"seconds per wrk run (default {SECONDS})")
    options = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    rounds = options.rounds or (QUICK_ROUNDS if options.quick else ROUNDS)
    pure = not (options.quick or options.no_pure)

    results = Results(
        "http",
        "http_servers",
        "requests/second over HTTP on loopback: Django under gunicorn, FastAPI under uvicorn",
        "",
    )
    results.skipped.append("instruction counts: not repeatable over HTTP (see the django and core groups)")
    if http.missing_tools("wrk"):
        results.method = "Nothing measured."
        _skip(results, "every row", "wrk is not installed (apt-get install wrk)", "G3", "G4", "G7")
        results.emit()
        return
    results.method = _method(rounds, options.seconds, pure)
    if not _installed("gunicorn"):
        _skip(results, "Django rows", "gunicorn is not installed (the `bench` extra)", "G3", "G4")
    elif not _installed("benchmarks._django_wsgi"):
        _skip(results, "Django rows", "benchmarks._django_wsgi is missing", "G3", "G4")
    else:
        _django(results, pure, rounds, options.seconds)
    if not _installed("uvicorn"):
        _skip(results, "FastAPI rows", "uvicorn is not installed (the `dev` extra)", "G7")
    else:
        _fastapi(results, pure, rounds, options.seconds)
    results.emit()


if __name__ == "__main__":
    main()
