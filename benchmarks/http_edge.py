"""The `http_edge` group: requests/second over real HTTP for a context HIT answered by the
origin edge (`mizan.edge.wrap_wsgi`) against the same HIT through Django and against a
plain csrf_exempt view, under gunicorn and wrk.

`python -m benchmarks.http_edge` starts two gunicorn servers of `benchmarks._edge_wsgi`
(benchmarks._ctx_app's contexts, Django's 7 default middleware, the memory origin cache
primed with `profile`'s entry) on free 127.0.0.1 ports, one gthread worker each, both
pinned to one CPU with `wrk -t1 -c4` on the other:

- Django alone: `GET /plain/ctx/profile/` (a csrf_exempt view answering the stored bytes
  from a module constant: the floor of any Django view) and `GET /api/mizan/ctx/profile/`
  (Mizan's HIT through Django and its middleware);
- Django behind the edge (`MIZAN_BENCH_EDGE=1`): the same Mizan GET, answered by the edge.

Before anything is timed, each target answers once through the stdlib HTTP client: 200,
the same body, `X-Mizan-Cache: HIT` on the Mizan rows. Rounds are interleaved (the order
rotates); req/s and latencies are medians over the rounds. Wall clock only: the
instruction counts of the same requests in process are the ctx group's.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import signal

from benchmarks import _http_load as load
from benchmarks._results import Goal, Results, Table, times
from benchmarks.http_servers import _on_sigterm, _wrk_version

ROUNDS = 8
QUICK_ROUNDS = 3
SECONDS = 1
CONNECTIONS = 4
APP = "benchmarks._edge_wsgi:application"
PROFILE_PATH = "/api/mizan/ctx/profile/?user_id=5"  # benchmarks._ctx_rows.QUERIES["profile"]
PLAIN_PATH = "/plain/ctx/profile/"
AIM_EDGE_VS_PLAIN = 1.8
AIM = f"over HTTP, an edge HIT >= {AIM_EDGE_VS_PLAIN:g}x a plain csrf_exempt view's req/s"


def check_counts() -> dict[str, float]:
    """No instruction counts: wall clock only (the ctx group counts the same HIT in process)."""
    return {}


def _server(name: str, port: int, cpu: int | None, edge: bool) -> load.Server:
    command = load.gunicorn_command(APP, port)
    env = load.server_env(MIZAN_PURE="0", MIZAN_BENCH_EDGE="1" if edge else "0")
    return load.Server(name, load.pinned(command, cpu), port, env, ready_path=PLAIN_PATH)


def _get(target: load.Target) -> tuple[int, bytes, str | None]:
    connection = http.client.HTTPConnection(load.HOST, target.port, timeout=10.0)
    try:
        connection.request("GET", target.path)
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("X-Mizan-Cache")
    finally:
        connection.close()


def _check(targets: list[load.Target]) -> None:
    """Every target answers 200, the same body, and a HIT."""
    answers = {target.name: _get(target) for target in targets}
    bodies = {body for _, body, _ in answers.values()}
    if len(bodies) != 1 or any(status != 200 or label != "HIT" for status, _, label in answers.values()):
        raise SystemExit(f"benchmarks.http_edge: the targets disagree: {answers}")


def _measure(results: Results, rounds: int, seconds: int) -> None:
    server_cpu, load_cpu = load.cpus()
    plain_port, edge_port = load.free_port(), load.free_port()
    plain_server = _server("gunicorn (Django)", plain_port, server_cpu, edge=False)
    edge_server = _server("gunicorn (edge)", edge_port, server_cpu, edge=True)
    with load.servers(plain_server, edge_server):
        targets = [
            load.Target("plain view", plain_port, PLAIN_PATH, b"", (), plain_server.group, "GET"),
            load.Target("Mizan HIT through Django", plain_port, PROFILE_PATH, b"", (), plain_server.group, "GET"),
            load.Target("Mizan HIT through the edge", edge_port, PROFILE_PATH, b"", (), edge_server.group, "GET"),
        ]
        _check(targets)
        summaries = load.rounds(targets, rounds, seconds, load_cpu, CONNECTIONS)
    plain = summaries["plain view"].per_second
    rows = []
    for name, summary in summaries.items():
        cpu = f"{summary.cpu_us:.1f}" if summary.cpu_us is not None else "-"
        rows.append(
            [
                name,
                f"{summary.per_second:,.0f}",
                f"{summary.low:,.0f}-{summary.high:,.0f}",
                times(summary.per_second / plain),
                f"{summary.p50_us:,.0f}",
                f"{summary.p99_us:,.0f}",
                cpu,
            ]
        )
    results.tables.append(
        Table(
            "GET of a cached context over HTTP (gunicorn gthread, 7 default middleware, memory cache)",
            ["target", "req/s", "range", "/ plain view", "p50 (us)", "p99 (us)", "server CPU/req (us)"],
            rows,
        )
    )
    edge = summaries["Mizan HIT through the edge"].per_second
    measured = f"{edge:,.0f} req/s / {plain:,.0f} req/s = {times(edge / plain)}"
    results.goals.append(Goal("edge", AIM, measured, edge / plain >= AIM_EDGE_VS_PLAIN))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROUNDS} rounds")
    parser.add_argument("--no-callgrind", action="store_true", help="accepted for uniformity: nothing is counted")
    parser.add_argument("--rounds", type=int, help=f"interleaved rounds (default {ROUNDS})")
    parser.add_argument("--seconds", type=int, default=SECONDS, help=f"seconds per wrk run (default {SECONDS})")
    options = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    rounds = options.rounds or (QUICK_ROUNDS if options.quick else ROUNDS)
    results = Results("http", "http_edge", "a cached context over HTTP: the origin edge against Django", "")
    results.skipped.append("instruction counts: not repeatable over HTTP (the ctx group counts the HIT in process)")
    missing = load.missing_tools("wrk")
    if missing or importlib.util.find_spec("gunicorn") is None:
        reason = (
            "wrk is not installed (apt-get install wrk)" if missing else "gunicorn is not installed (the `bench` extra)"
        )
        results.method = "Nothing measured."
        results.skipped.append(reason)
        results.goals.append(Goal("edge", AIM, reason, None))
    else:
        results.method = (
            f"Real HTTP/1.1 on 127.0.0.1 with keep-alive: `wrk -t1 -c{CONNECTIONS} -d{options.seconds}s` GETs each "
            "target; two `gunicorn --worker-class gthread --workers 1 "
            f"--threads {load.GUNICORN_THREADS} {APP}` servers "
            "(one with MIZAN_BENCH_EDGE=1) pinned to one CPU, wrk to the other (taskset, when two CPUs exist). "
            f"{load.WARM_REQUESTS} warm-up requests per target, then {rounds} interleaved rounds; medians. "
            f"{_wrk_version()}."
        )
        _measure(results, rounds, options.seconds)
    results.emit()


if __name__ == "__main__":
    main()
