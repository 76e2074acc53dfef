"""Pure-Python twin of `mz_pool.c`: the Redis backend's bounded connection pool and circuit
breaker (CBE-3), shared by the threads of one process.

Pool: `size` slots, each holding a connection opened lazily by the first operation that
takes it. A thread takes a free slot (the most recently used first, so light traffic keeps
few sockets open) or waits for one at most `timeout` seconds, then fails with "timed out
waiting for a free connection".

Circuit breaker: when an operation fails on I/O (`Slot.io_failed`: connect error, timeout,
dropped connection, protocol error; a Redis error reply does not count), the breaker opens:
idle connections are closed, threads waiting for a slot are woken, and every operation
fails at once with "circuit open after a failure" for `cooldown` seconds (counted from the
latest failure). The first operation after that is the probe (half-open): it runs while the
others keep failing fast; its success closes the breaker, its I/O failure opens it again.
A cooldown of 0 turns the breaker off.
"""

from __future__ import annotations

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


class Pool(Generic[C]):
    """`size` slots behind one condition variable, and the breaker's state.

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
        self._changed = threading.Condition(threading.Lock())
        self._breaker = _CLOSED
        self._opened_at = 0.0
        self._probe_ticket = 0
        self._probe: Slot[C] | None = None

    # --- breaker (every helper runs with the lock held) -----------------------------------

    def _close_idle(self) -> None:
        for slot in self._idle:
            slot.close()

    def _open(self) -> None:
        """Open (or re-open) the breaker; idle connections are closed so that after a
        restart the probe does not pick a dead socket."""
        self._close_idle()
        if self.cooldown > 0:
            self._breaker = _OPEN
            self._opened_at = time.monotonic()
            self._probe = None

    def _admit(self, ticket: int) -> tuple[bool, int]:
        """Whether an operation may run now, and the caller's probe ticket (0: not the
        probe); once the cooldown is over the first caller becomes the probe."""
        if self._breaker == _HALF_OPEN and ticket != 0 and ticket == self._probe_ticket:
            return True, ticket
        if self._breaker == _CLOSED:
            return True, 0
        if self._breaker == _OPEN and time.monotonic() - self._opened_at >= self.cooldown:
            self._breaker = _HALF_OPEN
            self._probe = None
            self._probe_ticket += 1
            return True, self._probe_ticket
        return False, 0

    # --- acquire and release --------------------------------------------------------------

    def acquire(self, op: str) -> Slot[C]:
        """A slot for operation `op`, to be given back with `release`.

        Raises:
            CacheError: the breaker is open (or another thread is the probe), or no slot
                came back within the timeout.
        """
        deadline = time.monotonic() + self.timeout
        ticket = 0
        timed_out = False
        with self._changed:
            while True:
                admitted, ticket = self._admit(ticket)
                if not admitted:
                    raise CacheError(f"RedisCache.{op}: {OPEN_TEXT}")
                if self._idle:
                    slot = self._idle.pop()
                    slot.busy = True
                    slot.io_failed = False
                    if ticket:
                        self._probe = slot
                    return slot
                if timed_out:
                    if ticket:
                        # The probe found no connection in time: Redis is still holding
                        # every one of them, so cool down again.
                        self._open()
                        self._changed.notify_all()
                    raise CacheError(f"RedisCache.{op}: {WAIT_TEXT}")
                timed_out = not self._changed.wait(max(deadline - time.monotonic(), 0.0))

    def release(self, slot: Slot[C]) -> None:
        """Give back `slot` after one operation; its `io_failed` drives the breaker."""
        with self._changed:
            moved = False
            if slot.io_failed:
                self._open()
                moved = self.cooldown > 0
            elif slot is self._probe:
                self._breaker = _CLOSED
                self._probe = None
                moved = True
            if slot.drop:
                slot.close()
                slot.drop = False
            slot.busy = False
            self._idle.append(slot)
            if moved:
                # Waiters re-check the breaker: after an opening they fail fast instead of
                # each paying its own timeout.
                self._changed.notify_all()
            else:
                self._changed.notify()

    def close(self) -> None:
        """Close idle connections now and busy ones when they come back."""
        with self._changed:
            self._close_idle()
            for slot in self._slots:
                if slot.busy:
                    slot.drop = True

    def close_all(self) -> None:
        """Close every connection, busy or not (the owner is being destroyed)."""
        for slot in self._slots:
            slot.close()
