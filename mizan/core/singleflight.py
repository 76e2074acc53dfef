"""In-process single-flight for cache misses (CACHE-13).

Concurrent misses for one entry key execute the bundle once: the first caller leads, the
others wait (up to 10 s) and answer with the leader's bytes. If the leader fails, the
waiters execute on their own; errors are never shared.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

WAIT_SECONDS = 10.0


@dataclass
class Flight:
    """One in-progress execution for a key."""

    done: threading.Event = field(default_factory=threading.Event)
    body: bytes | None = None

    def wait(self, timeout: float = WAIT_SECONDS) -> bytes | None:
        """The leader's body, or None when it failed or took longer than `timeout`."""
        self.done.wait(timeout)
        return self.body


class SingleFlight:
    """The flights of one process, by entry key."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flights: dict[str, Flight] = {}

    def join(self, key: str) -> tuple[Flight, bool]:
        """The flight for `key` and whether the caller leads it."""
        with self._lock:
            flight = self._flights.get(key)
            if flight is not None:
                return flight, False
            flight = self._flights[key] = Flight()
            return flight, True

    def land(self, key: str, flight: Flight, body: bytes | None) -> None:
        """The leader is done: hand `body` (None on failure) to the waiters."""
        with self._lock:
            if self._flights.get(key) is flight:
                del self._flights[key]
        flight.body = body
        flight.done.set()


flights = SingleFlight()
