"""The origin cache (PROTOCOL §6) on both adapters and both backends: `memory://` and a real
Redis started for the session (CBE-5). Each adapter is configured as its users configure it
and purges when it says it does (CPUR-3: Django on commit, with real commits here; FastAPI
before the response), so a fetch after a mutation's answer sees the purge on both.

The rolled-back-transaction case is Django's alone (tests/django/test_cache.py), and so is
the real-Redis outage suite (tests/django/test_cache_redis.py); the view path's purge
through FastAPI's route router is in tests/fastapi/test_routes.py.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from mizan import client
from mizan.core import cache, cachepolicy, singleflight
from mizan.core.auth import get_user
from tests.adapters.conftest import Adapter, Answer
from tests.adapters.identities import IDENTITIES, describe

SECRET = "origin-cache-test-secret-0123456789"
HEADER = "x-mizan-cache"
# Longer than any machine takes to send a request, shorter than a waiter's 10 s (CACHE-13).
GATE_SECONDS = 8.0

NAMES: dict[int, str] = {}
RUNS = {"profile": 0, "slow": 0}
ALL_JOINED = threading.Event()  # every concurrent request has reached the single-flight


# --- the functions under test: contexts origin (rev 2, one member with cache=60),
# origin_uncached (one cache=False member), origin_neighbour, origin_guarded, origin_slow ---


class OriginProfile(BaseModel):
    user_id: int
    name: str


@client(context="origin", rev=2)
def origin_profile(request: Any, user_id: int, q: str = "") -> OriginProfile:
    RUNS["profile"] += 1
    return OriginProfile(user_id=user_id, name=NAMES.get(user_id, "initial"))


@client(context="origin", cache=60)
def origin_viewer(request: Any) -> str | None:
    who = describe(get_user(request))
    return None if who == "anonymous" else who


@client(affects="origin")
def origin_rename(request: Any, user_id: int, name: str) -> str:
    NAMES[user_id] = name
    return name


@client(affects="origin")
def origin_rename_all(request: Any, name: str) -> str:
    for user_id in list(NAMES) or [5, 6]:
        NAMES[user_id] = name
    return name


@client(merge="origin")
def origin_merge(request: Any, user_id: int, name: str) -> OriginProfile:
    NAMES[user_id] = name
    return OriginProfile(user_id=user_id, name=name)


@client(context="origin_uncached", cache=False)
def origin_uncached_now(request: Any) -> int:
    RUNS["profile"] += 1
    return RUNS["profile"]


@client(context="origin_uncached")
def origin_uncached_other(request: Any) -> str:
    return "x"


@client(context="origin_neighbour")
def origin_neighbour(request: Any, user_id: int) -> dict[str, int]:
    return {"user_id": user_id}


@client(context="origin_guarded")
def origin_guarded_public(request: Any, n: int = 0) -> int:
    return n


@client(context="origin_guarded", auth=True)
def origin_guarded_secure(request: Any) -> str:
    return describe(get_user(request))


@client(context="origin_slow")
def origin_slow(request: Any, key: str = "k") -> int:
    RUNS["slow"] += 1
    ALL_JOINED.wait(GATE_SECONDS)  # the leader lands only once every request is waiting on it
    return RUNS["slow"]


FUNCTIONS = {
    fn.__name__: fn
    for fn in (
        origin_profile,
        origin_viewer,
        origin_rename,
        origin_rename_all,
        origin_merge,
        origin_uncached_now,
        origin_uncached_other,
        origin_neighbour,
        origin_guarded_public,
        origin_guarded_secure,
        origin_slow,
    )
}


@pytest.fixture(params=["memory", "redis"])
def cached(request: pytest.FixtureRequest, adapter: Adapter, register: Callable[..., None]) -> Iterator[Adapter]:
    """The adapter with the cache on, on `memory://` or the session's redis-server, and
    the functions above registered with fresh state."""
    NAMES.clear()
    RUNS.update(profile=0, slow=0)
    ALL_JOINED.clear()
    url = "memory://" if request.param == "memory" else request.getfixturevalue("redis_server").url
    adapter.configure(
        MIZAN_CACHE_SECRET=SECRET, MIZAN_CACHE_REDIS_URL=url, MIZAN_CACHE_KEY_PREFIX=f"origin-{adapter.name}:"
    )
    register(**FUNCTIONS)
    yield adapter
    ALL_JOINED.set()  # never leave a bundle waiting


def fetch(adapter: Adapter, query: str = "user_id=5", *, identity: str | None = None) -> Answer:
    return adapter.ctx("origin", query, identity=identity)


def status(answer: Answer) -> str | None:
    return answer.headers.get(HEADER)


def canonical(value: Any) -> bytes:
    """JSON-1 bytes computed without Mizan's encoder."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# --- hits and misses (CACHE-1, 6, 8..12, CKEY-6) ---------------------------------------------


