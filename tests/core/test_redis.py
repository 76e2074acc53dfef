"""RedisCache (CBE-1, CBE-3, CBE-5) in C and as the pure-Python twin, against a real
redis-server started by the session fixture (tests/redis_server.py)."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from mizan.core._py.table import MemoryCache as PyMemoryCache
from mizan.core.errors import CacheError
from tests.redis_server import RedisServer

_COUNTER = itertools.count()
Factory = Callable[..., Any]


@pytest.fixture
def make_cache(backend: ModuleType, redis_server: RedisServer) -> Iterator[Factory]:
    """RedisCache instances on the session server, each test under its own prefix."""
    made: list[Any] = []
    base = f"t{next(_COUNTER)}-{backend.__name__.rsplit('.', 1)[-1]}:"

    def make(url: str | None = None, prefix: str | None = None, **kwargs: Any) -> Any:
        cache = backend.RedisCache(url or redis_server.url, base if prefix is None else prefix, **kwargs)
        made.append(cache)
        return cache

    yield make
    for cache in made:
        try:
            cache.clear()
        except CacheError:
            pass
        cache.close()


def pttl(server: RedisServer, key: bytes, db: int = 0) -> int:
    reply = server.command(b"PTTL", key, db=db)
    assert reply.startswith(b":"), reply
    return int(reply[1:].strip())


def test_constructor_and_properties(backend: ModuleType, redis_server: RedisServer) -> None:
    cache = backend.RedisCache(redis_server.url)
    assert cache.url == redis_server.url
    assert cache.prefix == "mizan:"
    assert cache.default_ttl == 86400.0
    assert (cache.socket_timeout, cache.pool_size, cache.failure_cooldown) == (1.0, 8, 1.0)
    assert repr(cache) == f"<RedisCache 127.0.0.1:{redis_server.port}/0 prefix='mizan:'>"
    other = backend.RedisCache("redis://user:secret@example.test:7000/3", prefix="p:", default_ttl=5)
    assert repr(other) == "<RedisCache example.test:7000/3 prefix='p:'>"  # no password
    assert other.default_ttl == 5.0
    assert backend.RedisCache("redis://[::1]").url == "redis://[::1]"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:6379", "RedisCache URL must look like"),
        ("rediss://127.0.0.1", "RedisCache URL must look like"),
        ("memory://", "RedisCache URL must look like"),
        ("redis://", "missing host"),
        ("redis://:6379", "missing host"),
        ("redis://h:0", "invalid port"),
        ("redis://h:70000", "invalid port"),
        ("redis://h:x", "invalid port"),
        ("redis://h/db", "invalid db"),
        ("redis://h/-1", "invalid db"),
        ("redis://user@h", "RedisCache URL must look like"),
        ("redis://[::1", "RedisCache URL must look like"),
        ("redis://h\x00", "RedisCache URL must look like"),
    ],
)
def test_bad_url(backend: ModuleType, url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[")):
        backend.RedisCache(url)


def test_bad_arguments(backend: ModuleType, redis_server: RedisServer) -> None:
    with pytest.raises(TypeError, match="url must be str"):
        backend.RedisCache(b"redis://h")
    with pytest.raises(TypeError, match="prefix must be str"):
        backend.RedisCache(redis_server.url, b"p")
    with pytest.raises(ValueError, match="ttl must be a positive number of seconds"):
        backend.RedisCache(redis_server.url, default_ttl=0)
    for bad in (0, -1.0, True, "1", float("nan")):
        with pytest.raises(ValueError, match="socket_timeout must be a positive number of seconds"):
            backend.RedisCache(redis_server.url, socket_timeout=bad)
    for bad in (0, -1, 1025, 2**70, 2.0, True, "4", None):
        with pytest.raises(ValueError, match="^pool_size must be an integer from 1 to 1024$"):
            backend.RedisCache(redis_server.url, pool_size=bad)
    for bad in (-0.5, -1, True, "1", None, float("nan"), float("-inf")):
        with pytest.raises(ValueError, match="^failure_cooldown must be a non-negative number of seconds$"):
            backend.RedisCache(redis_server.url, failure_cooldown=bad)
    with pytest.raises(OverflowError):
        backend.RedisCache(redis_server.url, failure_cooldown=10**400)
    with pytest.raises(UnicodeEncodeError):
        backend.RedisCache("redis://h\ud800")


def test_key_and_value_checks(make_cache: Factory) -> None:
    cache = make_cache()
    with pytest.raises(TypeError, match="cache keys must be str"):
        cache.get(1)
    with pytest.raises(TypeError, match="cache keys must be str"):
        cache.get_many(["a", b"b"])
    with pytest.raises(TypeError, match="cache keys must be str"):
        cache.delete_by_prefix(None)
    with pytest.raises(TypeError):
        cache.set("k", "text")
    with pytest.raises(ValueError, match="ttl must be a positive number of seconds"):
        cache.set("k", b"v", 0)
    with pytest.raises(ValueError, match="ttl must be a positive number of seconds"):
        cache.incr("k", -1)
    with pytest.raises(TypeError):
        cache.set("k", b"v", 1, ttl=1)
    assert cache.get("k") is None  # nothing was stored by the refused calls


def run_sequence(cache: Any) -> list[Any]:
    """One sequence of backend operations; every observable result, errors included."""
    results: list[Any] = []

    def step(function: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        try:
            results.append(function(*args, **kwargs))
        except (ValueError, TypeError) as exc:
            results.append((type(exc).__name__, str(exc)))

    step(cache.get, "a")
    step(cache.set, "a", b"1")
    step(cache.set, "b", bytearray(b"\x00\xffbinary"), 60)
    step(cache.set, "c", memoryview(b"abcdef")[::2], ttl=30.5)
    step(cache.set, "\ud800surrogate", b"s")
    step(cache.get_many, ["a", "missing", "b", "c", "\ud800surrogate", "a"])
    step(cache.get_many, [])
    step(cache.incr, "n", 60)
    step(cache.incr, "n", 60)
    step(cache.incr, "a", 60)
    step(cache.incr, "b", 60)
    step(cache.set, "max", b"9223372036854775807")
    step(cache.incr, "max", 60)
    step(cache.set, "neg", b"-5")
    step(cache.incr, "neg", 60)
    step(cache.get, "n")
    step(cache.delete, "a")
    step(cache.delete, "a")
    step(cache.set, "user:1", b"x")
    step(cache.set, "user:2", b"y")
    step(cache.set, "user", b"z")
    step(cache.delete_by_prefix, "user:")
    step(cache.get_many, ["user", "user:1"])
    step(cache.delete_by_prefix, "nothing")
    step(cache.clear)
    step(cache.get_many, ["b", "c", "n", "user"])
    step(cache.delete_by_prefix, "")
    return results


def test_contract_matches_memory_cache(make_cache: Factory) -> None:
    """CBE-1: the same observable results as MemoryCache for one sequence of operations."""
    expected = run_sequence(PyMemoryCache())
    assert run_sequence(make_cache()) == expected
    assert expected[5] == [b"1", None, b"\x00\xffbinary", b"ace", b"s", b"1"]
    assert expected[9] == 2
    assert expected[10] == ("ValueError", "value is not an integer")
    assert expected[12] == ("ValueError", "increment would overflow")


def test_prefix_namespacing(make_cache: Factory, redis_server: RedisServer) -> None:
    mine = make_cache()
    other = make_cache(prefix=mine.prefix[:-1] + "-other:")
    sibling = make_cache(prefix=mine.prefix[:-1] + ";")
    for cache in (mine, other, sibling):
        cache.set("k", b"v")
        cache.set("k2", b"v")
    assert sibling.delete_by_prefix("") == 2
    assert mine.get_many(["k", "k2"]) == [b"v", b"v"]
    assert mine.delete_by_prefix("k2") == 1
    assert other.get("k2") == b"v"
    mine.clear()
    assert mine.get_many(["k", "k2"]) == [None, None]
    assert other.get_many(["k", "k2"]) == [b"v", b"v"]
    assert redis_server.command(b"GET", (other.prefix + "k").encode()) == b"$1\r\nv\r\n"
    assert other.delete_by_prefix("k") == 2


GLOB_KEYS = ["*", "?", "[", "]", "\\", "a*b", "a?c", "[ab]", "a\\*", "x[", "a]", "\\\\", "*?[]\\"]


@pytest.mark.parametrize("prefix_extra", ["", "*", "?[", "]\\", "[a-z]*"])
def test_glob_characters_deleted_exactly(make_cache: Factory, prefix_extra: str) -> None:
    base = f"g{next(_COUNTER)}"
    cache = make_cache(prefix=f"{base}{prefix_extra}:")
    # Keys the prefix would match as a glob if its characters were not escaped.
    decoys = make_cache(prefix=f"{base}Z{'x' * len(prefix_extra)}:")
    keys = GLOB_KEYS + ["plain", "a", "ab", "\\a"]
    for key in keys:
        cache.set(key, key.encode())
        decoys.set(key, b"decoy")
    for key in GLOB_KEYS:
        expected = [k for k in keys if k.startswith(key) and cache.get(k) is not None]
        assert cache.delete_by_prefix(key) == len(expected), key
        assert all(cache.get(k) is None for k in expected), key
        survivors = [k for k in keys if not k.startswith(key)]
        assert all(cache.get(k) is not None for k in survivors if k not in expected), key
        for k in expected:
            cache.set(k, k.encode())
    assert cache.delete_by_prefix("") == len(keys)
    assert decoys.get_many(keys) == [b"decoy"] * len(keys)


def test_ttl_set_on_every_key(make_cache: Factory, redis_server: RedisServer) -> None:
    cache = make_cache(default_ttl=100)
    cache.set("default", b"v")
    cache.set("given", b"v", 5)
    cache.set("tiny", b"v", 0.0001)
    cache.set("huge", b"v", 1e300)
    cache.incr("counter", 7)
    ttls = {k: pttl(redis_server, (cache.prefix + k).encode()) for k in ("default", "given", "tiny", "huge", "counter")}
    assert 99_000 < ttls["default"] <= 100_000
    assert 4_000 < ttls["given"] <= 5_000
    assert 0 <= ttls["tiny"] <= 1 or ttls["tiny"] == -2  # 1 ms, maybe already gone
    assert ttls["huge"] > 10**15
    assert 6_000 < ttls["counter"] <= 7_000
    cache.incr("counter", 50)  # the TTL is refreshed
    assert 49_000 < pttl(redis_server, (cache.prefix + "counter").encode()) <= 50_000


def test_expiry(make_cache: Factory) -> None:
    cache = make_cache()
    cache.set("short", b"v", 0.05)
    assert cache.get("short") == b"v"
    time.sleep(0.15)
    assert cache.get("short") is None
    assert cache.delete("short") is False


def test_incr_is_atomic_across_threads(make_cache: Factory) -> None:
    cache = make_cache()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(200):
                cache.incr("hits", 60)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert cache.get("hits") == b"1600"
    assert cache.incr("hits", 60) == 1601


def test_threads_share_one_instance(make_cache: Factory) -> None:
    cache = make_cache()
    problems: list[str] = []

    def work(n: int) -> None:
        for i in range(100):
            key = f"t{n}:{i}"
            cache.set(key, key.encode())
            got = cache.get_many([key, f"t{n}:missing"])
            if got != [key.encode(), None]:
                problems.append(f"{key}: {got!r}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not problems
    assert cache.delete_by_prefix("t") == 600


def test_get_many_order_and_duplicates(make_cache: Factory) -> None:
    cache = make_cache()
    keys = [f"k{i}" for i in range(50)]
    for i, key in enumerate(keys):
        if i % 3:
            cache.set(key, str(i).encode())
    wanted = list(reversed(keys)) + ["k1", "k1", "nope"]
    expected = [str(int(k[1:])).encode() if k != "nope" and int(k[1:]) % 3 else None for k in wanted]
    assert cache.get_many(wanted) == expected
    assert cache.get_many(iter(["k1", "k2"])) == [b"1", b"2"]
    assert cache.get_many(()) == []


def test_wrong_type_is_a_cache_error(make_cache: Factory, redis_server: RedisServer) -> None:
    cache = make_cache()
    redis_server.command(b"LPUSH", (cache.prefix + "list").encode(), b"x")
    with pytest.raises(CacheError, match="^RedisCache.get: WRONGTYPE"):
        cache.get("list")
    assert cache.get_many(["list"]) == [None]  # MGET answers nil for other types
    with pytest.raises(CacheError, match="^RedisCache.incr: WRONGTYPE"):
        cache.incr("list", 5)
    assert cache.delete("list") is True
    cache.set("ok", b"still connected")
    assert cache.get("ok") == b"still connected"


def test_db_selection(make_cache: Factory, redis_server: RedisServer) -> None:
    cache = make_cache(url=f"redis://127.0.0.1:{redis_server.port}/1")
    cache.set("in-db-1", b"v")
    physical = (cache.prefix + "in-db-1").encode()
    assert redis_server.command(b"EXISTS", physical, db=1) == b":1\r\n"
    assert redis_server.command(b"EXISTS", physical, db=0) == b":0\r\n"
    assert cache.delete_by_prefix("") == 1


@pytest.fixture(scope="module")
def auth_server() -> Iterator[RedisServer]:
    server = RedisServer(extra=["--requirepass", "s3cr@t/pw"])
    server.start()
    yield server
    server.stop()


def test_auth_via_url(backend: ModuleType, auth_server: RedisServer) -> None:
    port = auth_server.port
    good = backend.RedisCache(f"redis://:s3cr%40t%2Fpw@127.0.0.1:{port}/2", prefix="auth:")
    good.set("k", b"v")
    assert good.get("k") == b"v"
    assert auth_server.command(b"GET", b"auth:k", db=2) == b"$1\r\nv\r\n"
    named = backend.RedisCache(f"redis://default:s3cr%40t%2Fpw@127.0.0.1:{port}/2", prefix="auth:")
    assert named.get("k") == b"v"
    assert good.delete_by_prefix("") == 1
    for url in (f"redis://:wrong@127.0.0.1:{port}", f"redis://127.0.0.1:{port}"):
        bad = backend.RedisCache(url)
        with pytest.raises(CacheError, match="^RedisCache.get: (WRONGPASS|NOAUTH)"):
            bad.get("k")
    good.close()
    named.close()


def test_unreachable_server_then_recovery(backend: ModuleType) -> None:
    """Without the circuit breaker (failure_cooldown=0) every call tries Redis again; the
    breaker itself is tests/core/test_redis_pool.py."""
    server = RedisServer()  # a port with nothing listening yet
    cache = backend.RedisCache(server.url, socket_timeout=0.5, failure_cooldown=0)
    started = time.monotonic()
    with pytest.raises(CacheError, match="^RedisCache.set: Connection refused"):
        cache.set("k", b"v")
    with pytest.raises(CacheError, match="^RedisCache.get_many: "):
        cache.get_many(["k"])
    assert time.monotonic() - started < 1.0
    server.start()
    try:
        cache.set("k", b"v")
        assert cache.get("k") == b"v"
        server.stop()
        with pytest.raises(CacheError, match="^RedisCache.get: "):
            cache.get("k")
        with pytest.raises(CacheError, match="^RedisCache.incr: Connection refused"):
            cache.incr("n", 5)
        server.start()
        assert cache.get("k") is None  # a fresh server: the data is gone, the cache works
        assert cache.incr("n", 5) == 1
    finally:
        server.stop()


def test_unresolvable_host_is_a_cache_error(backend: ModuleType) -> None:
    cache = backend.RedisCache("redis://no-such-host.invalid:6379", socket_timeout=0.5)
    with pytest.raises(CacheError, match="^RedisCache.delete: "):
        cache.delete("k")


def test_paused_server_times_out_then_recovers(backend: ModuleType) -> None:
    server = RedisServer()
    server.start()
    cache = backend.RedisCache(server.url, socket_timeout=0.3, failure_cooldown=0)  # each call tries
    try:
        cache.set("k", b"v")
        server.pause()
        for call in (lambda: cache.get("k"), lambda: cache.incr("n", 1), cache.clear):
            started = time.monotonic()
            with pytest.raises(CacheError, match=": timed out$"):
                call()
            assert 0.2 < time.monotonic() - started < 1.5
        server.resume()
        assert cache.get("k") == b"v"
        # The timed-out MULTI/INCR/PEXPIRE/EXEC was written before the freeze, so the
        # thawed server may still run it once: never twice, never half.
        assert cache.incr("n", 5) in (1, 2)
    finally:
        server.stop()


def test_gil_released_while_waiting(backend: ModuleType) -> None:
    """While one thread waits on a frozen server, other Python threads keep running."""
    server = RedisServer()
    server.start()
    cache = backend.RedisCache(server.url, socket_timeout=0.5)
    try:
        cache.set("k", b"v")
        server.pause()
        outcome: list[BaseException] = []
        waiter = threading.Thread(target=lambda: _record(outcome, lambda: cache.get("k")))
        waiter.start()
        ticks = 0
        deadline = time.monotonic() + 0.3
        while time.monotonic() < deadline:
            ticks += 1
        waiter.join()
        assert ticks > 10_000
        assert len(outcome) == 1 and isinstance(outcome[0], CacheError)
    finally:
        server.stop()


def _record(outcome: list[BaseException], call: Callable[[], Any]) -> None:
    try:
        call()
    except BaseException as exc:
        outcome.append(exc)


def test_close_and_reconnect(make_cache: Factory, redis_server: RedisServer) -> None:
    cache = make_cache(failure_cooldown=0)  # the dropped connection must not open the breaker
    cache.set("k", b"v")
    cache.close()
    cache.close()
    assert cache.get("k") == b"v"
    redis_server.command(b"CLIENT", b"KILL", b"TYPE", b"normal")
    with pytest.raises(CacheError, match="^RedisCache.get: "):
        cache.get("k")  # the server closed our connection
    assert cache.get("k") == b"v"


def test_large_values_and_many_keys(make_cache: Factory) -> None:
    cache = make_cache()
    big = bytes(range(256)) * 4096  # 1 MiB
    cache.set("big", big)
    assert cache.get("big") == big
    keys = [f"many:{i}" for i in range(1200)]
    for key in keys:
        cache.set(key, b"1")
    assert cache.get_many(keys) == [b"1"] * len(keys)
    assert cache.delete_by_prefix("many:") == 1200  # several SCAN batches


@pytest.mark.c_extension
def test_c_and_twin_raise_the_same_messages(c_ext: ModuleType, py_impl: ModuleType, redis_server: RedisServer) -> None:
    messages = []
    for module in (c_ext, py_impl):
        cache = module.RedisCache(redis_server.url, prefix=f"same{next(_COUNTER)}:")
        redis_server.command(b"HSET", (cache.prefix + "h").encode(), b"f", b"v")
        found = []
        with pytest.raises(CacheError) as get_info:
            cache.get("h")
        with pytest.raises(CacheError) as incr_info:
            cache.incr("h", 1)
        found += [str(get_info.value), str(incr_info.value)]
        cache.set("t", b"text")
        with pytest.raises(ValueError) as value_info:
            cache.incr("t", 1)
        found.append(str(value_info.value))
        cache.clear()
        messages.append(found)
    assert messages[0] == messages[1]
