"""The origin-cache HIT written in plain Python: the "Python equivalent" of benchmarks.ctx.

What a developer would write with the standard library for the same protocol (PROTOCOL
§6.2, CPUR-4): canonical JSON with `json.dumps`, HMAC-SHA256 keys with `hmac`, a dict of
(bytes, expiry) behind a lock, the stored bytes returned with the HIT headers. Nothing from
Mizan is used, so the comparison is Mizan against the same work done by hand.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

SECRET = "benchmark-cache-secret-of-at-least-32-bytes"
SECRET_BYTES = SECRET.encode()
HIT_HEADERS = {"Content-Type": "application/json", "Cache-Control": "no-store", "X-Mizan-Cache": "HIT"}

Answer = tuple[int, bytes, dict[str, str]]


def canonical(obj: Any) -> bytes:
    """JSON-1 with the standard library: sorted keys, no whitespace, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def text(value: Any) -> str:
    """NORM-1 for the scalars the benchmark's contexts take (str, int, bool)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "null" if value is None else str(value)


def hex_hmac(message: bytes) -> str:
    return hmac.new(SECRET_BYTES, message, hashlib.sha256).hexdigest()


def entry_key(context: str, texts: Mapping[str, str]) -> str:
    """CKEY-2/3: the key of a public entry (no user, rev 0)."""
    return f"ctx:{context}:{hex_hmac(canonical({'c': context, 'p': texts, 'r': 0}))}"


def python_hit(
    get_many: Callable[[list[str]], Sequence[bytes | None]], context: str, params: Mapping[str, Any]
) -> Answer | None:
    """Mizan's HIT, the plain way: the entry key and one generation key per param, one
    multi-get, the generation stamp compared (CPUR-4), the response."""
    texts = {name: text(value) for name, value in params.items()}
    key = entry_key(context, texts)
    names = sorted(texts)
    scopes = [f"gen:{context}:{hex_hmac(canonical({'c': context, 'k': n, 'v': texts[n]}))}" for n in names]
    values = get_many([key, f"gen:{context}", *scopes])
    numbers = [0 if value is None else int(value) for value in values[1:]]
    stamp = canonical({"g": numbers[0], "s": dict(zip(names, numbers[1:], strict=True))})
    entry = values[0]
    if entry is None:
        return None
    stored, sep, body = entry.partition(b"\n")
    if not sep or stored != stamp:
        return None
    return 200, body, dict(HIT_HEADERS)


def python_minimal(entries: Mapping[str, bytes], context: str, params: Mapping[str, Any]) -> Answer | None:
    """The least a cache can do: one HMAC key, `dict.get`, the response (no stamps, so a
    purge could not reach other users' entries)."""
    body = entries.get(entry_key(context, {name: text(value) for name, value in params.items()}))
    return None if body is None else (200, body, dict(HIT_HEADERS))


class PlainStore:
    """A Python memory cache: a dict of (bytes, expiry) behind a lock, lazy expiry."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[bytes, float]] = {}
        self.lock = threading.Lock()

    def get_many(self, keys: list[str]) -> list[bytes | None]:
        with self.lock:
            now = time.monotonic()
            return [self._live(key, now) for key in keys]

    def _live(self, key: str, now: float) -> bytes | None:
        entry = self.entries.get(key)
        if entry is None:
            return None
        if entry[1] <= now:
            del self.entries[key]
            return None
        return entry[0]