def test_cache11_miss_then_hit_with_identical_bytes(cached: Adapter) -> None:
    """CACHE-10/11: first MISS (stored), then HIT with the very bytes; no-store on both."""
    first = fetch(cached)
    assert (first.status, status(first)) == (200, "MISS")
    second = fetch(cached)
    assert (second.status, status(second)) == (200, "HIT")
    assert second.body == first.body
    assert first.body == canonical({"origin_profile": {"name": "initial", "user_id": 5}, "origin_viewer": None})
    for answer in (first, second):
        assert (answer.headers["cache-control"], answer.headers["content-type"]) == ("no-store", "application/json")
    assert RUNS["profile"] == 1


def test_ckey6_query_order_and_coercion_share_one_entry(cached: Adapter) -> None:
    """CKEY-6/JSON-3: param order, `05` coerced to the declared int 5, and undeclared params
    do not fragment the entry; a different declared value does."""
    assert status(fetch(cached, "user_id=5&q=a")) == "MISS"
    assert status(fetch(cached, "q=a&user_id=05&utm=x")) == "HIT"
    assert status(fetch(cached, "q=b&user_id=5")) == "MISS"


def test_cache9_uncoercible_param_skips_the_cache_and_answers_422(cached: Adapter) -> None:
    answer = fetch(cached, "user_id=x")
    assert (answer.status, status(answer)) == (422, None)


def test_cache11_cache_false_sends_no_header(cached: Adapter) -> None:
    """CACHE-5/6/11: a context with a cache=False member is never cached; CACHE-8: still no-store."""
    first, second = cached.ctx("origin_uncached"), cached.ctx("origin_uncached")
    assert (status(first), status(second)) == (None, None)
    assert first.headers["cache-control"] == second.headers["cache-control"] == "no-store"
    assert first.body != second.body  # executed twice


def test_cache1_disabled_without_a_secret_sends_no_header(cached: Adapter) -> None:
    """CACHE-1/11: the Redis URL alone leaves the cache off."""
    cached.configure(MIZAN_CACHE_SECRET=None)
    first, second = fetch(cached), fetch(cached)
    assert (first.status, status(first), status(second)) == (200, None, None)
    assert RUNS["profile"] == 2


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("alice", "bob"),  # keyed by `pk`, as a Django model user is
        ("member-7", "member-8"),  # keyed by `id` (no `pk`), as many FastAPI apps' users are (FA-3a)
    ],
)
def test_cache12_users_get_separate_entries(cached: Adapter, first: str, second: str) -> None:
    """CACHE-12/CKEY-5: same URL, different users: separate entries and bodies."""
    one, two = fetch(cached, identity=first), fetch(cached, identity=second)
    assert (status(one), status(two)) == ("MISS", "MISS")
    assert f'"{describe(IDENTITIES[first])}"'.encode() in one.body
    assert f'"{describe(IDENTITIES[second])}"'.encode() in two.body
    again = fetch(cached, identity=first)
    assert (status(again), again.body) == ("HIT", one.body)
    assert status(fetch(cached)) == "MISS"  # anonymous is a third, public entry


def test_cache11_errors_are_never_stored(cached: Adapter) -> None:
    assert fetch(cached, "user_id=x").status == 422
    assert cached.ctx("origin_neighbour", "user_id=bad").status == 422
    assert status(cached.ctx("origin_neighbour", "user_id=5")) == "MISS"


