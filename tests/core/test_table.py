"""MemoryCache (CBE-1, CBE-2) on both backends: semantics, errors, lazy expiry, threads."""

from __future__ import annotations

import array
import threading
import time
from types import ModuleType
from typing import Any

import pytest

SHORT = 0.05


def test_set_get_and_defaults(backend: ModuleType) -> None:
    cache = backend.MemoryCache()
    assert cache.default_ttl == 86400.0
    assert backend.MemoryCache(5).default_ttl == 5.0
    assert backend.MemoryCache(default_ttl=2.5).default_ttl == 2.5
    assert backend.MemoryCache(None).default_ttl == 86400.0
    assert cache.get("a") is None
    assert cache.set("a", b"1") is None
    cache.set("b", bytearray(b"2"), 10)
    cache.set("c", memoryview(b"xyz")[::2], ttl=1.5)
    cache.set("d", array.array("H", [1]))
    cache.set("", b"")
    assert cache.get("a") == b"1" and type(cache.get("b")) is bytes
    assert cache.get_many(["a", "b", "c", "d", "", "zz"]) == [b"1", b"2", b"xz", b"\x01\x00", b"", None]
    assert cache.get_many(iter(())) == []
    assert len(cache) == 5
    assert repr(cache) == "<MemoryCache 5 entries>"
    cache.set("a", b"replaced")
    assert cache.get("a") == b"replaced" and len(cache) == 5


def test_delete_prefix_clear(backend: ModuleType) -> None:
    cache = backend.MemoryCache()
    for key in ("ctx:a:1", "ctx:a:2", "ctx:ab:1", "ctx:b:1", "gen:a"):
        cache.set(key, b"v")
    assert cache.delete("ctx:b:1") is True
    assert cache.delete("ctx:b:1") is False
    assert cache.delete_by_prefix("ctx:a:") == 2
    assert cache.delete_by_prefix("nothing") == 0
    assert cache.get_many(["ctx:ab:1", "gen:a"]) == [b"v", b"v"]
    assert cache.delete_by_prefix("") == 2
    cache.set("x", b"1")
    cache.clear()
    assert len(cache) == 0 and cache.get("x") is None


def test_unicode_and_surrogate_keys(backend: ModuleType) -> None:
    cache = backend.MemoryCache()
    cache.set("\ud800a", b"1")
    cache.set("é\U0001f600", b"2")
    assert cache.get("\ud800a") == b"1" and cache.get("\ud800") is None
    assert cache.delete_by_prefix("é") == 1
    assert cache.delete_by_prefix("\ud800") == 1


def test_growth_keeps_every_entry(backend: ModuleType) -> None:
    cache = backend.MemoryCache()
    for i in range(5000):
        cache.set(f"k{i}", str(i).encode())
    assert len(cache) == 5000
    assert all(cache.get(f"k{i}") == str(i).encode() for i in range(0, 5000, 7))
    assert cache.delete_by_prefix("k1") == 1111
    assert len(cache) == 3889


def test_incr(backend: ModuleType) -> None:
    cache = backend.MemoryCache()
    assert cache.incr("n", 10) == 1
    assert cache.incr("n", 10.0) == 2
    assert cache.incr("n", None) == 3
    assert cache.get("n") == b"3"
    for stored, result in [
        (b"-1", 0),
        (b"007", 8),
        (b"-0", 1),
        (b"9223372036854775806", 2**63 - 1),
        (b"-9223372036854775808", -(2**63) + 1),
        (b"0" * 5000, 1),
        (b"-" + b"0" * 5000 + b"4", -3),
    ]:
        cache.set("n", stored)
        assert cache.incr("n", 10) == result, stored
        assert cache.get("n") == str(result).encode()


@pytest.mark.parametrize(
    "stored",
    [
        b"",
        b"-",
        b"1.0",
        b" 1",
        b"1 ",
        b"1\n",
        b"+1",
        b"abc",
        b"9223372036854775808",
        b"-9223372036854775809",
        b"1" * 30,
    ],
)
def test_incr_refuses_non_integers(backend: ModuleType, stored: bytes) -> None:
    cache = backend.MemoryCache()
    cache.set("n", stored)
    with pytest.raises(ValueError, match="^value is not an integer$"):
        cache.incr("n", 10)
    assert cache.get("n") == stored


def test_incr_overflow(backend: ModuleType) -> None:
    cache = backend.MemoryCache()
    cache.set("n", b"9223372036854775807")
    with pytest.raises(ValueError, match="^increment would overflow$"):
        cache.incr("n", 10)
    assert cache.get("n") == b"9223372036854775807"


