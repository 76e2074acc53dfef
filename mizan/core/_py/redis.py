"""Pure-Python twin of the C Redis backend (`mz_redis.c` + `mzpy_redis.c`).

`RedisCache` is the shared origin-cache backend (CBE-1, CBE-3): the MemoryCache protocol
over a Redis server, spoken in RESP2 over a plain socket (redis-py is not a dependency).
Physical key = prefix + logical key; every `set` carries an expiry; prefix deletes walk
`SCAN MATCH` (glob characters escaped) and remove each batch with `UNLINK`; `incr` is
`MULTI`/`INCR`/`PEXPIRE`/`EXEC` in one round trip. Any I/O or protocol failure closes the
connection and raises `CacheError`; the next call reconnects. Connections come from a
bounded pool with a circuit breaker (`mizan/core/_py/pool.py`, the twin of `mz_pool.c`).
"""

from __future__ import annotations

import math
import socket
from collections.abc import Callable, Sequence
from typing import TypeVar
from urllib.parse import unquote_to_bytes

from mizan.core._py.pool import MAX_SIZE, Pool, Slot
from mizan.core._py.table import DEFAULT_TTL, _key, _ttl
from mizan.core.errors import CacheError

DEFAULT_PORT = 6379
# A TTL longer than this many milliseconds is stored as this (Redis refuses expiries that
# overflow its clock; 2**53 ms is about 285,000 years).
MAX_TTL_MS = 2**53
# Socket timeouts above this are clamped (a finite value for timeval / settimeout).
MAX_SOCKET_TIMEOUT = 1e6
# More connections than a process's threads can keep busy: with the GIL, few threads run
# Python at once and a Redis round trip is a small part of a request; 8 per process keeps
# a fleet far below Redis's 10,000-client limit, and connections open only when concurrent
# operations need them.
DEFAULT_POOL_SIZE = 8
DEFAULT_FAILURE_COOLDOWN = 1.0
SCAN_COUNT = b"500"
_GLOB = frozenset(b"*?[]\\")
URL_FORM = "RedisCache URL must look like redis://[[user]:password@]host[:port][/db]"


class _Error(bytes):
    """A Redis error reply (`-ERR ...`), returned as a value so EXEC can carry one."""


class _Simple(bytes):
    """A Redis simple-string reply (`+OK`), kept apart from bulk strings."""


class _ProtocolError(Exception):
    """The server sent bytes that are not RESP2."""


class _Unexpected(Exception):
    """A reply of the wrong type: the connection's stream can no longer be trusted."""


T = TypeVar("T")


Reply = bytes | int | None | list["Reply"] | _Error


def _ascii_digits(text: str, most: int) -> bool:
    return 0 < len(text) <= most and text.isascii() and text.isdigit()


def parse_url(url: object) -> tuple[str, int, int, bytes | None, bytes | None]:
    """`redis://[[user]:password@]host[:port][/db]` -> (host, port, db, user, password).

    User and password are percent-decoded; an IPv6 host goes in brackets.

    Raises:
        TypeError: url is not a str.
        ValueError: any other scheme or a malformed part.
    """
    if type(url) is not str:
        raise TypeError("url must be str")
    url.encode("utf-8")  # a lone surrogate: the UnicodeEncodeError the C type raises
    if "\x00" in url or not url.startswith("redis://"):
        raise ValueError(URL_FORM)
    rest = url[len("redis://") :]
    authority, slash, path = rest.partition("/")
    db = 0
    if slash and path:
        if not _ascii_digits(path, 9):
            raise ValueError("invalid db in RedisCache URL")
        db = int(path)
    user: bytes | None = None
    password: bytes | None = None
    userinfo, at, hostport = authority.rpartition("@")
    if at:
        name, colon, secret = userinfo.partition(":")
        if not colon:
            raise ValueError(URL_FORM)
        user = unquote_to_bytes(name) or None
        password = unquote_to_bytes(secret)
    port_text: str | None = None
    if hostport.startswith("["):
        host, bracket, tail = hostport[1:].partition("]")
        if not bracket or (tail and not tail.startswith(":")):
            raise ValueError(URL_FORM)
        if tail:
            port_text = tail[1:]
    else:
        host, colon, port_text_ = hostport.rpartition(":")
        if colon:
            port_text = port_text_
        else:
            host = hostport
    if not host:
        raise ValueError("missing host in RedisCache URL")
    port = DEFAULT_PORT
    if port_text is not None:
        if not _ascii_digits(port_text, 5) or not 0 < int(port_text) <= 65535:
            raise ValueError("invalid port in RedisCache URL")
        port = int(port_text)
    return host, port, db, user, password