def test_auth1_guards_run_before_the_lookup(cached: Adapter) -> None:
    """AUTH-1/CACHE-9: a cached bundle never bypasses a guard."""
    assert status(cached.ctx("origin_guarded", identity="alice")) == "MISS"
    assert status(cached.ctx("origin_guarded", identity="alice")) == "HIT"
    denied = cached.ctx("origin_guarded")
    assert (denied.status, status(denied)) == (401, None)


# --- rev and TTL (CACHE-4, 5, 7, 14) ----------------------------------------------------------


def test_cache4_rev_bump_makes_old_entries_unreachable(cached: Adapter) -> None:
    """CACHE-4/14: entries are keyed with the effective (max) rev, 2 here."""
    fetch(cached)
    backend = cache.get_cache()
    assert backend is not None
    assert cache.cache_get(SECRET, backend, "origin", {"user_id": 5}, None, 2) is not None
    assert cache.cache_get(SECRET, backend, "origin", {"user_id": 5}, None, 0) is None


def test_cache7_every_entry_has_the_effective_ttl(cached: Adapter) -> None:
    """CACHE-5/7: the smallest integer TTL of the members (60) for the entry, else the default."""
    policy = cachepolicy.policy_for("origin")
    assert policy is not None and (policy.rev, policy.cache, policy.entry_ttl(86_400)) == (2, 60, 60)
    neighbour = cachepolicy.policy_for("origin_neighbour")
    assert neighbour is not None and neighbour.entry_ttl(86_400) == 86_400


# --- purges (CPUR-2, 4, 5, MRG-8) -----------------------------------------------------------


def test_cpur5_mutation_purges_every_users_variant(cached: Adapter) -> None:
    """CPUR-5.1: alice's mutation makes bob's cached copy of the same scope a MISS, and the
    refetch shows the new data."""
    fetch(cached, identity="alice"), fetch(cached, identity="bob")
    assert status(fetch(cached, identity="bob")) == "HIT"
    assert cached.call("origin_rename", {"user_id": 5, "name": "renamed"}, identity="alice").status == 200
    after = fetch(cached, identity="bob")
    assert status(after) == "MISS" and b'"renamed"' in after.body


def test_cpur5_other_scope_stays_cached(cached: Adapter) -> None:
    """CPUR-5.2: user 6 still cached after user 5 is purged."""
    fetch(cached, "user_id=5"), fetch(cached, "user_id=6")
    cached.call("origin_rename", {"user_id": 5, "name": "x"})
    assert status(fetch(cached, "user_id=6")) == "HIT"
    assert status(fetch(cached, "user_id=5")) == "MISS"


def test_cpur5_scoped_purge_reaches_entries_with_extra_params(cached: Adapter) -> None:
    """CPUR-4/5.1: a fetch with more params than the purge scope is invalidated too."""
    fetch(cached, "user_id=5&q=extra")
    cached.call("origin_rename", {"user_id": 5, "name": "y"})
    assert status(fetch(cached, "user_id=5&q=extra")) == "MISS"


def test_cpur5_broad_purge_covers_every_fetch(cached: Adapter) -> None:
    fetch(cached, "user_id=5"), fetch(cached, "user_id=6")
    cached.call("origin_rename_all", {"name": "all"})
    assert (status(fetch(cached, "user_id=5")), status(fetch(cached, "user_id=6"))) == ("MISS", "MISS")


def test_mrg8_merge_purges_like_an_invalidation(cached: Adapter) -> None:
    fetch(cached)
    answer = cached.call("origin_merge", {"user_id": 5, "name": "merged"})
    assert b'"slot":"origin_profile"' in answer.body
    after = fetch(cached)
    assert status(after) == "MISS" and b'"merged"' in after.body


def test_cpur5_purge_never_touches_other_contexts(cached: Adapter) -> None:
    """CPUR-5.4."""
    assert status(cached.ctx("origin_neighbour", "user_id=5")) == "MISS"
    fetch(cached)
    cached.call("origin_rename", {"user_id": 5, "name": "z"})
    assert status(cached.ctx("origin_neighbour", "user_id=5")) == "HIT"


