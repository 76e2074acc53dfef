"""The origin cache's core: enablement, stamps, purges, single-flight (PROTOCOL §6)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

import pytest

from mizan.core import _backend, cache
from mizan.core.cache import CacheConfig
from mizan.core.singleflight import SingleFlight

SECRET = "test-pin-secret-that-is-32bytes!"


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    cache.reset_cache()
    yield
    cache.reset_cache()


@pytest.fixture
def memory() -> _backend.MemoryCache:
    return _backend.MemoryCache(3600)


@pytest.mark.parametrize(
    "config, enabled, warning",
    [
        (CacheConfig(), False, None),
        (CacheConfig(secret=SECRET), False, "MIZAN_CACHE_REDIS_URL is not set"),
        (CacheConfig(url="memory://"), False, "MIZAN_CACHE_SECRET is not set"),
        (CacheConfig(secret=SECRET, url="memory://"), True, None),
        (CacheConfig(secret=SECRET, url="bogus://x"), False, "use redis://"),
    ],
)
def test_cache1_enablement(
    config: CacheConfig, enabled: bool, warning: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    """CACHE-1/2: enabled iff secret and URL; one setting alone or a failing memory logs a
    warning and leaves the cache disabled."""
    with caplog.at_level(logging.WARNING, logger="mizan.cache"):
        cache.configure(config)
    assert (cache.get_cache() is not None) is enabled
    messages = [r.getMessage() for r in caplog.records]
    assert (warning is None and not messages) or any(warning in m for m in messages if warning)


def test_cache1_set_cache_overrides_settings(memory: _backend.MemoryCache) -> None:
    cache.set_cache(memory, SECRET)
    cache.configure(CacheConfig())  # settings do not undo an explicit memory
    assert cache.get_cache() is memory
    cache.reset_cache()
    assert cache.get_cache() is None


def test_cpur4_stamps_make_purged_entries_unreachable(memory: _backend.MemoryCache) -> None:
    params = {"user_id": 5}
    cache.cache_put(SECRET, memory, "user", params, b'{"a":1}')
    assert cache.cache_get(SECRET, memory, "user", params) == b'{"a":1}'
    stored = memory.get(_backend.derive_cache_key(SECRET, "user", params, None, 0))
    assert stored == b'{"g":0,"s":{"user_id":0}}\n{"a":1}'
    assert cache.cache_purge(memory, "user", params, SECRET) == 1
    assert memory.get(_backend.generation_key(SECRET, "user", "user_id", 5)) == b"1"
    assert cache.cache_get(SECRET, memory, "user", params) is None


def test_cpur1_scoped_purge_with_user_deletes_both_keys(memory: _backend.MemoryCache) -> None:
    params = {"user_id": "5"}
    cache.cache_put(SECRET, memory, "user", params, b"{}", user_id="5")
    cache.cache_put(SECRET, memory, "user", params, b"{}")
    assert cache.cache_purge(memory, "user", params, SECRET, user_id="5") == 2


def test_cpur1_empty_params_is_broad(memory: _backend.MemoryCache) -> None:
    """CPUR-1/GAP-63: `params={}` purges broadly (prefix delete + context generation)."""
    cache.cache_put(SECRET, memory, "user", {"user_id": 1}, b"{}")
    cache.cache_put(SECRET, memory, "user", {"user_id": 2}, b"{}")
    cache.cache_put(SECRET, memory, "other", {}, b"{}")
    assert cache.cache_purge(memory, "user", {}, SECRET) == 2
    assert memory.get("gen:user") == b"1"
    assert cache.cache_get(SECRET, memory, "other", {}) == b"{}"


def test_cache15_put_with_an_old_stamp_never_hits(memory: _backend.MemoryCache) -> None:
    """CACHE-15/CPUR-5.3: storing under the stamp read before a purge is a dead entry."""
    params = {"user_id": 5}
    before = cache.lookup(memory, SECRET, "user", params, None, 0)
    cache.cache_purge(memory, "user", params, SECRET)
    cache.cache_put(SECRET, memory, "user", params, b"old", stamp=before.stamp)
    assert cache.cache_get(SECRET, memory, "user", params) is None


def test_cpur4_generation_ttl_is_refreshed(memory: _backend.MemoryCache) -> None:
    cache.cache_purge(memory, "user", None, SECRET, generation_ttl=0.05)
    assert memory.get("gen:user") == b"1"
    time.sleep(0.08)
    assert memory.get("gen:user") is None


def test_cache13_waiters_share_the_leaders_bytes_or_run_alone() -> None:
    flights = SingleFlight()
    flight, leader = flights.join("k")
    same, follower = flights.join("k")
    assert leader and not follower and same is flight
    got: list[bytes | None] = []
    waiter = threading.Thread(target=lambda: got.append(same.wait(5)))
    waiter.start()
    flights.land("k", flight, b"body")
    waiter.join()
    assert got == [b"body"]
    failed, _ = flights.join("k")  # landed: a new flight
    assert failed is not flight
    flights.land("k", failed, None)
    assert failed.wait(0.01) is None  # a failed leader hands nothing over


def test_cache3_failed_purges_are_replayed_before_the_cache_is_used_again(memory: _backend.MemoryCache) -> None:
    """CACHE-3: a purge that fails during an outage is kept; until it has been replayed the
    cache is bypassed, so old data never HITs after the backend returns."""

    class Flaky:
        def __init__(self, inner: _backend.MemoryCache) -> None:
            self.inner, self.down = inner, False

        def __getattr__(self, name: str) -> object:
            if self.down:
                raise ConnectionError("down")
            return getattr(self.inner, name)

    flaky = Flaky(memory)
    cache.set_cache(flaky, SECRET)  # type: ignore[arg-type]
    params = {"user_id": 5}
    cache.cache_put(SECRET, memory, "user", params, b"old")
    flaky.down = True
    with pytest.raises(ConnectionError):
        cache.purge(None, "user", params)
    assert cache.replay_pending() is False  # still down: keep bypassing
    flaky.down = False
    assert cache.cache_get(SECRET, memory, "user", params) == b"old"  # not purged yet ...
    assert cache.replay_pending() is True  # ... until the replay, which runs first
    assert cache.cache_get(SECRET, memory, "user", params) is None


@pytest.mark.parametrize(
    "params",
    [{"user_id": 1}, {"user_id": True}, {"user_id": "1"}, {"user_id": 1.0}, {"user_id": [1]}, {"user_id": None}],
    ids=repr,
)
def test_cpur4_remembered_generation_keys_equal_fresh_ones(params: dict[str, object]) -> None:
    """The generation keys a lookup uses are remembered per (secret, context, name, value);
    whatever the value's type, a remembered key is the key derived afresh, and 1 and True
    (equal in Python, "1" and "true" in NORM-1) never share one."""
    secret = "remembered-generation-keys-secret-0123456789"
    for _ in range(2):  # the second pass reads the remembered keys
        keys = cache._generation_keys(secret, "user", params)
        assert keys[1:] == [_backend.generation_key(secret, "user", "user_id", params["user_id"])]
    one = cache._generation_keys(secret, "user", {"user_id": 1})[1]
    assert one != cache._generation_keys(secret, "user", {"user_id": True})[1]
