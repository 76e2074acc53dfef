"""The Redis backend's bounded connection pool and circuit breaker (CBE-3, CACHE-3; issue
15 item 8), in C and as the pure-Python twin, against real redis-server processes.

The evidence is counts, not clocks: the connections a server accepted (INFO stats), the
clients it holds (INFO clients) and the error each call raised ("circuit open after a
failure", "timed out waiting for a free connection", "timed out", ...). Each test runs its
own server, so the counts are its own. Where "fails fast" is the behaviour, the bound is the
socket timeout itself, with a wide margin.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from mizan.core.errors import CacheError
from tests.redis_server import RedisServer

OPEN = "circuit open after a failure"
WAIT = "timed out waiting for a free connection"


@pytest.fixture
def server() -> Iterator[RedisServer]:
    """A redis-server of the test's own."""
    started = RedisServer()
    started.start()
    yield started
    started.stop()


class Accepted:
    """Connections a server accepts between two readings (the readings' own excluded)."""

    def __init__(self, server: RedisServer) -> None:
        self.server = server
        self.last = self._total()

    def _total(self) -> int:
        return int(self.server.info("stats")["total_connections_received"])

    def since(self) -> int:
        now = self._total()
        count, self.last = now - self.last - 1, now
        return count


def outcome(call: Callable[[], Any]) -> str:
    """ "ok", or the CacheError's cause (its text after "RedisCache.<op>: ")."""
    try:
        call()
    except CacheError as exc:
        return str(exc).split(": ", 1)[1]
    return "ok"


def together(n: int, call: Callable[[], Any]) -> list[str]:
    """The outcomes of `call` in `n` threads released at once by a barrier, sorted."""
    barrier = threading.Barrier(n)
    results: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        barrier.wait()
        result = outcome(call)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=work) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(results)


def eventually(condition: Callable[[], bool]) -> bool:
    """Poll `condition` for up to 5 s (the server sees a closed socket on its next loop)."""
    deadline = time.monotonic() + 5.0
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_settings_are_kept_and_clamped(backend: ModuleType, server: RedisServer) -> None:
    cache = backend.RedisCache(server.url, socket_timeout=0.25, pool_size=1024, failure_cooldown=0)
    assert (cache.socket_timeout, cache.pool_size, cache.failure_cooldown) == (0.25, 1024, 0.0)
    huge = backend.RedisCache(server.url, socket_timeout=float("inf"), pool_size=1, failure_cooldown=float("inf"))
    assert (huge.socket_timeout, huge.pool_size, huge.failure_cooldown) == (1e6, 1, 1e6)


def test_connections_open_lazily_and_are_reused(backend: ModuleType, server: RedisServer) -> None:
    accepted = Accepted(server)
    cache = backend.RedisCache(server.url, pool_size=8)
    assert accepted.since() == 0  # constructing connects nothing
    for i in range(50):
        cache.set(f"k{i}", b"v")
        assert cache.get_many([f"k{i}", "missing"]) == [b"v", None]
    assert accepted.since() == 1  # one thread at a time: one connection, reused
    assert server.clients_connected() == 1
    cache.close()
    assert eventually(lambda: server.clients_connected() == 0)


def test_pool_size_bounds_the_connections(backend: ModuleType, server: RedisServer) -> None:
    """Twelve threads, three connections: while CLIENT PAUSE holds the first three calls,
    the other nine wait for a connection (within the 5 s timeout) instead of opening more."""
    cache = backend.RedisCache(server.url, socket_timeout=5.0, pool_size=3)
    accepted = Accepted(server)
    server.command(b"CLIENT", b"PAUSE", b"1000")
    assert together(12, lambda: cache.get("k")) == ["ok"] * 12
    assert accepted.since() == 1 + 3  # CLIENT PAUSE's own connection, then the pool's three
    assert server.clients_connected() == 3
    cache.close()