def ttl_ms(seconds: float) -> int:
    """Seconds -> PX milliseconds: rounded up, at least 1, at most MAX_TTL_MS."""
    ms = seconds * 1000.0
    if not ms < MAX_TTL_MS:
        return MAX_TTL_MS
    return max(math.ceil(ms), 1)


def escape_glob(pattern: bytes) -> bytes:
    """`pattern` with each of the glob characters `*?[]\\` preceded by a backslash."""
    out = bytearray()
    for byte in pattern:
        if byte in _GLOB:
            out.append(0x5C)
        out.append(byte)
    return bytes(out)


def _failure(op: str, cause: str | bytes) -> CacheError:
    """CacheError("RedisCache.<op>: <cause>"): at most 159 bytes, decoded with "replace",
    as the C type's fixed message buffer holds it."""
    raw = cause.encode("utf-8", "replace") if isinstance(cause, str) else cause
    message = (f"RedisCache.{op}: ".encode() + raw)[:159]
    return CacheError(message.decode("utf-8", "replace"))


def _encode_key(key: str) -> bytes:
    # The C type's key bytes: UTF-8, or "surrogatepass" for a lone surrogate (as MemoryCache).
    return key.encode("utf-8", "surrogatepass")


def _command(*args: bytes) -> bytes:
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        parts.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    return b"".join(parts)


