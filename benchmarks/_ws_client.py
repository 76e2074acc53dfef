"""The asyncio clients of benchmarks.ws: WebSocket RPC (the `websockets` library), a minimal
keep-alive HTTP/1.1 client for `/call/`, and many sockets held open at once.

Both RPC clients send the same call and compare every answer with the expected text
byte for byte (Mizan's JSON is canonical, JSON-1, so one answer is one string), which costs
one comparison per call and lets nothing wrong be counted as a round trip. The HTTP client
writes one pre-built request and reads the status line, the headers up to the blank line and
`Content-Length` bytes: as cheap per call as a client can be in Python, so the WebSocket
client (the `websockets` library, masking and framing included) is, if anything, the
costlier of the two.
"""

from __future__ import annotations

import asyncio
import json
import resource
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

HOST = "127.0.0.1"
CONNECT_BATCH = 100  # handshakes in flight at once while opening many sockets
OPEN_TIMEOUT = 30.0


def raise_fd_limit(needed: int) -> int:
    """Raise this process's soft limit on open files to at least `needed` (up to the hard
    limit; servers started afterwards inherit it); the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        soft = wanted
    if soft != resource.RLIM_INFINITY and soft < needed:
        raise SystemExit(f"benchmarks.ws: {needed} open files needed, the hard limit is {hard}")
    return soft


def rpc_frame(frame_id: int, fn: str, args: dict[str, Any] | None = None) -> str:
    frame: dict[str, Any] = {"action": "rpc", "id": frame_id, "fn": fn}
    if args is not None:
        frame["args"] = args
    return json.dumps(frame, separators=(",", ":"))


# --- WebSocket ---------------------------------------------------------------------------


async def open_socket(port: int, path: str, compression: bool = False) -> ClientConnection:
    """A WebSocket to ws://127.0.0.1:<port><path> with a same-site Origin; `compression`
    offers permessage-deflate, as browsers do."""
    return await connect(
        f"ws://{HOST}:{port}{path}",
        origin=f"http://{HOST}:{port}",  # same-site: Django's origin validator refuses others
        compression="deflate" if compression else None,
        open_timeout=OPEN_TIMEOUT,
        ping_interval=None,  # no keepalive pings: nothing but the benchmark's frames on the wire
        max_queue=None,
    )


async def open_many(
    port: int, path: str, count: int, compression: bool = False, batch: int = CONNECT_BATCH
) -> list[ClientConnection]:
    """`count` sockets, `batch` handshakes at a time (a burst of thousands of SYNs would
    overflow the listen backlog); raises if any handshake fails."""
    sockets: list[ClientConnection] = []
    try:
        for start in range(0, count, batch):
            size = min(batch, count - start)
            sockets += await asyncio.gather(*(open_socket(port, path, compression) for _ in range(size)))
    except BaseException:
        await close_all(sockets)
        raise
    return sockets


async def close_all(sockets: Sequence[ClientConnection]) -> None:
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


async def ask(ws: ClientConnection, frame: str) -> str:
    """Send one frame and read the next one."""
    await ws.send(frame)
    answer = await ws.recv()
    return answer if isinstance(answer, str) else answer.decode()


async def ping_all(sockets: Sequence[ClientConnection]) -> int:
    """Every socket asks `ping` (all at once); how many answered `{"id":0,"result":"pong"}`."""
    frame, expected = rpc_frame(0, "ping"), '{"id":0,"result":"pong"}'
    answers = await asyncio.gather(*(ask(ws, frame) for ws in sockets), return_exceptions=True)
    return sum(answer == expected for answer in answers)


@dataclass
class WsRpc:
    """One socket calling `fn(**args)` with `in_flight` calls outstanding at once (ids
    0..in_flight-1, each reused once its answer is in)."""

    ws: ClientConnection
    fn: str
    args: dict[str, Any]
    in_flight: int = 1

    async def expected(self) -> list[str]:
        """Each id's answer, read once (the reference every later answer must equal)."""
        return [await ask(self.ws, rpc_frame(i, self.fn, self.args)) for i in range(self.in_flight)]

    async def run(self, seconds: float, expected: Sequence[str]) -> int:
        """Round trips completed in `seconds` (the calls still out at the end are read and
        not counted)."""
        frames = [rpc_frame(i, self.fn, self.args) for i in range(self.in_flight)]
        answers = {text: index for index, text in enumerate(expected)}
        for frame in frames:
            await self.ws.send(frame)
        done, outstanding = 0, self.in_flight
        deadline = time.perf_counter() + seconds
        while outstanding:
            answer = await self.ws.recv()
            index = answers.get(answer if isinstance(answer, str) else answer.decode(), -1)
            if index < 0:
                raise RuntimeError(f"unexpected WebSocket answer: {str(answer)[:300]}")
            if time.perf_counter() < deadline:
                done += 1
                await self.ws.send(frames[index])
            else:
                outstanding -= 1
        return done


# --- HTTP --------------------------------------------------------------------------------


class HttpConnection:
    """One keep-alive HTTP/1.1 connection POSTing the same request again and again."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> None:
        self.reader, self.writer, self.request = reader, writer, request

    @classmethod
    async def open(cls, port: int, path: str, body: bytes, headers: Sequence[tuple[str, str]]) -> HttpConnection:
        reader, writer = await asyncio.open_connection(HOST, port)
        lines = [f"POST {path} HTTP/1.1", f"Host: {HOST}:{port}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers]
        return cls(reader, writer, ("\r\n".join(lines) + "\r\n\r\n").encode() + body)

    async def call(self) -> bytes:
        """One request; its body (raises unless the status is 200)."""
        self.writer.write(self.request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200 "):
            raise RuntimeError(f"unexpected HTTP answer: {head[:300]!r}")
        length = -1
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        if length < 0:
            raise RuntimeError(f"an HTTP answer without Content-Length: {head[:300]!r}")
        return await self.reader.readexactly(length)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


@dataclass
class HttpRpc:
    """`connections` keep-alive connections, each with one call outstanding."""

    connections: list[HttpConnection]

    async def expected(self) -> bytes:
        return await self.connections[0].call()

    async def run(self, seconds: float, expected: bytes) -> int:
        deadline = time.perf_counter() + seconds

        async def loop(connection: HttpConnection) -> int:
            done = 0
            while True:
                if await connection.call() != expected:
                    raise RuntimeError("an HTTP answer differs from the first one")
                if time.perf_counter() >= deadline:
                    return done
                done += 1

        return sum(await asyncio.gather(*(loop(connection) for connection in self.connections)))


Probe = Callable[[float], Awaitable[int]]
"""Run for about `seconds`; the round trips completed meanwhile."""