@pytest.mark.parametrize("ttl", [0, -1, 0.0, -0.5, float("nan"), True, False, "1", b"1", [1], -(10**400)])
def test_bad_ttls(backend: ModuleType, ttl: Any) -> None:
    cache = backend.MemoryCache()
    message = "^ttl must be a positive number of seconds$"
    with pytest.raises(ValueError, match=message):
        backend.MemoryCache(ttl)
    with pytest.raises(ValueError, match=message):
        cache.set("k", b"v", ttl)
    with pytest.raises(ValueError, match=message):
        cache.set("k", b"v", ttl=ttl)
    with pytest.raises(ValueError, match=message):
        cache.incr("k", ttl)
    assert len(cache) == 0


def test_huge_ttls(backend: ModuleType) -> None:
    cache = backend.MemoryCache()
    with pytest.raises(OverflowError):
        cache.set("k", b"v", 10**400)
    cache.set("k", b"v", float("inf"))
    cache.set("j", b"v", 10**300)
    assert cache.get_many(["k", "j"]) == [b"v", b"v"]


@pytest.mark.parametrize("key", [1, b"k", None, type("S", (str,), {})("k")])
def test_keys_must_be_str(backend: ModuleType, key: Any) -> None:
    cache = backend.MemoryCache()
    message = "^cache keys must be str$"
    for call in (
        lambda: cache.get(key),
        lambda: cache.get_many(["ok", key]),
        lambda: cache.set(key, b"v"),
        lambda: cache.delete(key),
        lambda: cache.delete_by_prefix(key),
        lambda: cache.incr(key, 1),
    ):
        with pytest.raises(TypeError, match=message):
            call()


def test_error_order_and_values(backend: ModuleType) -> None:
    cache = backend.MemoryCache()
    with pytest.raises(TypeError, match="^cache keys must be str$"):
        cache.set(1, "not bytes", 0)
    with pytest.raises(TypeError, match="^memoryview: a bytes-like object is required, not 'str'$"):
        cache.set("k", "text", 0)
    with pytest.raises(TypeError, match="^cache keys must be str$"):
        cache.incr(1, 0)
    with pytest.raises(TypeError):
        cache.get_many(5)
    with pytest.raises(TypeError):
        cache.set("k", b"v", 1, ttl=1)
    with pytest.raises(TypeError):
        cache.set("k", b"v", bogus=1)
    with pytest.raises(TypeError):
        cache.incr("k")
    assert len(cache) == 0


def test_lazy_expiry(backend: ModuleType) -> None:
    cache = backend.MemoryCache(SHORT)
    cache.set("a", b"1")
    cache.set("b", b"2")
    cache.set("c", b"3")
    cache.set("ctx:1", b"4")
    cache.set("ctx:2", b"5", 60)
    cache.incr("n", SHORT)
    cache.set("keep", b"k", 60)
    time.sleep(SHORT * 3)
    # Expired entries still count until something touches them (as the twin counts).
    assert len(cache) == 7
    assert cache.get("a") is None and len(cache) == 6
    assert cache.get_many(["b", "keep"]) == [None, b"k"] and len(cache) == 5
    assert cache.delete("c") is False and len(cache) == 4
    assert cache.delete_by_prefix("ctx:") == 1 and len(cache) == 2
    assert cache.incr("n", 60) == 1
    assert repr(cache) == "<MemoryCache 2 entries>"


def test_incr_refreshes_ttl(backend: ModuleType) -> None:
    cache = backend.MemoryCache()
    cache.incr("n", SHORT)
    cache.incr("n", 60)
    time.sleep(SHORT * 3)
    assert cache.get("n") == b"2"


def test_eight_threads(backend: ModuleType) -> None:
    cache = backend.MemoryCache()
    rounds = 2000
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def work(n: int) -> None:
        try:
            barrier.wait()
            for i in range(rounds):
                cache.incr("counter", 60)
                cache.incr(f"own:{n}", 60)
                cache.set(f"tmp:{n}:{i % 50}", b"x" * (i % 700), 60)
                cache.get(f"tmp:{(n + 1) % 8}:{i % 50}")
                cache.get_many(["counter", f"own:{n}", "missing"])
                if i % 97 == 0:
                    cache.delete_by_prefix(f"tmp:{n}:")
                if i % 13 == 0:
                    cache.delete(f"tmp:{n}:{i % 50}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert cache.get("counter") == str(8 * rounds).encode()
    assert cache.get_many([f"own:{n}" for n in range(8)]) == [str(rounds).encode()] * 8
    assert cache.delete_by_prefix("tmp:") <= 8 * 50


def test_subclass_and_immutable_type(backend: ModuleType) -> None:
    class Sub(backend.MemoryCache):  # type: ignore[name-defined,misc]
        pass

    sub = Sub(1)
    sub.set("a", b"1")
    assert sub.get("a") == b"1" and len(sub) == 1
