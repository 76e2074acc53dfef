"""Push fan-out latency for benchmarks.ws: from the push call to each subscribed socket
receiving its delivery frame.

Every socket subscribes to the `ticks` channel (room "bench", benchmarks._ws_apps), then a
control socket on the first server calls the `fanout(seq)` server function, which stamps
the message with `time.monotonic_ns()` right before `Ticks.apush(...)`. Each subscriber's
reader task notes `time.monotonic_ns()` as soon as its frame is handed over by the
`websockets` library; latency is the difference (CLOCK_MONOTONIC is one clock for every
process of the machine). The next push starts once every socket has its frame (and a
short gap has passed), so pushes never overlap. Frames are parsed after the run, never
while timing.

Across processes: two servers share one redis-server (FastAPI: MIZAN_BROADCAST_URL,
Django: a channels_redis layer), the sockets are split evenly between them, and the push
is made on the first; latencies are reported for all sockets and for each side.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection

from benchmarks import _ws_client as client
from benchmarks._ws_apps import CHANNEL, ROOM, WS_PATH

DELIVERY_TIMEOUT = 30.0  # seconds for every socket to receive one push
GAP_SECONDS = 0.05  # between the last delivery of a push and the next push
WARM_PUSHES = 2
# Subscriptions in flight at once. channels_redis adds each to its group through a redis-py
# asyncio pool that refuses more than 100 connections in use (MaxConnectionsError, answered
# INTERNAL_ERROR): a burst of hundreds of concurrent subscribes on one Django process fails.
SUBSCRIBE_BATCH = 50
SUBSCRIBE = json.dumps({"action": "subscribe", "id": 1, "channel": CHANNEL, "params": {"room": ROOM}})
SUBSCRIBED = '{"id":1,"ok":true}'


@dataclass
class Fanout:
    """Latencies (ns) of every delivery, by the server the socket is connected to."""

    pushes: int = 0
    sockets: int = 0
    latencies: dict[int, list[int]] = field(default_factory=dict)  # server index -> ns
    last: list[int] = field(default_factory=list)  # per push: the slowest delivery, ns
    subscribe_rss: int = 0  # bytes the servers grew by while every socket subscribed
    server_cpu: list[float] = field(default_factory=list)  # per push: the servers' CPU seconds


def percentile(values: Sequence[int], share: float) -> float:
    """The `share` quantile (0..1) of `values`, nearest rank."""
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))])


class Subscribers:
    """Reader tasks on every socket: arrivals `(ns, server index, text)` in order."""

    def __init__(self, sockets: Sequence[tuple[int, ClientConnection]]) -> None:
        self.sockets = sockets
        self.arrivals: list[tuple[int, int, str]] = []
        self.expected = 0
        self.complete = asyncio.Event()
        self.tasks = [asyncio.ensure_future(self._read(side, ws)) for side, ws in sockets]

    async def _read(self, side: int, ws: ClientConnection) -> None:
        clock, arrivals = time.monotonic_ns, self.arrivals
        async for message in ws:
            arrivals.append((clock(), side, message if isinstance(message, str) else message.decode()))
            if len(arrivals) >= self.expected:
                self.complete.set()

    async def wait(self, count: int) -> list[tuple[int, int, str]]:
        """Until `count` frames have arrived since the last call; those frames."""
        self.expected = count
        if len(self.arrivals) < count:
            self.complete.clear()
            await asyncio.wait_for(self.complete.wait(), DELIVERY_TIMEOUT)
        taken = self.arrivals[:count]
        del self.arrivals[:count]  # in place: the readers append to this very list
        return taken

    def stop(self) -> None:
        for task in self.tasks:
            task.cancel()


async def _subscribe(sockets: Sequence[ClientConnection]) -> None:
    """Every socket subscribes, SUBSCRIBE_BATCH at a time; all must be accepted."""
    answers: list[str] = []
    for start in range(0, len(sockets), SUBSCRIBE_BATCH):
        answers += await asyncio.gather(*(client.ask(ws, SUBSCRIBE) for ws in sockets[start : start + SUBSCRIBE_BATCH]))
    refused = [answer for answer in answers if answer != SUBSCRIBED]
    if refused:
        raise SystemExit(f"benchmarks.ws: {len(refused)} subscriptions refused, e.g. {refused[0][:300]}")


def _delivered(arrivals: Sequence[tuple[int, int, str]], seq: int) -> list[tuple[int, int]]:
    """(side, latency ns) of each arrival, after checking each is push `seq`'s frame."""
    out = []
    for received, side, text in arrivals:
        frame = json.loads(text)
        message = frame.get("message") or {}
        expected = {"channel": CHANNEL, "params": {"room": ROOM}, "type": "message"}
        if {k: v for k, v in frame.items() if k != "message"} != expected or message.get("seq") != seq:
            raise SystemExit(f"benchmarks.ws: push {seq} delivered {text[:300]}")
        out.append((side, received - int(message["sent_ns"])))
    return out


async def measure(ports: Sequence[int], groups: Sequence[int], count: int, pushes: int) -> Fanout:
    """`count` sockets split evenly over the servers on `ports` (process groups `groups`),
    all subscribed; `pushes` pushes made on the first server, after WARM_PUSHES."""
    from benchmarks._http_load import group_cpu_seconds
    from benchmarks._ws_measure import SETTLE_SECONDS, group_rss_bytes

    def cpu() -> float:
        return sum(group_cpu_seconds(group) for group in groups)

    share = [count // len(ports) + (index < count % len(ports)) for index in range(len(ports))]
    sockets: list[tuple[int, ClientConnection]] = []
    control = await client.open_socket(ports[0], WS_PATH)
    result = Fanout(sockets=count)
    try:
        for side, port in enumerate(ports):
            sockets += [(side, ws) for ws in await client.open_many(port, WS_PATH, share[side])]
        await asyncio.sleep(SETTLE_SECONDS)
        before = sum(group_rss_bytes(group) for group in groups)
        await _subscribe([ws for _, ws in sockets])
        await asyncio.sleep(SETTLE_SECONDS)
        result.subscribe_rss = sum(group_rss_bytes(group) for group in groups) - before
        readers = Subscribers(sockets)
        try:
            for seq in range(-WARM_PUSHES, pushes):
                cpu_before = cpu()
                reply = await client.ask(control, client.rpc_frame(seq % 1000, "fanout", {"seq": seq}))
                if json.loads(reply) != {"id": seq % 1000, "result": seq}:
                    raise SystemExit(f"benchmarks.ws: fanout({seq}) answered {reply[:300]}")
                arrivals = await readers.wait(count)
                cpu_used = cpu() - cpu_before
                delivered = _delivered(arrivals, seq)
                if seq >= 0:
                    result.server_cpu.append(cpu_used)
                    result.pushes += 1
                    for side, latency in delivered:
                        result.latencies.setdefault(side, []).append(latency)
                    result.last.append(max(latency for _, latency in delivered))
                await asyncio.sleep(GAP_SECONDS)
        finally:
            readers.stop()
    finally:
        await client.close_all([control, *(ws for _, ws in sockets)])
    return result


def summary(values: Sequence[int]) -> dict[str, float]:
    """p50, p99 and max in ms."""
    return {
        "p50": percentile(values, 0.50) / 1e6,
        "p99": percentile(values, 0.99) / 1e6,
        "max": max(values) / 1e6,
        "mean": statistics.fmean(values) / 1e6,
    }