def test_cpur5_race_fetch_started_before_purge_never_hits_old_data(cached: Adapter) -> None:
    """CPUR-5.3: a fetch that looked up before a purge and stores after it must not
    produce a later HIT of pre-mutation data (deterministic interleaving)."""
    fetch(cached, "user_id=999")  # the adapter has set the cache up
    backend = cache.get_cache()
    assert backend is not None
    stale = cache.lookup(backend, SECRET, "origin", {"user_id": 5}, None, 2)  # 1. a fetch looks up: MISS
    assert stale.body is None
    cached.call("origin_rename", {"user_id": 5, "name": "new"})  # 2. a mutation purges
    cache.store(backend, stale.key, stale.stamp, b'{"stale":true}', 60)  # 3. the fetch's late store
    answer = fetch(cached)  # 4. a later fetch
    assert status(answer) == "MISS" and b"stale" not in answer.body


# --- the public API (CPUR-6, 7, 8) ------------------------------------------------------------


def test_cpur6_purge_context_and_cpur7_purge_user(cached: Adapter) -> None:
    from mizan.cache import purge_context, purge_user

    fetch(cached, "user_id=5"), fetch(cached, "user_id=6")
    purge_context("origin", {"user_id": 5})
    assert (status(fetch(cached, "user_id=5")), status(fetch(cached, "user_id=6"))) == ("MISS", "HIT")
    purge_context("origin")
    assert status(fetch(cached, "user_id=6")) == "MISS"
    assert purge_user(5) >= 1  # a full flush
    assert status(fetch(cached, "user_id=6")) == "MISS"


def test_cpur8_clear_empties_the_backend(cached: Adapter) -> None:
    """CPUR-8: `mizan.cache.clear()` (test teardown) drops every entry."""
    from mizan.cache import clear

    fetch(cached)
    assert status(fetch(cached)) == "HIT"
    clear()
    assert status(fetch(cached)) == "MISS"


# --- stampedes and failures (CACHE-13, CACHE-3) -----------------------------------------------


def test_cache13_concurrent_cold_requests_execute_once(cached: Adapter, monkeypatch: pytest.MonkeyPatch) -> None:
    """CACHE-13: 100 concurrent misses for one key run the bundle once; every answer has
    the same bytes and MISS. The requests start together (a barrier), and the leader's
    bundle returns only once all 100 have joined the flight, so however slow the machine,
    none can arrive after the entry is stored."""
    count, joined, lock = 100, [0], threading.Lock()
    join = singleflight.flights.join

    def counting_join(key: str) -> tuple[singleflight.Flight, bool]:
        flight = join(key)
        with lock:
            joined[0] += 1
            if joined[0] == count:
                ALL_JOINED.set()
        return flight

    monkeypatch.setattr(singleflight.flights, "join", counting_join)
    answers = cached.together(count, lambda one: one.ctx("origin_slow", "key=k"))
    assert joined[0] == count
    assert RUNS["slow"] == 1
    assert {(a.status, a.body, status(a)) for a in answers} == {(200, b'{"origin_slow":1}', "MISS")}


def test_cache3_failing_backend_is_a_miss_never_an_error(cached: Adapter, caplog: pytest.LogCaptureFixture) -> None:
    """CACHE-3: a broken backend bypasses the cache; requests still answer. An exception
    other than CacheError (a third-party backend's bug) is logged with its traceback."""

    class Broken:
        def __getattr__(self, name: str) -> Any:
            def fail(*args: Any, **kwargs: Any) -> Any:
                raise ConnectionError("backend down")

            return fail

    cache.set_cache(Broken(), SECRET)
    try:
        with caplog.at_level(logging.WARNING, logger="mizan.cache"):
            answer = fetch(cached)
        assert (answer.status, status(answer)) == (200, None)
        [warning] = [r for r in caplog.records if r.name == "mizan.cache"]
        assert warning.getMessage() == "Mizan cache lookup for 'origin' failed"
        assert warning.exc_info is not None and str(warning.exc_info[1]) == "backend down"
        assert cached.call("origin_rename", {"user_id": 5, "name": "n"}).status == 200  # the purge fails
    finally:
        cache.reset_cache()
