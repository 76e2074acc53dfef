"""Pure-Python twin of the C in-memory cache table (`mz_table.c` + `mzpy_table.c`).

`MemoryCache` is the in-process origin-cache backend (CBE-1, CBE-2), selected with
`MIZAN_CACHE_REDIS_URL = "memory://"`: opaque bytes under string keys, a TTL on every
entry (expired entries are dropped lazily, when touched), safe under threads.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence

DEFAULT_TTL = 86_400.0
INT64_MAX = 2**63 - 1
_INTEGER = re.compile(rb"-?[0-9]+")


def _ttl(ttl: object, default: float) -> float:
    if ttl is None:
        return default
    if (type(ttl) is not int and type(ttl) is not float) or not ttl > 0:
        raise ValueError("ttl must be a positive number of seconds")
    return float(ttl)


def _stored_int(current: bytes) -> int:
    """The int64 of decimal text `-?[0-9]+`; leading zeros never reach int(), whose digit
    limit (sys.get_int_max_str_digits) would otherwise refuse `b"0" * 5000` with another text."""
    if _INTEGER.fullmatch(current) is None:
        raise ValueError("value is not an integer")
    negative = current.startswith(b"-")
    digits = current[1 if negative else 0 :].lstrip(b"0") or b"0"
    value = int(digits) if len(digits) <= 19 else INT64_MAX + 2
    if negative:
        value = -value
    if not -INT64_MAX - 1 <= value <= INT64_MAX:
        raise ValueError("value is not an integer")
    return value


def _key(key: object) -> str:
    if type(key) is not str:
        raise TypeError("cache keys must be str")
    return key


class MemoryCache:
    """A thread-safe dict of bytes with per-entry expiry (monotonic clock).

    Args:
        default_ttl: seconds an entry lives when `set` gets no ttl.
    """

    __slots__ = ("_default_ttl", "_entries", "_lock")

    def __init__(self, default_ttl: float = DEFAULT_TTL) -> None:
        self._default_ttl = _ttl(default_ttl, DEFAULT_TTL)
        self._entries: dict[str, tuple[bytes, float]] = {}
        self._lock = threading.Lock()

    @property
    def default_ttl(self) -> float:
        return self._default_ttl

    def _live(self, key: str, now: float) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[1] <= now:
            del self._entries[key]
            return None
        return entry[0]

    def get(self, key: str, /) -> bytes | None:
        """The value, or None when absent or expired."""
        key = _key(key)
        with self._lock:
            return self._live(key, time.monotonic())

    def get_many(self, keys: Sequence[str], /) -> list[bytes | None]:
        """`get` for each key, in order, under one lock (one "round trip")."""
        checked = [_key(k) for k in keys]
        with self._lock:
            now = time.monotonic()
            return [self._live(k, now) for k in checked]

    def set(self, key: str, value: bytes, /, ttl: float | None = None) -> None:
        """Store `value` (any bytes-like object) for `ttl` seconds (default: default_ttl)."""
        key = _key(key)
        data = memoryview(value).tobytes()
        expires = time.monotonic() + _ttl(ttl, self._default_ttl)
        with self._lock:
            self._entries[key] = (data, expires)

    def delete(self, key: str, /) -> bool:
        """True when a live entry was removed."""
        key = _key(key)
        with self._lock:
            live = self._live(key, time.monotonic()) is not None
            self._entries.pop(key, None)
            return live

    def delete_by_prefix(self, prefix: str, /) -> int:
        """Remove every live entry whose key starts with `prefix`; the count removed."""
        prefix = _key(prefix)
        with self._lock:
            now = time.monotonic()
            doomed = [k for k in self._entries if k.startswith(prefix)]
            count = 0
            for k in doomed:
                if self._live(k, now) is not None:
                    count += 1
                self._entries.pop(k, None)
            return count

    def clear(self) -> None:
        """Remove every entry."""
        with self._lock:
            self._entries.clear()

    def incr(self, key: str, ttl: float, /) -> int:
        """Atomically add 1 to the integer stored at `key` (absent or expired = 0), refresh
        its TTL, and return the new value (stored as decimal text, as Redis does).

        Raises:
            ValueError: the stored value is not a decimal integer in int64, or a bad ttl.
        """
        key = _key(key)
        seconds = _ttl(ttl, self._default_ttl)
        with self._lock:
            now = time.monotonic()
            current = self._live(key, now)
            value = 0 if current is None else _stored_int(current)
            if value == INT64_MAX:
                raise ValueError("increment would overflow")
            value += 1
            self._entries[key] = (str(value).encode("ascii"), now + seconds)
            return value

    def __len__(self) -> int:
        """Entries stored, expired ones not yet dropped included."""
        with self._lock:
            return len(self._entries)

    def __repr__(self) -> str:
        return f"<MemoryCache {len(self)} entries>"
