"""Pure-Python twin of `mz_pool.c`: the Redis backend's bounded connection pool and circuit
breaker (CBE-3), shared by the threads of one process.

Pool: `size` slots, each holding a connection opened lazily by the first operation that
takes it. A thread takes a free slot (the most recently used first, so light traffic keeps
few sockets open) or, when none is free or others are already waiting, queues for one (in
arrival order) at most `timeout` seconds, then fails with "timed out waiting for a free
connection".

Circuit breaker: when an operation fails on I/O (`Slot.io_failed`: connect error, timeout,
dropped connection, protocol error; a Redis error reply does not count), the breaker opens:
idle connections are closed, threads waiting for a slot are woken, and every operation
fails at once with "circuit open after a failure" for `cooldown` seconds (counted from the
latest failure). The first operation after that is the probe (half-open): it runs while the
others keep failing fast; its success closes the breaker, its I/O failure opens it again.
A cooldown of 0 turns the breaker off.
"""

from __future__ import annotations

import collections
import threading
import time
from typing import Generic, Protocol, TypeVar

from mizan.core.errors import CacheError

MAX_SIZE = 1024
OPEN_TEXT = "circuit open after a failure"
WAIT_TEXT = "timed out waiting for a free connection"

_CLOSED, _OPEN, _HALF_OPEN = "closed", "open", "half-open"


class Closable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=Closable)


class Slot(Generic[C]):
    """One pooled connection: None until an operation opens it."""

    __slots__ = ("busy", "conn", "drop", "io_failed")

    def __init__(self) -> None:
        self.conn: C | None = None
        self.busy = False
        self.drop = False  # close() came while busy: close on release
        self.io_failed = False  # set by the operation; read by release

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class _Waiter(Generic[C]):
    """A thread waiting for a slot. Waiters queue in arrival order and `release` hands the
    slot straight to the first one, so a thread arriving later never takes it first: under
    the GIL, the releasing thread would otherwise win every race against a woken waiter,
    which could then wait out its whole timeout."""

    __slots__ = ("probe", "refused", "slot", "woken")

    def __init__(self, lock: threading.Lock, probe: bool) -> None:
        self.woken = threading.Condition(lock)
        self.slot: Slot[C] | None = None  # handed over by release
        self.probe = probe  # the half-open probe
        self.refused = False  # the breaker opened while it waited


class Pool(Generic[C]):
    """`size` slots, the queue of waiting threads and the breaker's state, behind one lock.

    Args:
        size: how many connections may be open (1 to MAX_SIZE; checked by the caller).
        timeout: seconds a thread waits for a free slot.
        cooldown: seconds operations fail fast after an I/O failure (0: never).
    """

    def __init__(self, size: int, timeout: float, cooldown: float) -> None:
        self.size = size
        self.timeout = timeout
        self.cooldown = cooldown
        self._slots: list[Slot[C]] = [Slot() for _ in range(size)]
        self._idle = list(reversed(self._slots))  # a stack: slot 0 on top
        self._queue: collections.deque[_Waiter[C]] = collections.deque()  # oldest first
        self._lock = threading.Lock()
        self._breaker = _CLOSED
        self._opened_at = 0.0
        self._probe: Slot[C] | None = None

    # --- slots, waiters and the breaker (every helper runs with the lock held) ------------

    def _close_idle(self) -> None:
        for slot in self._idle:
            slot.close()

    def _take_idle(self, probe: bool) -> Slot[C]:
        slot = self._idle.pop()
        slot.busy = True
        slot.io_failed = False
        if probe:
            self._probe = slot
        return slot

    def _hand_over(self, slot: Slot[C]) -> None:
        """`slot` to the first waiter, or back on the idle stack."""
        if not self._queue:
            slot.busy = False
            self._idle.append(slot)
            return
        waiter = self._queue.popleft()
        slot.io_failed = False
        if waiter.probe:
            self._probe = slot
        waiter.slot = slot
        waiter.woken.notify()

    def _open(self) -> None:
        """Open (or re-open) the breaker: the cooldown counts from now and every waiter
        fails fast instead of paying its own timeout. Idle connections are closed, so after
        a restart the probe does not pick a dead socket."""
        self._close_idle()
        if self.cooldown <= 0:
            return
        self._breaker = _OPEN
        self._opened_at = time.monotonic()
        self._probe = None
        while self._queue:
            waiter = self._queue.popleft()
            waiter.refused = True
            waiter.woken.notify()

    def _admit(self) -> tuple[bool, bool]:
        """Whether an operation may run now, and whether it is the probe: once the
        cooldown is over the first caller becomes the probe."""
        if self._breaker == _CLOSED:
            return True, False
        if self._breaker == _OPEN and time.monotonic() - self._opened_at >= self.cooldown:
            self._breaker = _HALF_OPEN
            self._probe = None
            return True, True
        return False, False  # open, or half-open with another thread as the probe

    def _wait_in_line(self, waiter: _Waiter[C]) -> Slot[C] | None:
        """Wait until a slot is handed over, the breaker opens or the timeout passes."""
        self._queue.append(waiter)
        deadline = time.monotonic() + self.timeout
        while waiter.slot is None and not waiter.refused and (remaining := deadline - time.monotonic()) > 0:
            waiter.woken.wait(remaining)
        if waiter.slot is None and not waiter.refused:
            self._queue.remove(waiter)
        return waiter.slot

    # --- acquire and release --------------------------------------------------------------

    def acquire(self, op: str) -> Slot[C]:
        """A slot for operation `op`, to be given back with `release`.

        Raises:
            CacheError: the breaker is open (or another thread is the probe), or no slot
                came back within the timeout.
        """
        with self._lock:
            admitted, probe = self._admit()
            if not admitted:
                raise CacheError(f"RedisCache.{op}: {OPEN_TEXT}")
            if self._idle and not self._queue:
                return self._take_idle(probe)
            waiter: _Waiter[C] = _Waiter(self._lock, probe)
            slot = self._wait_in_line(waiter)
            if slot is not None:
                return slot
            if waiter.refused:
                raise CacheError(f"RedisCache.{op}: {OPEN_TEXT}")
            if probe:
                # The probe found no connection in time: Redis is still holding every one
                # of them, so cool down again.
                self._open()
            raise CacheError(f"RedisCache.{op}: {WAIT_TEXT}")

    def release(self, slot: Slot[C]) -> None:
        """Give back `slot` after one operation; its `io_failed` drives the breaker."""
        with self._lock:
            if slot.io_failed:
                self._open()
            elif slot is self._probe:
                self._breaker = _CLOSED
                self._probe = None
            if slot.drop:
                slot.close()
                slot.drop = False
            self._hand_over(slot)

    def close(self) -> None:
        """Close idle connections now and busy ones when they come back."""
        with self._lock:
            self._close_idle()
            for slot in self._slots:
                if slot.busy:
                    slot.drop = True

    def close_all(self) -> None:
        """Close every connection, busy or not (the owner is being destroyed)."""
        for slot in self._slots:
            slot.close()
