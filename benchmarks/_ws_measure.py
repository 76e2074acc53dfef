"""What benchmarks.ws measures on live servers: RPC round trips (WebSocket against keep-alive
HTTP `/call/`, interleaved) and the memory of many idle sockets.

Servers are `uvicorn --factory benchmarks._ws_apps:<app>` on free loopback ports, started
and killed as process groups by `benchmarks._http_load.Server`, pinned to one CPU; the
client (this process, an asyncio loop) is pinned to the other while it measures.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib.util
import json
import os
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from benchmarks import _http_load as http
from benchmarks import _ws_client as client
from benchmarks import _ws_fanout
from benchmarks._call_workload import BODY, HEADERS, RESULT
from benchmarks._ws_apps import CALL_PATH, PLAIN_PATH, REDIS_ENV, WS_PATH

ADAPTERS = {"fastapi": "FastAPI", "django": "Django"}
FACTORIES = {"fastapi": "benchmarks._ws_apps:fastapi_app", "django": "benchmarks._ws_apps:django_app"}
# Django's /call/ runs its CSRF check (cookie + header, as a browser sends them); FastAPI's
# has no session identity here, so JSON alone.
CALL_HEADERS = {"fastapi": (("Content-Type", "application/json"),), "django": tuple(HEADERS.items())}
KINDS = {"def": "update_profile", "async def": "aupdate_profile"}  # function kind -> name
ARGS: dict[str, Any] = json.loads(BODY)["args"]
BROADCAST_ENV = "MIZAN_BROADCAST_URL"  # mizan_fastapi's cross-process fan-out
WARM_SECONDS = 0.3
KEEP_ALIVE_SECONDS = 600
SETTLE_SECONDS = 1.0  # after opening or pinging many sockets, before RSS is read


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def uvicorn_settings() -> tuple[str, str]:
    """uvicorn's fastest event loop and HTTP parser among those installed."""
    return ("uvloop" if _installed("uvloop") else "asyncio", "httptools" if _installed("httptools") else "h11")


def server(adapter: str, cpu: int | None, **env: str) -> http.Server:
    """uvicorn serving `adapter`'s app (C extension) with the WebSocket protocol uvicorn
    picks by default when `websockets` is installed (websockets-sansio)."""
    loop, parser = uvicorn_settings()
    port = http.free_port()
    command = http.python_command(
        "-m",
        "uvicorn",
        "--factory",
        FACTORIES[adapter],
        "--host",
        http.HOST,
        "--port",
        str(port),
        "--loop",
        loop,
        "--http",
        parser,
        "--ws",
        "websockets-sansio",
        # uvicorn closes a keep-alive connection idle for 5 s by default: longer than the
        # other targets of a round take, so the HTTP connections would not survive a round.
        "--timeout-keep-alive",
        str(KEEP_ALIVE_SECONDS),
        "--log-level",
        "warning",
        "--no-access-log",
    )
    name = f"uvicorn ({ADAPTERS[adapter]})"
    environ = http.server_env(MIZAN_PURE="0", **env)
    for key in (BROADCAST_ENV, REDIS_ENV):  # one process unless the caller says otherwise
        if key not in env:
            environ.pop(key, None)
    return http.Server(name, http.pinned(command, cpu), port, environ, CALL_PATH)