def test_many_threads_share_a_small_pool(backend: ModuleType, server: RedisServer) -> None:
    cache = backend.RedisCache(server.url, socket_timeout=5.0, pool_size=4)
    accepted = Accepted(server)
    problems: list[str] = []

    def work(n: int) -> None:
        for i in range(50):
            key = f"t{n}:{i}"
            cache.incr("hits", 60)
            cache.set(key, key.encode())
            got = cache.get_many([key, "nothing"])
            if got != [key.encode(), None]:
                problems.append(f"{key}: {got!r}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not problems
    assert cache.get("hits") == b"1600"  # every MULTI/INCR/EXEC applied once
    assert cache.delete_by_prefix("t") == 1600
    assert 1 <= accepted.since() <= 4
    cache.close()


def test_waiters_are_served_in_arrival_order(backend: ModuleType, server: RedisServer) -> None:
    """Sixteen threads doing Python work between lookups, as requests do, on two
    connections for 2 s: a connection coming back goes to the thread that has waited
    longest, so none waits out the 1 s timeout. (A thread holding the GIL would otherwise
    take it before the woken waiter runs, again and again, until the waiter gives up: the
    first twin lost 14 lookups of 22,000 here.)"""
    cache = backend.RedisCache(server.url, socket_timeout=1.0, pool_size=2)
    cache.set("k", b"v")
    failures: list[str] = []
    stop = time.monotonic() + 2.0

    def work() -> None:
        while time.monotonic() < stop:
            result = outcome(lambda: cache.get_many(["k", "a", "b"]))
            if result != "ok":
                failures.append(result)
            sum(range(1000))  # a request's own work, with the GIL held

    threads = [threading.Thread(target=work) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    cache.close()


class SlowScanServer:
    """A loopback server speaking just enough RESP2 for `clear()` and `get()`: each SCAN is
    answered after `delay` seconds with a non-zero cursor, `rounds` times, then with cursor
    0; anything else gets a nil. It counts the connections it accepts.

    It stands in for Redis where Redis cannot: holding one connection busy across many
    round trips that each answer within the socket timeout."""

    def __init__(self, delay: float, rounds: int) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"redis://127.0.0.1:{self.listener.getsockname()[1]}/0"
        self.delay, self.rounds = delay, rounds
        self.accepted = 0
        self.scans = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        stream = conn.makefile("rb")
        with conn, stream:
            while line := stream.readline():
                args = []
                for _ in range(int(line[1:])):
                    size = int(stream.readline()[1:])
                    args.append(stream.read(size + 2)[:-2])
                if args[0] == b"SCAN":
                    self.scans += 1
                    time.sleep(self.delay)
                    cursor = b"1" if self.scans < self.rounds else b"0"
                    conn.sendall(b"*2\r\n$1\r\n" + cursor + b"\r\n*0\r\n")
                else:
                    conn.sendall(b"$-1\r\n")

    def close(self) -> None:
        self.listener.close()


def test_waiting_for_a_free_connection_is_bounded(backend: ModuleType) -> None:
    """A call finding every connection busy waits at most the socket timeout, then fails
    without opening another connection; that wait is not a Redis failure, so the breaker
    stays closed."""
    fake = SlowScanServer(delay=0.2, rounds=10)  # clear() holds the only connection ~2 s
    try:
        cache = backend.RedisCache(fake.url, socket_timeout=0.5, pool_size=1, failure_cooldown=5.0)
        held: list[str] = []
        holder = threading.Thread(target=lambda: held.append(outcome(cache.clear)))
        holder.start()
        assert eventually(lambda: fake.scans >= 1)
        started = time.monotonic()
        assert outcome(lambda: cache.get("k")) == WAIT
        waited = time.monotonic() - started
        holder.join()
        assert held == ["ok"]
        assert fake.accepted == 1
        assert 0.45 <= waited < 1.5  # the 0.5 s timeout, not the ~2 s clear() took
        assert outcome(lambda: cache.get("k")) == "ok"  # the breaker did not open
        cache.close()
    finally:
        fake.close()


def test_paused_server_opens_the_breaker_then_one_probe_at_a_time(backend: ModuleType, server: RedisServer) -> None:
    """The first call pays the timeout; the following calls fail fast for the cool-down;
    then one probe goes to Redis while the others keep failing fast; after the resume the
    next probe succeeds and the breaker closes. Two connections in all: each probe's."""
    cache = backend.RedisCache(server.url, socket_timeout=0.5, pool_size=2, failure_cooldown=1.0)
    cache.set("k", b"v")
    accepted = Accepted(server)
    server.pause()
    try:
        assert outcome(lambda: cache.get("k")) == "timed out"
        opened = time.monotonic()
        assert [outcome(lambda: cache.get("k")) for _ in range(20)] == [OPEN] * 20
        assert time.monotonic() - opened < 0.5  # twenty calls took less than one timeout
        time.sleep(max(0.0, opened + 1.2 - time.monotonic()))
        assert together(8, lambda: cache.get("k")) == sorted([OPEN] * 7 + ["timed out"])
        assert outcome(lambda: cache.incr("n", 5)) == OPEN  # the failed probe re-opened it
    finally:
        server.resume()
    time.sleep(1.2)
    assert cache.get("k") == b"v"
    assert [cache.get("k") for _ in range(5)] == [b"v"] * 5
    assert accepted.since() == 2
    cache.close()


def test_waiters_fail_fast_when_the_breaker_opens(backend: ModuleType, server: RedisServer) -> None:
    """Calls waiting for the only connection are woken by the failure that opens the
    breaker: they fail with "circuit open", not each after its own timeout."""
    cache = backend.RedisCache(server.url, socket_timeout=1.0, pool_size=1, failure_cooldown=5.0)
    cache.set("k", b"v")
    server.pause()
    try:
        first: list[str] = []
        holder = threading.Thread(target=lambda: first.append(outcome(lambda: cache.get("k"))))
        holder.start()
        time.sleep(0.4)  # the holder waits on Redis with the pool's only connection
        waiters = together(4, lambda: cache.get("k"))
        holder.join()
    finally:
        server.resume()
    assert first == ["timed out"]
    assert waiters == [OPEN] * 4
    cache.close()


def test_killed_and_restarted_server(backend: ModuleType, server: RedisServer) -> None:
    """After a restart every pooled socket is dead. The first call finds one and opens the
    breaker, which closes the idle ones, so the probe after the cool-down opens a fresh
    connection and succeeds at once."""
    cache = backend.RedisCache(server.url, socket_timeout=5.0, pool_size=3, failure_cooldown=1.0)
    cache.set("k", b"v")
    server.command(b"CLIENT", b"PAUSE", b"500")  # three calls at once: three connections
    assert together(3, lambda: cache.get("k")) == ["ok"] * 3
    assert server.clients_connected() == 3
    server.stop()
    server.start()  # a new process on the same port, without the data
    accepted = Accepted(server)
    assert outcome(lambda: cache.get("k")) not in ("ok", OPEN)
    failed = time.monotonic()
    assert outcome(lambda: cache.set("k", b"v")) == OPEN  # Redis is back; the cool-down is not over
    time.sleep(max(0.0, failed + 1.2 - time.monotonic()))
    assert cache.get("k") is None
    cache.set("k", b"again")
    assert cache.get("k") == b"again"
    assert accepted.since() == 1
    assert server.clients_connected() == 1
    cache.close()


def test_refused_connection_opens_the_breaker(backend: ModuleType) -> None:
    server = RedisServer()  # a port with nothing listening yet
    cache = backend.RedisCache(server.url, socket_timeout=0.5, failure_cooldown=1.0)
    assert outcome(lambda: cache.set("k", b"v")) == "Connection refused"
    failed = time.monotonic()
    assert outcome(lambda: cache.get_many(["k"])) == OPEN
    assert outcome(cache.clear) == OPEN
    server.start()
    try:
        accepted = Accepted(server)
        time.sleep(max(0.0, failed + 1.2 - time.monotonic()))
        cache.set("k", b"v")
        assert cache.get("k") == b"v"
        assert accepted.since() == 1
        cache.close()
    finally:
        server.stop()


def test_error_replies_leave_the_breaker_closed(backend: ModuleType, server: RedisServer) -> None:
    """WRONGTYPE is Redis answering: a CacheError for that call only."""
    cache = backend.RedisCache(server.url, failure_cooldown=60.0)
    server.command(b"LPUSH", b"mizan:list", b"x")
    assert outcome(lambda: cache.get("list")).startswith("WRONGTYPE")
    assert outcome(lambda: cache.incr("list", 5)).startswith("WRONGTYPE")
    cache.set("ok", b"v")
    assert cache.get("ok") == b"v"
    cache.clear()
    cache.close()


def test_zero_cooldown_turns_the_breaker_off(backend: ModuleType, server: RedisServer) -> None:
    cache = backend.RedisCache(server.url, socket_timeout=0.3, failure_cooldown=0)
    cache.set("k", b"v")
    server.pause()
    try:
        assert [outcome(lambda: cache.get("k")) for _ in range(2)] == ["timed out"] * 2  # each call tries
    finally:
        server.resume()
    assert cache.get("k") == b"v"
    cache.close()


def test_close_drops_a_busy_connection_when_it_comes_back(backend: ModuleType, server: RedisServer) -> None:
    cache = backend.RedisCache(server.url, socket_timeout=5.0, pool_size=1)
    cache.set("k", b"v")
    server.command(b"CLIENT", b"PAUSE", b"1500")
    got: list[Any] = []
    holder = threading.Thread(target=lambda: got.append(cache.get("k")))
    holder.start()
    time.sleep(0.5)  # the get waits on the paused server
    cache.close()  # returns at once; the busy connection is closed when it comes back
    holder.join()
    assert got == [b"v"]
    assert eventually(lambda: server.clients_connected() == 0)
    accepted = Accepted(server)
    assert cache.get("k") == b"v"
    assert accepted.since() == 1  # a new connection
    cache.close()
