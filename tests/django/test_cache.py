"""The origin cache through the real test client, with the in-process backend
(`MIZAN_CACHE_REDIS_URL = "memory://"`): PROTOCOL §6.

Fixtures: tests/django/project/mutations/clients.py, contexts `cached` (rev 2, one member
with cache=60), `uncached` (cache=False) and `slow`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from mizan.core import cache
from tests.django.conftest import MizanClient, canonical
from tests.django.project.mutations import clients as fixtures

SECRET = "a-test-cache-secret-of-32-bytes!!"
HEADER = "X-Mizan-Cache"


@pytest.fixture(autouse=True, params=["memory", "redis"])
def configured_cache(request: pytest.FixtureRequest, transactional_db: None) -> Iterator[None]:
    """Every test runs on both backends (CBE-5): `memory://` and a real Redis started for
    the session. Autocommit, as in production: purges run when the mutation's work
    commits (CPUR-3)."""
    fixtures.NAMES.clear()
    fixtures.RUNS.update(cached=0, slow=0)
    cache.reset_cache()
    url = "memory://" if request.param == "memory" else request.getfixturevalue("redis_server").url
    with override_settings(MIZAN_CACHE_SECRET=SECRET, MIZAN_CACHE_REDIS_URL=url, MIZAN_CACHE_KEY_PREFIX="mizan-test:"):
        yield
        backend = cache.get_cache()
        if backend is not None:
            backend.clear()
    cache.reset_cache()


def fetch(client: MizanClient, query: str = "user_id=5") -> Any:
    return client.ctx("cached", query)


def test_cache11_miss_then_hit_with_identical_bytes(mizan: MizanClient) -> None:
    """CACHE-10/11: first MISS (stored), then HIT with the very bytes; no-store on both."""
    first = fetch(mizan)
    assert (first.status_code, first[HEADER]) == (200, "MISS")
    second = fetch(mizan)
    assert (second.status_code, second[HEADER]) == (200, "HIT")
    assert second.content == first.content
    assert first.content == canonical({"cached_profile": {"name": "initial", "user_id": 5}, "cached_viewer": None})
    for response in (first, second):
        assert response["Cache-Control"] == "no-store" and response["Content-Type"] == "application/json"
    assert fixtures.RUNS["cached"] == 1


def test_ckey6_query_order_and_coercion_share_one_entry(mizan: MizanClient) -> None:
    """CKEY-6/JSON-3: `user_id=05`... no: "5" and stray keys and order do not fragment."""
    assert fetch(mizan, "user_id=5&q=a")[HEADER] == "MISS"
    assert fetch(mizan, "q=a&user_id=5&utm=x")[HEADER] == "HIT"
    assert fetch(mizan, "q=b&user_id=5")[HEADER] == "MISS"


def test_cache9_uncoercible_param_skips_the_cache_and_answers_422(mizan: MizanClient) -> None:
    response = fetch(mizan, "user_id=x")
    assert response.status_code == 422 and HEADER not in response


def test_cache11_disabled_or_cache_false_sends_no_header(mizan: MizanClient) -> None:
    """CACHE-6/11: a context with a cache=False member is never cached."""
    first, second = mizan.ctx("uncached"), mizan.ctx("uncached")
    assert HEADER not in first and HEADER not in second
    assert first["Cache-Control"] == second["Cache-Control"] == "no-store"  # CACHE-8
    assert first.content != second.content  # executed twice
    with override_settings(MIZAN_CACHE_SECRET=None):
        assert HEADER not in fetch(mizan)


def test_cache12_users_get_separate_entries(login: Callable[..., MizanClient], mizan: MizanClient) -> None:
    """CACHE-12/CKEY-5: same URL, different users: separate entries and bodies."""
    alice, bob = login("alice"), login("bob")
    a1, b1 = fetch(alice), fetch(bob)
    assert (a1[HEADER], b1[HEADER]) == ("MISS", "MISS")
    assert b'"alice"' in a1.content and b'"bob"' in b1.content
    assert fetch(alice).content == a1.content and fetch(alice)[HEADER] == "HIT"
    assert fetch(mizan)[HEADER] == "MISS"  # anonymous is a third, public entry


def test_cpur5_mutation_purges_every_users_variant(login: Callable[..., MizanClient]) -> None:
    """CPUR-5.1: user 5's mutation makes user 6's cached copy of the same scope a MISS,
    and the refetch shows the new data."""
    alice, bob = login("alice"), login("bob")
    fetch(alice), fetch(bob)
    assert fetch(bob)[HEADER] == "HIT"
    alice.call("rename_cached", {"user_id": 5, "name": "renamed"})
    after = fetch(bob)
    assert after[HEADER] == "MISS"
    assert b'"renamed"' in after.content


def test_cpur5_other_scope_stays_cached(mizan: MizanClient) -> None:
    """CPUR-5.2: user 6 still cached after user 5 is purged."""
    fetch(mizan, "user_id=5"), fetch(mizan, "user_id=6")
    mizan.call("rename_cached", {"user_id": 5, "name": "x"})
    assert fetch(mizan, "user_id=6")[HEADER] == "HIT"
    assert fetch(mizan, "user_id=5")[HEADER] == "MISS"


def test_cpur5_scoped_purge_reaches_entries_with_extra_params(mizan: MizanClient) -> None:
    """CPUR-4/5.1: a fetch with more params than the purge scope is invalidated too."""
    fetch(mizan, "user_id=5&q=extra")
    mizan.call("rename_cached", {"user_id": 5, "name": "y"})
    assert fetch(mizan, "user_id=5&q=extra")[HEADER] == "MISS"


def test_cpur5_broad_purge_covers_every_fetch(mizan: MizanClient) -> None:
    fetch(mizan, "user_id=5"), fetch(mizan, "user_id=6")
    mizan.call("rename_all_cached", {"name": "all"})
    assert fetch(mizan, "user_id=5")[HEADER] == "MISS" and fetch(mizan, "user_id=6")[HEADER] == "MISS"


def test_mrg8_merge_purges_like_an_invalidation(mizan: MizanClient) -> None:
    fetch(mizan)
    response = mizan.call("merge_cached", {"user_id": 5, "name": "merged"})
    assert b'"slot":"cached_profile"' in response.content
    assert fetch(mizan)[HEADER] == "MISS"


def test_cpur5_purge_never_touches_other_contexts(mizan: MizanClient) -> None:
    assert mizan.ctx("user", "user_id=5")[HEADER] == "MISS"
    fetch(mizan)
    mizan.call("rename_cached", {"user_id": 5, "name": "z"})
    assert mizan.ctx("user", "user_id=5")[HEADER] == "HIT"


def test_cpur5_race_fetch_started_before_purge_never_hits_old_data(mizan: MizanClient) -> None:
    """CPUR-5.3: a fetch that looked up before a purge and stores after it must not
    produce a later HIT of pre-mutation data (deterministic interleaving)."""
    backend, secret = _configured(mizan), SECRET
    params = {"user_id": 5}
    stale = cache.lookup(backend, secret, "cached", params, None, 2)  # 1. fetch looks up: MISS
    assert stale.body is None
    mizan.call("rename_cached", {"user_id": 5, "name": "new"})  # 2. mutation purges
    cache.store(backend, stale.key, stale.stamp, b'{"stale":true}', 60)  # 3. late store
    response = fetch(mizan)  # 4. later fetch
    assert response[HEADER] == "MISS" and b"stale" not in response.content


def _configured(mizan: MizanClient) -> Any:
    fetch(mizan, "user_id=999")
    return cache.get_cache()


def test_cache4_rev_bump_makes_old_entries_unreachable(mizan: MizanClient) -> None:
    """CACHE-4/14: entries are keyed with the effective (max) rev, 2 here."""
    fetch(mizan)
    backend = cache.get_cache()
    assert backend is not None
    assert cache.cache_get(SECRET, backend, "cached", {"user_id": 5}, None, 2) is not None
    assert cache.cache_get(SECRET, backend, "cached", {"user_id": 5}, None, 0) is None


def test_cache7_every_entry_has_the_effective_ttl(mizan: MizanClient) -> None:
    """CACHE-5/7: min int TTL of the members (60) for the entry."""
    from mizan.core import cachepolicy

    policy = cachepolicy.policy_for("cached")
    assert policy is not None and (policy.rev, policy.cache, policy.entry_ttl(86_400)) == (2, 60, 60)
    assert cachepolicy.policy_for("user").entry_ttl(86_400) == 86_400  # type: ignore[union-attr]


def test_cache11_errors_are_never_stored(mizan: MizanClient) -> None:
    assert fetch(mizan, "user_id=x").status_code == 422
    assert mizan.ctx("user", "user_id=bad").status_code == 422
    assert mizan.ctx("user", "user_id=5")[HEADER] == "MISS"


def test_auth1_guards_run_before_the_lookup(login: Callable[..., MizanClient], mizan: MizanClient) -> None:
    """AUTH-1/GAP-15: a cached bundle never bypasses a guard."""
    member = login("member")
    assert member.ctx("guarded")[HEADER] == "MISS"
    assert member.ctx("guarded")[HEADER] == "HIT"
    denied = mizan.ctx("guarded")
    assert denied.status_code == 401 and HEADER not in denied


def test_cpur3_rolled_back_mutation_purges_nothing(mizan: MizanClient) -> None:
    """CPUR-3: the purge runs on commit; a rollback keeps the cached entry."""
    from mizan.core import notify
    from mizan.core.executor import run_sync

    fetch(mizan)
    hook = notify.get_purge_hook()
    assert hook is not None
    with transaction.atomic():
        hook(None, "cached", {"user_id": 5})
        transaction.set_rollback(True)
    assert fetch(mizan)[HEADER] == "HIT"
    with transaction.atomic():
        hook(None, "cached", {"user_id": 5})
    assert fetch(mizan)[HEADER] == "MISS"
    assert run_sync  # the executor path is covered by the mutation tests above


def test_cache13_concurrent_cold_requests_execute_once(mizan: MizanClient) -> None:
    """CACHE-13: 100 concurrent misses for one key run the bundle once; every answer has
    the same bytes and MISS."""
    results: list[Any] = []
    lock = threading.Lock()
    # Every thread has its client before any request starts, so all 100 reach the cache
    # while the leader's bundle sleeps, also in the slower pure pass on a loaded machine.
    ready = threading.Barrier(100)

    def worker() -> None:
        client = MizanClient(mizan.django.__class__())
        ready.wait()
        response = client.ctx("slow", "key=k")
        with lock:
            results.append(response)

    threads = [threading.Thread(target=worker) for _ in range(100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fixtures.RUNS["slow"] == 1
    assert {r.content for r in results} == {b'{"slow_bundle":1}'}
    assert {r[HEADER] for r in results} == {"MISS"}


def test_cache3_failing_backend_is_a_miss_never_an_error(mizan: MizanClient, caplog: pytest.LogCaptureFixture) -> None:
    """CACHE-3: a broken backend bypasses the cache; requests still answer. An exception
    other than CacheError (a third-party backend's bug) is logged with its traceback."""

    class Broken:
        def __getattr__(self, name: str) -> Any:
            def fail(*args: Any, **kwargs: Any) -> Any:
                raise ConnectionError("backend down")

            return fail

    cache.set_cache(Broken(), SECRET)  # type: ignore[arg-type]
    try:
        with caplog.at_level(logging.WARNING, logger="mizan.cache"):
            response = fetch(mizan)
        assert response.status_code == 200 and HEADER not in response
        [warning] = [r for r in caplog.records if r.name == "mizan.cache"]
        assert warning.getMessage() == "Mizan cache lookup for 'cached' failed"
        assert warning.exc_info is not None and str(warning.exc_info[1]) == "backend down"
        mutation = mizan.call("rename_cached", {"user_id": 5, "name": "n"})
        assert mutation.status_code == 200
    finally:
        cache.reset_cache()


def test_cpur6_purge_context_and_cpur7_purge_user(mizan: MizanClient) -> None:
    from mizan.cache import purge_context, purge_user

    fetch(mizan, "user_id=5"), fetch(mizan, "user_id=6")
    purge_context("cached", {"user_id": 5})
    assert fetch(mizan, "user_id=5")[HEADER] == "MISS" and fetch(mizan, "user_id=6")[HEADER] == "HIT"
    purge_context("cached")
    assert fetch(mizan, "user_id=6")[HEADER] == "MISS"
    assert purge_user(5) >= 1
    assert fetch(mizan, "user_id=6")[HEADER] == "MISS"


def test_cpur8_clear_empties_the_backend(mizan: MizanClient) -> None:
    """CPUR-8: `mizan.cache.clear()` (test teardown) drops every entry."""
    from mizan.cache import clear

    fetch(mizan, "user_id=5")
    assert fetch(mizan, "user_id=5")[HEADER] == "HIT"
    clear()
    assert fetch(mizan, "user_id=5")[HEADER] == "MISS"
