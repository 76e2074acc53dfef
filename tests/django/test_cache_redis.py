"""The origin cache on a real Redis server (started by the tests on a free loopback
port), including outages: the cache is bypassed, never a failure, and nothing stale is
served after a mutation made while Redis was away (CBE-3, CBE-5, CACHE-3, CPUR-5)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings

from mizan.core import cache
from tests.django.conftest import MizanClient
from tests.django.project.mutations import clients as fixtures

SECRET = "a-test-cache-secret-of-32-bytes!!"
HEADER = "X-Mizan-Cache"


@pytest.fixture
def redis_cache(redis_server: Any, transactional_db: None) -> Iterator[Any]:
    """Mizan configured for the test server (prefix per test run), emptied afterwards."""
    fixtures.NAMES.clear()
    cache.reset_cache()
    settings = {
        "MIZAN_CACHE_SECRET": SECRET,
        "MIZAN_CACHE_REDIS_URL": redis_server.url,
        "MIZAN_CACHE_SOCKET_TIMEOUT": 0.3,
        "MIZAN_CACHE_KEY_PREFIX": "mizan-test:",
        # Each request meets Redis as it is (the breaker is tested on its own below).
        "MIZAN_CACHE_FAILURE_COOLDOWN": 0,
    }
    with override_settings(**settings):
        yield redis_server
        if redis_server.process is not None:
            redis_server.resume()
        redis_server.start()
        backend = cache.get_cache()
        if backend is not None:
            backend.clear()
    cache.reset_cache()


def fetch(client: MizanClient, user_id: int = 5) -> Any:
    return client.ctx("cached", f"user_id={user_id}")


def test_cbe5_miss_hit_and_purge_on_real_redis(mizan: MizanClient, redis_cache: Any) -> None:
    """CBE-3/CACHE-7: stored under the key prefix, always with a TTL (the effective 60 s)."""
    from mizan.cache import derive_cache_key

    first, second = fetch(mizan), fetch(mizan)
    assert (first[HEADER], second[HEADER]) == ("MISS", "HIT") and first.content == second.content
    key = "mizan-test:" + derive_cache_key(SECRET, "cached", {"user_id": 5}, None, 2)
    ttl = int(redis_cache.command(b"PTTL", key.encode()).strip()[1:])
    assert 0 < ttl <= 60_000
    fetch(mizan, 6)
    mizan.call("rename_cached", {"user_id": 5, "name": "renamed"})
    after = fetch(mizan)
    assert after[HEADER] == "MISS" and b'"renamed"' in after.content
    assert fetch(mizan, 6)[HEADER] == "HIT"


def test_cache3_server_absent_at_start(mizan: MizanClient, redis_cache: Any, caplog: pytest.LogCaptureFixture) -> None:
    """Redis down from the start: requests answer normally with no cache header; each
    failure logs one warning; once Redis is up the cache works."""
    redis_cache.stop()
    with caplog.at_level(logging.WARNING, logger="mizan.cache"):
        response = fetch(mizan)
    assert response.status_code == 200 and HEADER not in response
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    redis_cache.start()
    assert fetch(mizan)[HEADER] == "MISS"
    assert fetch(mizan)[HEADER] == "HIT"


def test_cache3_killed_mid_traffic_then_restarted(mizan: MizanClient, redis_cache: Any) -> None:
    assert fetch(mizan)[HEADER] == "MISS"
    redis_cache.stop()
    during = fetch(mizan)
    assert during.status_code == 200 and HEADER not in during
    mutation = mizan.call("rename_cached", {"user_id": 5, "name": "during-outage"})
    assert mutation.status_code == 200  # the failed purge is not a request failure
    redis_cache.start()
    after = fetch(mizan)
    assert b'"during-outage"' in after.content and after[HEADER] == "MISS"
    assert fetch(mizan)[HEADER] == "HIT"


def test_cpur5_paused_server_nothing_stale_after_an_outage_mutation(mizan: MizanClient, redis_cache: Any) -> None:
    """A paused Redis keeps its data: the purge of a mutation made during the pause is
    replayed before the cache is used again, so the old entry never HITs."""
    assert fetch(mizan)[HEADER] == "MISS"
    assert fetch(mizan)[HEADER] == "HIT"
    redis_cache.pause()
    mutation = mizan.call("rename_cached", {"user_id": 5, "name": "while-paused"})
    assert mutation.status_code == 200
    during = fetch(mizan)
    assert during.status_code == 200 and HEADER not in during and b'"while-paused"' in during.content
    redis_cache.resume()
    after = fetch(mizan)
    assert b'"while-paused"' in after.content
    assert after[HEADER] == "MISS"
    assert fetch(mizan)[HEADER] == "HIT"


def test_cbe3_pool_and_breaker_settings_paused_server(
    mizan: MizanClient, redis_cache: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """MIZAN_CACHE_POOL_SIZE and MIZAN_CACHE_FAILURE_COOLDOWN reach the backend. With Redis
    paused, the first fetch waits one socket timeout; the next ones answer from the origin
    without going to Redis ("circuit open"); after the resume and the cool-down the entry
    HITs again (it survived the pause)."""
    with override_settings(MIZAN_CACHE_POOL_SIZE=2, MIZAN_CACHE_FAILURE_COOLDOWN=1.0):
        assert fetch(mizan)[HEADER] == "MISS"
        backend = cache.get_cache()
        assert backend is not None and (backend.pool_size, backend.failure_cooldown) == (2, 1.0)  # type: ignore[attr-defined]
        assert fetch(mizan)[HEADER] == "HIT"
        redis_cache.pause()
        try:
            with caplog.at_level(logging.WARNING, logger="mizan.cache"):
                answers = [fetch(mizan) for _ in range(6)]
            opened = time.monotonic()
        finally:
            redis_cache.resume()
        assert all(a.status_code == 200 and HEADER not in a and b'"user_id"' in a.content for a in answers)
        # One warning per fetch, the backend's message in it and no traceback (CACHE-3): an
        # outage's log stays one line per request.
        lookups = [r for r in caplog.records if r.name == "mizan.cache"]
        assert [r.exc_info for r in lookups] == [None] * 6
        assert [r.getMessage() for r in lookups] == [
            "Mizan cache lookup for 'cached' failed: RedisCache.get_many: timed out"
        ] + ["Mizan cache lookup for 'cached' failed: RedisCache.get_many: circuit open after a failure"] * 5
        assert HEADER not in fetch(mizan)  # still cooling down, though Redis is back
        time.sleep(max(0.0, opened + 1.2 - time.monotonic()))
        assert fetch(mizan)[HEADER] == "HIT"