def group_rss_bytes(group: int) -> int:
    """Resident memory (VmRSS) of every process of a process group, in bytes."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as stat:
                if int(stat.read().rpartition(")")[2].split()[2]) != group:
                    continue
            with open(f"/proc/{entry.name}/status", encoding="ascii", errors="replace") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except OSError:  # the process ended while we looked
            continue
    return total


@contextlib.contextmanager
def pinned_client(cpu: int | None) -> Iterator[None]:
    """This process on `cpu` while the block runs (the client's own core), then as before."""
    before = os.sched_getaffinity(0)
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def runner() -> asyncio.Runner:
    """An asyncio runner on uvloop when installed (the cheaper client loop)."""
    if _installed("uvloop"):
        import uvloop

        return asyncio.Runner(loop_factory=uvloop.new_event_loop)
    return asyncio.Runner()


# --- RPC round trips ---------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """Medians over the rounds of one target."""

    per_second: float
    low: float
    high: float
    cpu_us: float  # the server's CPU time per round trip, µs
    rounds: int


async def _expect_same(probe: client.WsRpc | client.HttpRpc) -> Any:
    """The probe's reference answer(s), checked: Mizan's RESULT, under the frame's id."""
    if isinstance(probe, client.HttpRpc):
        body = await probe.expected()
        if json.loads(body) != RESULT:
            raise SystemExit(f"benchmarks.ws: /call/ answered {body[:300]!r}")
        return body
    answers = await probe.expected()
    for index, text in enumerate(answers):
        if json.loads(text) != {"id": index, **RESULT}:
            raise SystemExit(f"benchmarks.ws: /ws/ answered {text[:300]!r}")
    return answers


async def _rpc_rounds(
    port: int, adapter: str, group: int, in_flight: int, rounds: int, seconds: float
) -> dict[str, Rate]:
    """Targets `<transport> <1|N> <kind>`, measured in `rounds` interleaved rounds."""
    sockets = [await client.open_socket(port, WS_PATH) for _ in KINDS]
    connections: list[client.HttpConnection] = []
    probes: dict[str, client.WsRpc | client.HttpRpc] = {}

    async def keep_alive(path: str, body: bytes) -> list[client.HttpConnection]:
        opened = [await client.HttpConnection.open(port, path, body, CALL_HEADERS[adapter]) for _ in range(in_flight)]
        connections.extend(opened)
        return opened

    for index, (kind, name) in enumerate(KINDS.items()):
        mine = await keep_alive(CALL_PATH, BODY.replace(b"update_profile", name.encode()))
        probes[f"ws 1 {kind}"] = client.WsRpc(sockets[index], name, ARGS, 1)
        probes[f"http 1 {kind}"] = client.HttpRpc(mine[:1])
        probes[f"ws N {kind}"] = client.WsRpc(sockets[index], name, ARGS, in_flight)
        probes[f"http N {kind}"] = client.HttpRpc(mine)
    if adapter == "django":
        plain = await keep_alive(PLAIN_PATH, BODY)
        probes["plain 1"], probes["plain N"] = client.HttpRpc(plain[:1]), client.HttpRpc(plain)
    try:
        expected = {name: await _expect_same(probe) for name, probe in probes.items()}
        for name, probe in probes.items():
            await probe.run(WARM_SECONDS, expected[name])
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in probes}
        names = list(probes)
        for index in range(rounds):
            for name in names[index % len(names) :] + names[: index % len(names)]:
                cpu_before, start = http.group_cpu_seconds(group), time.perf_counter()
                done = await probes[name].run(seconds, expected[name])
                elapsed, cpu = time.perf_counter() - start, http.group_cpu_seconds(group) - cpu_before
                samples[name].append((done / elapsed, cpu / done * 1e6))
    finally:
        await client.close_all(sockets)
        for connection in connections:
            await connection.close()
    return {
        name: Rate(
            statistics.median(rate for rate, _ in values),
            min(rate for rate, _ in values),
            max(rate for rate, _ in values),
            statistics.median(cpu for _, cpu in values),
            len(values),
        )
        for name, values in samples.items()
    }


def rpc(adapter: str, in_flight: int, rounds: int, seconds: float) -> dict[str, Rate]:
    """Round trips per second of every target on one server of `adapter`."""
    server_cpu, load_cpu = http.cpus()
    with server(adapter, server_cpu) as live, pinned_client(load_cpu), runner() as loop:
        return loop.run(_rpc_rounds(live.port, adapter, live.group, in_flight, rounds, seconds))


# --- many idle sockets -------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """One fresh server holding `count` sockets."""

    count: int
    connected: int
    answered: int
    before: int  # server RSS, bytes, with a few sockets opened and closed already
    after: int  # with `count` sockets open, each having answered one ping
    seconds: float  # to open them all

    @property
    def per_socket(self) -> float:
        return (self.after - self.before) / self.count


async def _hold(port: int, group: int, count: int, compression: bool) -> Held:
    # First-use costs (imports on the first handshake and call, the loop's buffers) out of
    # the baseline: a few sockets connect, ping and leave first.
    warm = await client.open_many(port, WS_PATH, 10, compression)
    await client.ping_all(warm)
    await client.close_all(warm)
    await asyncio.sleep(SETTLE_SECONDS)
    before = group_rss_bytes(group)
    start = time.perf_counter()
    sockets = await client.open_many(port, WS_PATH, count, compression)
    opened = time.perf_counter() - start
    try:
        answered = await client.ping_all(sockets)
        await asyncio.sleep(SETTLE_SECONDS)
        after = group_rss_bytes(group)
        # Still there, every one of them, after the measurement.
        if await client.ping_all(sockets) != count:
            answered = min(answered, count - 1)
    finally:
        await client.close_all(sockets)
    return Held(count, len(sockets), answered, before, after, opened)


def hold(adapter: str, count: int, compression: bool) -> Held:
    """A fresh server of `adapter` holding `count` idle sockets."""
    server_cpu, load_cpu = http.cpus()
    client.raise_fd_limit(count + 256)
    gc.collect()
    with server(adapter, server_cpu) as live, pinned_client(load_cpu), runner() as loop:
        return loop.run(_hold(live.port, live.group, count, compression))


# --- push fan-out ------------------------------------------------------------------------


def fanout(adapter: str, count: int, pushes: int, redis_url: str | None = None) -> _ws_fanout.Fanout:
    """Push latency to `count` subscribed sockets: one server process, or with `redis_url`
    two processes sharing it (FastAPI's broadcast URL, Django's channels_redis layer), both
    on the server CPU, so the servers' work has one core in both cases."""
    server_cpu, load_cpu = http.cpus()
    client.raise_fd_limit(count + 256)
    env = {} if redis_url is None else {BROADCAST_ENV if adapter == "fastapi" else REDIS_ENV: redis_url}
    servers = [server(adapter, server_cpu, **env) for _ in range(1 if redis_url is None else 2)]
    with http.servers(*servers) as live, pinned_client(load_cpu), runner() as loop:
        ports, groups = [item.port for item in live], [item.group for item in live]
        return loop.run(_ws_fanout.measure(ports, groups, count, pushes))