class _Connection:
    """One socket and its read buffer: send commands, read RESP2 replies."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("Server closed the connection")
        self.buffer += data

    def _line(self) -> bytes:
        while (end := self.buffer.find(b"\r\n")) < 0:
            self._fill()
        line = bytes(self.buffer[:end])
        del self.buffer[: end + 2]
        return line

    def _exact(self, n: int) -> bytes:
        while len(self.buffer) < n + 2:
            self._fill()
        if self.buffer[n : n + 2] != b"\r\n":
            raise _ProtocolError("Protocol error, bad bulk string terminator")
        data = bytes(self.buffer[:n])
        del self.buffer[: n + 2]
        return data

    def _int(self, text: bytes) -> int:
        try:
            return int(text)
        except ValueError:
            raise _ProtocolError("Protocol error, bad integer") from None

    def read(self) -> Reply:
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return _Simple(rest)
        if kind == b"-":
            return _Error(rest)
        if kind == b":":
            return self._int(rest)
        if kind == b"$":
            n = self._int(rest)
            return None if n < 0 else self._exact(n)
        if kind == b"*":
            n = self._int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise _ProtocolError(f"Protocol error, got {kind!r} as reply type byte")

    def exchange(self, *commands: tuple[bytes, ...]) -> list[Reply]:
        """Send every command in one write, then read one reply per command."""
        self.sock.sendall(b"".join(_command(*c) for c in commands))
        return [self.read() for _ in commands]

    def close(self) -> None:
        self.sock.close()


def _answer(op: str, reply: Reply) -> Reply:
    """`reply`, unless it is a Redis error reply: CacheError (the connection is kept)."""
    if isinstance(reply, _Error):
        raise _failure(op, reply)
    return reply


def _number(value: object) -> float:
    """A float or int argument as a float; NaN for any other type (refused by the range
    checks, as the C type does)."""
    return float(value) if type(value) is int or type(value) is float else math.nan


class RedisCache:
    """The origin-cache backend over Redis (CBE-3), safe to share between threads.

    Args:
        url: `redis://[[user]:password@]host[:port][/db]` (port 6379 and db 0 by default).
        prefix: namespace prepended to every key; `clear()` removes only keys under it.
        default_ttl: seconds an entry lives when `set` gets no ttl.
        socket_timeout: seconds allowed for connecting, for each reply, and for waiting
            for a free connection.
        pool_size: how many connections the pool may open (1 to 1024).
        failure_cooldown: seconds every operation fails fast after an I/O failure before
            one probe is let through (0: no circuit breaker).
    """

    __slots__ = (
        "_db",
        "_default_ttl",
        "_host",
        "_password",
        "_pool",
        "_port",
        "_prefix",
        "_raw_prefix",
        "_timeout",
        "_url",
        "_user",
    )

    def __init__(
        self,
        url: str,
        prefix: str = "mizan:",
        default_ttl: float = DEFAULT_TTL,
        socket_timeout: float = 1.0,
        pool_size: int = DEFAULT_POOL_SIZE,
        failure_cooldown: float = DEFAULT_FAILURE_COOLDOWN,
    ) -> None:
        self._host, self._port, self._db, self._user, self._password = parse_url(url)
        self._url = url
        if type(prefix) is not str:
            raise TypeError("prefix must be str")
        self._prefix = prefix
        self._raw_prefix = _encode_key(prefix)
        self._default_ttl = _ttl(default_ttl, DEFAULT_TTL)
        timeout = _number(socket_timeout)
        if not timeout > 0:
            raise ValueError("socket_timeout must be a positive number of seconds")
        self._timeout = min(timeout, MAX_SOCKET_TIMEOUT)
        if type(pool_size) is not int or not 1 <= pool_size <= MAX_SIZE:
            raise ValueError(f"pool_size must be an integer from 1 to {MAX_SIZE}")
        cooldown = _number(failure_cooldown)
        if not cooldown >= 0:
            raise ValueError("failure_cooldown must be a non-negative number of seconds")
        self._pool: Pool[_Connection] = Pool(pool_size, self._timeout, min(cooldown, MAX_SOCKET_TIMEOUT))

    @property
    def url(self) -> str:
        return self._url

    @property
    def prefix(self) -> str:
        return self._prefix

    @property
    def default_ttl(self) -> float:
        return self._default_ttl

    @property
    def socket_timeout(self) -> float:
        return self._timeout

    @property
    def pool_size(self) -> int:
        return self._pool.size

    @property
    def failure_cooldown(self) -> float:
        return self._pool.cooldown

    def __repr__(self) -> str:
        # The password never appears: host, port and db only.
        return f"<RedisCache {self._host}:{self._port}/{self._db} prefix={self._prefix!r}>"

    # --- connection ---------------------------------------------------------------------

    def _connect(self, op: str) -> _Connection:
        sock = socket.create_connection((self._host, self._port), timeout=self._timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = _Connection(sock)
        setup: list[tuple[bytes, ...]] = []
        if self._password is not None:
            setup.append((b"AUTH", self._user, self._password) if self._user else (b"AUTH", self._password))
        if self._db:
            setup.append((b"SELECT", str(self._db).encode()))
        try:
            for reply in conn.exchange(*setup) if setup else ():
                _answer(op, reply)
        except BaseException:
            conn.close()
            raise
        return conn

    def _run(self, op: str, work: Callable[[_Connection], T]) -> T:
        """`work` on a pooled connection (opened if needed), under the pool's rules.

        Raises:
            CacheError: no connection (breaker open, pool exhausted); connecting, sending or
                reading failed (the connection is closed, and the breaker told); a Redis
                error reply; a reply of the wrong type (the connection is closed).
        """
        slot: Slot[_Connection] = self._pool.acquire(op)
        try:
            if slot.conn is None:
                slot.conn = self._connect(op)
            return work(slot.conn)
        except CacheError:  # an error reply (CacheError is a ConnectionError: caught first)
            raise
        except _Unexpected:
            slot.close()
            raise _failure(op, "unexpected reply type") from None
        except TimeoutError:
            slot.close()
            slot.io_failed = True
            raise _failure(op, "timed out") from None
        except OSError as exc:
            slot.close()
            slot.io_failed = True
            raise _failure(op, exc.strerror or str(exc)) from None
        except _ProtocolError as exc:
            slot.close()
            slot.io_failed = True
            raise _failure(op, str(exc)) from None
        finally:
            self._pool.release(slot)

    def _one(self, op: str, *command: bytes) -> Reply:
        return self._run(op, lambda conn: _answer(op, conn.exchange(command)[0]))

    def _pkey(self, key: object) -> bytes:
        return self._raw_prefix + _encode_key(_key(key))

    # --- the backend protocol -----------------------------------------------------------

    def get(self, key: str, /) -> bytes | None:
        """The value, or None when absent or expired."""
        pkey = self._pkey(key)

        def work(conn: _Connection) -> bytes | None:
            reply = _answer("get", conn.exchange((b"GET", pkey))[0])
            if reply is not None and type(reply) is not bytes:
                raise _Unexpected
            return reply

        return self._run("get", work)

    def get_many(self, keys: Sequence[str], /) -> list[bytes | None]:
        """`get` for each key, in order, in one `MGET` round trip."""
        physical = [self._pkey(k) for k in keys]
        if not physical:
            return []

        def work(conn: _Connection) -> list[bytes | None]:
            reply = _answer("get_many", conn.exchange((b"MGET", *physical))[0])
            if type(reply) is not list or len(reply) != len(physical):
                raise _Unexpected
            if any(v is not None and type(v) is not bytes for v in reply):
                raise _Unexpected
            return reply  # type: ignore[return-value]

        return self._run("get_many", work)

    def set(self, key: str, value: bytes, /, ttl: float | None = None) -> None:
        """Store `value` (any bytes-like object) for `ttl` seconds (default: default_ttl)."""
        pkey = self._pkey(key)
        data = memoryview(value).tobytes()
        ms = ttl_ms(_ttl(ttl, self._default_ttl))

        def work(conn: _Connection) -> None:
            reply = _answer("set", conn.exchange((b"SET", pkey, data, b"PX", b"%d" % ms))[0])
            if not isinstance(reply, _Simple):
                raise _Unexpected

        self._run("set", work)

    def delete(self, key: str, /) -> bool:
        """True when a live entry was removed (`UNLINK`)."""
        pkey = self._pkey(key)

        def work(conn: _Connection) -> bool:
            reply = _answer("delete", conn.exchange((b"UNLINK", pkey))[0])
            if type(reply) is not int:
                raise _Unexpected
            return reply == 1

        return self._run("delete", work)

    def _delete_prefix(self, op: str, prefix: bytes) -> int:
        """SCAN + UNLINK batches, all on one pooled connection (as the C type)."""
        pattern = escape_glob(self._raw_prefix + prefix) + b"*"

        def work(conn: _Connection) -> int:
            cursor = b"0"
            removed = 0
            while True:
                reply = _answer(op, conn.exchange((b"SCAN", cursor, b"MATCH", pattern, b"COUNT", SCAN_COUNT))[0])
                if (
                    type(reply) is not list
                    or len(reply) != 2
                    or type(reply[0]) is not bytes
                    or type(reply[1]) is not list
                    or any(type(k) is not bytes for k in reply[1])
                ):
                    raise _Unexpected
                cursor, batch = reply[0], reply[1]
                if batch:
                    count = _answer(op, conn.exchange((b"UNLINK", *batch))[0])  # type: ignore[arg-type]
                    if type(count) is not int or count < 0:
                        raise _Unexpected
                    removed += count
                if cursor == b"0":
                    return removed

        return self._run(op, work)

    def delete_by_prefix(self, prefix: str, /) -> int:
        """Remove every entry whose key starts with `prefix` (SCAN MATCH + UNLINK); the count."""
        return self._delete_prefix("delete_by_prefix", _encode_key(_key(prefix)))

    def clear(self) -> None:
        """Remove every entry under this cache's prefix (other prefixes are untouched)."""
        self._delete_prefix("clear", b"")

    def incr(self, key: str, ttl: float, /) -> int:
        """Atomically add 1 to the integer at `key` (absent = 0), refresh its TTL, and return
        the new value: `MULTI`, `INCR`, `PEXPIRE`, `EXEC` in one round trip.

        Raises:
            ValueError: the stored value is not an integer, the increment would overflow,
                or a bad ttl.
        """
        pkey = self._pkey(key)
        ms = b"%d" % ttl_ms(_ttl(ttl, self._default_ttl))

        def work(conn: _Connection) -> int:
            replies = conn.exchange((b"MULTI",), (b"INCR", pkey), (b"PEXPIRE", pkey, ms), (b"EXEC",))
            for reply in replies:
                _answer("incr", reply)
            result = replies[3]
            if type(result) is not list or len(result) != 2:
                raise _Unexpected
            value = result[0]
            if isinstance(value, _Error):
                if value.find(b"not an integer") >= 0:
                    raise ValueError("value is not an integer")
                if value.find(b"overflow") >= 0:
                    raise ValueError("increment would overflow")
                raise _failure("incr", value)
            if type(value) is not int:
                raise _Unexpected
            return value

        return self._run("incr", work)

    def close(self) -> None:
        """Close the pool's connections (idle ones now, busy ones when their operation
        ends); the next calls open new ones."""
        self._pool.close()

    def __del__(self) -> None:
        # The C type's dealloc closes its connections; so does the twin (no ResourceWarning).
        pool = getattr(self, "_pool", None)  # None too when __init__ raised
        if pool is not None:
            pool.close_all()
