"""The `ws` group: Mizan's WebSocket endpoint on live servers, against keep-alive HTTP
`/call/` on the same server, with push fan-out latency and the memory of held sockets.

`python -m benchmarks.ws` starts uvicorn (loop uvloop, http httptools, ws websockets-sansio)
on free loopback ports, serving `benchmarks._ws_apps`: FastAPI with Mizan's router, and
Django wrapped by `mizan.wrap_asgi` (the same uvicorn, so the two adapters differ only in
what they run). The server is pinned to one CPU, the client (this process: asyncio on
uvloop, the `websockets` library) to the other. Measured:

1. RPC round trips per second over one WebSocket, one call at a time and with N in flight
   (N frames outstanding on the socket), against keep-alive HTTP `/call/` of the same
   function (one connection, and N connections with one request each), in interleaved
   rounds; with the server's CPU time per call, which the client's own speed does not move.
   Both a `def` and an `async def` function. Django also gets its plain view over the same
   ASGI handler as the floor of its HTTP rows.
2. Push fan-out (`benchmarks._ws_fanout`): p50/p99 latency from the push call to each of
   1,000 subscribed sockets receiving its delivery frame, on one server process and across
   two processes with Redis (FastAPI's broadcast_url, Django's channels_redis layer).
3. Memory per idle socket: a fresh server's RSS growth while holding 1,000 connected
   sockets, divided by 1,000; every socket must connect and answer a `ping` rpc (asserted:
   the run stops otherwise). With and without permessage-deflate, which browsers offer.

Instruction counts (`benchmarks._ws_inprocess`): one rpc frame through the ASGI WebSocket
interface in-process against one `/call/` request through the same app, on FastAPI.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import time
from types import FrameType
from typing import Any

from benchmarks import _callgrind, _ctx_redis, _ws_fanout, _ws_inprocess
from benchmarks import _http_load as http
from benchmarks import _ws_measure as measure
from benchmarks._environment import environment
from benchmarks._results import Chart, Results, Table, instructions, times

MODULE = "benchmarks.ws"
ROUNDS = 9
QUICK_ROUNDS = 2
SECONDS = 0.6  # per target per round
QUICK_SECONDS = 0.5
IN_FLIGHT = 8  # the N of "N in flight": half the default per-socket bound (16, CHAN-7)
SOCKETS = 1000
PUSHES = 20
QUICK_PUSHES = 5
MB = 1024 * 1024


def _rpc_table(adapter: str, rates: dict[str, measure.Rate], in_flight: int) -> Table:
    columns = [
        "function",
        "in flight",
        "WS calls/s",
        "range",
        "HTTP calls/s",
        "range",
        "WS ÷ HTTP",
        "WS CPU (µs/call)",
        "HTTP CPU (µs/call)",
        "by CPU",
    ]
    rows = []
    for kind in measure.KINDS:
        for flight, label in (("1", "1"), ("N", str(in_flight))):
            ws, web = rates[f"ws {flight} {kind}"], rates[f"http {flight} {kind}"]
            rows.append(
                [
                    kind,
                    label,
                    f"{ws.per_second:,.0f}",
                    f"{ws.low:,.0f}–{ws.high:,.0f}",
                    f"{web.per_second:,.0f}",
                    f"{web.low:,.0f}–{web.high:,.0f}",
                    times(ws.per_second / web.per_second),
                    f"{ws.cpu_us:,.0f}",
                    f"{web.cpu_us:,.0f}",
                    times(web.cpu_us / ws.cpu_us),
                ]
            )
    for flight, label in (("1", "1"), ("N", str(in_flight))):
        plain = rates.get(f"plain {flight}")
        if plain is not None:
            cells = [f"{plain.per_second:,.0f}", f"{plain.low:,.0f}–{plain.high:,.0f}", "", "", f"{plain.cpu_us:,.0f}"]
            rows.append(["plain Django view (HTTP)", label, "", "", cells[0], cells[1], "", "", cells[4], ""])
    note = (
        f"In flight 1: one socket, or one keep-alive connection, sends the next call when the answer is in. "
        f"In flight {in_flight}: {in_flight} rpc frames outstanding on one socket, against {in_flight} keep-alive "
        "connections with one request each. WS ÷ HTTP: calls/s over calls/s; by CPU: HTTP's server CPU per call "
        "over the WebSocket's (user + system time of the server process, per completed call), which the client's "
        "speed does not move."
    )
    if adapter == "django":
        note += (
            " The plain view ignores the body and answers the same JSON through Django's ASGI handler: what "
            "Django costs over ASGI before Mizan runs (a sync view hops to a worker thread per request)."
        )
    title = f"{measure.ADAPTERS[adapter]}: RPC over one WebSocket against keep-alive HTTP /call/, same uvicorn process"
    return Table(title, columns, rows, note)


def _memory_table(held: dict[tuple[str, bool], measure.Held]) -> Table:
    rows = []
    for (adapter, compression), item in held.items():
        rows.append(
            [
                measure.ADAPTERS[adapter],
                "permessage-deflate" if compression else "none",
                f"{item.connected:,} / {item.count:,}",
                f"{item.answered:,} / {item.count:,}",
                f"{item.seconds:.2f}",
                f"{item.before / MB:.1f}",
                f"{item.after / MB:.1f}",
                f"{item.per_socket / 1024:.1f}",
            ]
        )
    return Table(
        f"{SOCKETS:,} idle sockets held by one fresh uvicorn process",
        [
            "adapter",
            "compression",
            "connected",
            "answered ping",
            "open all (s)",
            "RSS before (MB)",
            "RSS after (MB)",
            "per socket (KB)",
        ],
        rows,
        note=(
            "Before: after 10 sockets connected, pinged and left (first-use costs out), settled 1 s. After: with every "
            f"socket connected (handshakes {measure.client.CONNECT_BATCH} at a time) and having answered one ping "
            "rpc, settled 1 s; the sockets are pinged again before they close, and the run stops unless all "
            "connected and answered both times. Per socket: (after - before) / sockets. permessage-deflate: offered "
            "by the client as browsers do; uvicorn accepts it with 12-bit windows, and zlib keeps a compressor and a "
            "decompressor per socket."
        ),
    )


def _fanout_rows(adapter: str, label: str, result: _ws_fanout.Fanout) -> list[list[str]]:
    everyone = [value for values in result.latencies.values() for value in values]
    sides = [("all sockets", everyone)]
    if len(result.latencies) > 1:
        sides += [("  on the pushing process", result.latencies[0]), ("  on the other process", result.latencies[1])]
    rows = []
    for index, (who, values) in enumerate(sides):
        stats = _ws_fanout.summary(values)
        first = index == 0
        rows.append(
            [
                measure.ADAPTERS[adapter] if first else "",
                label if first else "",
                who,
                f"{len(values):,}",
                f"{stats['p50']:.2f}",
                f"{stats['p99']:.2f}",
                f"{stats['max']:.2f}",
                f"{_ws_fanout.percentile(result.last, 0.5) / 1e6:.2f}" if first else "",
                f"{statistics.fmean(result.server_cpu) * 1e3:.1f}" if first else "",
                f"{result.subscribe_rss / result.sockets / 1024:.1f}" if first else "",
            ]
        )
    return rows


def _fanout_table(results: dict[tuple[str, str], _ws_fanout.Fanout], sockets: int, pushes: int) -> Table:
    rows = [row for (adapter, label), result in results.items() for row in _fanout_rows(adapter, label, result)]
    return Table(
        f"push fan-out: one push to {sockets:,} subscribed sockets, latency from the push call to each delivery frame",
        [
            "adapter",
            "server processes",
            "sockets",
            "deliveries",
            "p50 (ms)",
            "p99 (ms)",
            "max (ms)",
            "last socket, median push (ms)",
            "server CPU per push (ms)",
            "subscription (KB/socket)",
        ],
        rows,
        note=(
            f"{pushes} pushes after {_ws_fanout.WARM_PUSHES} warm-up ones, each once every socket has the "
            f"previous one and {_ws_fanout.GAP_SECONDS * 1e3:.0f} ms have passed; percentiles over every delivery "
            "of every push. The push is `await Ticks.apush(...)` in a server function called over a control socket "
            "on the first process; the message carries time.monotonic_ns() read just before the call, the client "
            "reads the same clock when the websockets library hands it the frame (its own parsing included). Last "
            "socket: the slowest delivery of a push, median over the pushes. Server CPU: the servers' CPU time (all "
            "processes) from the push call to the last delivery, mean over the pushes (read in 10 ms clock ticks). Two "
            "processes: both on the server CPU, sockets split evenly, Redis (a redis-server this run starts on "
            "loopback) between them: FastAPI's MIZAN_BROADCAST_URL, Django's channels_redis layer; one process: "
            "FastAPI in-process, Django's InMemoryChannelLayer. Sockets subscribe "
            f"{_ws_fanout.SUBSCRIBE_BATCH} at a time. Subscription: the servers' RSS growth while every socket "
            "subscribed, per socket."
        ),
    )


def _inprocess_table(counts: dict[str, float]) -> Table:
    ws, web = counts["ws"], counts["http"]
    return Table(
        "instructions per call in-process (FastAPI, async def function, C extension): Ir per call",
        ["path", "Ir / call", "/ HTTP /call/"],
        [
            ["HTTP POST /call/ (one ASGI request)", instructions(web), times(1.0)],
            ["WebSocket rpc frame (one ASGI receive and send)", instructions(ws), times(ws / web)],
        ],
        note=_ws_inprocess.NOTE,
    )


def _chart(all_rates: dict[str, dict[str, measure.Rate]], in_flight: int) -> Chart:
    series: dict[str, list[tuple[Any, float]]] = {"WebSocket": [], "HTTP /call/": []}
    for adapter, rates in all_rates.items():
        for kind in measure.KINDS:
            for flight, label in (("1", "1"), ("N", str(in_flight))):
                x = f"{measure.ADAPTERS[adapter]} {kind}, {label}"
                series["WebSocket"].append((x, round(rates[f"ws {flight} {kind}"].per_second, 1)))
                series["HTTP /call/"].append((x, round(rates[f"http {flight} {kind}"].per_second, 1)))
    return Chart(
        "ws_rpc",
        "RPC calls/second on one uvicorn process: WebSocket against keep-alive HTTP (function, in flight)",
        "bar",
        "calls/second",
        series,
    )


def _method(rounds: int, seconds: float, in_flight: int) -> str:
    server_cpu, load_cpu = http.cpus()
    pinning = (
        f"server on CPU {server_cpu}, client on CPU {load_cpu}"
        if server_cpu is not None
        else "nothing pinned (fewer than two CPUs or no taskset)"
    )
    loop, parser = measure.uvicorn_settings()
    return (
        f"Live servers on 127.0.0.1: `uvicorn --factory benchmarks._ws_apps:<app> --loop {loop} --http {parser} "
        f"--ws websockets-sansio --timeout-keep-alive {measure.KEEP_ALIVE_SECONDS}` (one process, the C "
        "extension), FastAPI with Mizan's router and Django (default middleware, cookie sessions, an "
        f"InMemoryChannelLayer) through mizan.wrap_asgi; {pinning}. The client is this process: asyncio on "
        "uvloop, the `websockets` library for sockets (no compression unless said), a minimal keep-alive HTTP/1.1 "
        "client for /call/ (one pre-built request, the answer read by Content-Length); every answer is compared "
        f"with the first, byte for byte. RPC: the call of the HTTP group (update_profile, 6 arguments), each "
        f"target warmed {measure.WARM_SECONDS} s, then {rounds} interleaved rounds of {seconds} s (the order "
        "rotates every round); medians, `range` the lowest and highest round. Wall clock, and the server's CPU "
        f"time per call read from /proc. Measured on {environment()['cpu']}."
    )


def _fanout(results: Results, sockets: int, pushes: int) -> None:
    """The push fan-out rows: one process per adapter, then two sharing a redis-server."""
    fanouts = {(adapter, "1"): measure.fanout(adapter, sockets, pushes) for adapter in measure.ADAPTERS}
    missing = _ctx_redis.unavailable()
    if missing is None:
        with _ctx_redis.LocalRedis() as redis:
            for adapter in measure.ADAPTERS:
                fanouts[(adapter, "2 + Redis")] = measure.fanout(adapter, sockets, pushes, redis.url)
    else:
        results.skipped.append(f"push fan-out across two processes: {missing}")
    results.tables.append(_fanout_table(fanouts, sockets, pushes))


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Turn SIGTERM into SystemExit, so the `with` blocks stop the servers on the way out.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROUNDS} rounds of {QUICK_SECONDS} s")
    parser.add_argument("--no-callgrind", action="store_true", help="wall clock and memory only")
    parser.add_argument("--rounds", type=int, help=f"interleaved rounds (default {ROUNDS})")
    parser.add_argument("--seconds", type=float, help=f"seconds per target per round (default {SECONDS})")
    parser.add_argument("--in-flight", type=int, default=IN_FLIGHT, help=f"the N of N in flight (default {IN_FLIGHT})")
    parser.add_argument("--no-fanout", action="store_true", help="leave out the push fan-out rows")
    parser.add_argument("--sockets", type=int, default=SOCKETS, help=f"sockets held (default {SOCKETS})")
    options = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    started = time.perf_counter()
    rounds = options.rounds or (QUICK_ROUNDS if options.quick else ROUNDS)
    seconds = options.seconds or (QUICK_SECONDS if options.quick else SECONDS)
    results = Results("ws", "ws", "WebSocket RPC, push fan-out and held sockets on live servers", "")
    results.method = _method(rounds, seconds, options.in_flight)
    reason = "--no-callgrind given" if options.no_callgrind else _callgrind.unavailable()
    counts = None
    if reason is None:
        counts = _ws_inprocess.counts()
    else:
        results.skipped.append(f"instructions: {reason}")
    all_rates = {}
    for adapter in measure.ADAPTERS:
        all_rates[adapter] = measure.rpc(adapter, options.in_flight, rounds, seconds)
        results.tables.append(_rpc_table(adapter, all_rates[adapter], options.in_flight))
    results.charts.append(_chart(all_rates, options.in_flight))
    if counts is not None:
        results.tables.append(_inprocess_table(counts))
    held = {
        (adapter, compression): measure.hold(adapter, options.sockets, compression)
        for adapter in measure.ADAPTERS
        for compression in (False, True)
    }
    failed = [key for key, item in held.items() if item.answered != item.count]
    results.tables.append(_memory_table(held))
    if options.no_fanout:
        results.skipped.append("push fan-out: --no-fanout given")
    else:
        _fanout(results, options.sockets, QUICK_PUSHES if options.quick else PUSHES)
    results.emit()
    if failed:
        raise SystemExit(f"{MODULE}: sockets not all held: {failed}")
    print(f"\n{MODULE}: {time.perf_counter() - started:.0f} s")


def check_counts() -> dict[str, float]:
    """Ir of one WebSocket rpc frame in-process (FastAPI, C) for `make bench-check`: Mizan's
    own path, repeatable (the live rows are wall clock and cannot gate CI)."""
    return {"ws: mizan rpc frame in-process, FastAPI async def (C)": _ws_inprocess.counts(("ws",))["ws"]}


if __name__ == "__main__":
    main()
