"""The origin cache through FastAPI, on `memory://` and on a real Redis (PROTOCOL §6;
mirrors tests/django/test_cache.py). Purges run after the body returns and before the
response is sent (CPUR-3)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

import mizan_fastapi
from mizan.core import cache, cachepolicy
from tests.fastapi import functions
from tests.fastapi.conftest import MizanClient, canonical

SECRET = "a-test-cache-secret-of-32-bytes!!"
HEADER = "x-mizan-cache"


@pytest.fixture(autouse=True, params=["memory", "redis"])
def configured_cache(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test runs on both backends (CBE-5), configured through `configure()` (FA-7)."""
    url = "memory://" if request.param == "memory" else request.getfixturevalue("redis_server").url
    mizan_fastapi.configure(cache_secret=SECRET, cache_redis_url=url, cache_key_prefix="mizan-fastapi-test:")
    yield
    backend = cache.get_cache()
    if backend is not None:
        backend.clear()


def fetch(client: MizanClient, query: str = "user_id=5") -> Any:
    return client.ctx("cached", query)


def test_cache11_miss_then_hit_with_identical_bytes(api: MizanClient) -> None:
    first = fetch(api)
    assert (first.status_code, first.headers[HEADER]) == (200, "MISS")
    second = fetch(api)
    assert (second.status_code, second.headers[HEADER]) == (200, "HIT")
    assert second.content == first.content
    assert first.content == canonical({"cached_profile": {"name": "initial", "user_id": 5}, "cached_viewer": None})
    for response in (first, second):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["content-type"] == "application/json"
    assert functions.RUNS["cached"] == 1


def test_ckey6_query_order_and_coercion_share_one_entry(api: MizanClient) -> None:
    assert fetch(api, "user_id=5&q=a").headers[HEADER] == "MISS"
    assert fetch(api, "q=a&user_id=05&utm=x").headers[HEADER] == "HIT"
    assert fetch(api, "q=b&user_id=5").headers[HEADER] == "MISS"


def test_cache9_uncoercible_param_skips_the_cache_and_answers_422(api: MizanClient) -> None:
    response = fetch(api, "user_id=x")
    assert response.status_code == 422 and HEADER not in response.headers


def test_cache11_cache_false_sends_no_header(api: MizanClient) -> None:
    first, second = api.ctx("uncached"), api.ctx("uncached")
    assert HEADER not in first.headers and HEADER not in second.headers
    assert first.headers["cache-control"] == second.headers["cache-control"] == "no-store"
    assert first.content != second.content


def test_cache1_disabled_without_a_secret_sends_no_header(api: MizanClient) -> None:
    mizan_fastapi.configure(cache_redis_url="memory://")
    assert HEADER not in fetch(api).headers


def test_cache12_users_get_separate_entries(api: MizanClient) -> None:
    """CACHE-12/CKEY-6: the key carries the user's `id` (no `pk` on these users, FA-3)."""
    alice, bob = api.as_user("alice"), api.as_user("bob")
    a1, b1 = fetch(alice), fetch(bob)
    assert (a1.headers[HEADER], b1.headers[HEADER]) == ("MISS", "MISS")
    assert b'"alice"' in a1.content and b'"bob"' in b1.content
    again = fetch(alice)
    assert (again.headers[HEADER], again.content) == ("HIT", a1.content)
    assert fetch(api).headers[HEADER] == "MISS"  # anonymous is a third, public entry


def test_cpur5_mutation_purges_every_users_variant(api: MizanClient) -> None:
    alice, bob = api.as_user("alice"), api.as_user("bob")
    fetch(alice), fetch(bob)
    assert fetch(bob).headers[HEADER] == "HIT"
    alice.call("rename_cached", {"user_id": 5, "name": "renamed"})
    after = fetch(bob)
    assert after.headers[HEADER] == "MISS" and b'"renamed"' in after.content


def test_cpur5_other_scope_stays_cached(api: MizanClient) -> None:
    fetch(api, "user_id=5"), fetch(api, "user_id=6")
    api.call("rename_cached", {"user_id": 5, "name": "x"})
    assert fetch(api, "user_id=6").headers[HEADER] == "HIT"
    assert fetch(api, "user_id=5").headers[HEADER] == "MISS"


def test_cpur5_scoped_purge_reaches_entries_with_extra_params(api: MizanClient) -> None:
    fetch(api, "user_id=5&q=extra")
    api.call("rename_cached", {"user_id": 5, "name": "y"})
    assert fetch(api, "user_id=5&q=extra").headers[HEADER] == "MISS"


def test_cpur5_broad_purge_covers_every_fetch(api: MizanClient) -> None:
    fetch(api, "user_id=5"), fetch(api, "user_id=6")
    api.call("rename_all_cached", {"name": "all"})
    assert fetch(api, "user_id=5").headers[HEADER] == "MISS"
    assert fetch(api, "user_id=6").headers[HEADER] == "MISS"


def test_mrg8_merge_purges_like_an_invalidation(api: MizanClient) -> None:
    fetch(api)
    assert b'"slot":"cached_profile"' in api.call("merge_cached", {"user_id": 5, "name": "merged"}).content
    assert fetch(api).headers[HEADER] == "MISS"


def test_cpur5_purge_never_touches_other_contexts(api: MizanClient) -> None:
    assert api.ctx("user", "user_id=5").headers[HEADER] == "MISS"
    fetch(api)
    api.call("rename_cached", {"user_id": 5, "name": "z"})
    assert api.ctx("user", "user_id=5").headers[HEADER] == "HIT"


def test_view5_route_mutation_purges(api: MizanClient) -> None:
    """INV-11: the view path purges too."""
    assert api.ctx("user", "user_id=5").headers[HEADER] == "MISS"
    assert api.request("POST", "/profile/5/update/").status_code == 302
    assert api.ctx("user", "user_id=5").headers[HEADER] == "MISS"


def test_cpur5_race_fetch_started_before_purge_never_hits_old_data(api: MizanClient) -> None:
    fetch(api, "user_id=999")
    backend = cache.get_cache()
    assert backend is not None
    stale = cache.lookup(backend, SECRET, "cached", {"user_id": 5}, None, 2)
    assert stale.body is None
    api.call("rename_cached", {"user_id": 5, "name": "new"})
    cache.store(backend, stale.key, stale.stamp, b'{"stale":true}', 60)
    response = fetch(api)
    assert response.headers[HEADER] == "MISS" and b"stale" not in response.content


def test_cache4_rev_and_cache7_ttl(api: MizanClient) -> None:
    fetch(api)
    backend = cache.get_cache()
    assert backend is not None
    assert cache.cache_get(SECRET, backend, "cached", {"user_id": 5}, None, 2) is not None
    assert cache.cache_get(SECRET, backend, "cached", {"user_id": 5}, None, 0) is None
    policy = cachepolicy.policy_for("cached")
    assert policy is not None and (policy.rev, policy.cache, policy.entry_ttl(86_400)) == (2, 60, 60)


def test_cache11_errors_are_never_stored(api: MizanClient) -> None:
    assert fetch(api, "user_id=x").status_code == 422
    assert api.ctx("user", "user_id=bad").status_code == 422
    assert api.ctx("user", "user_id=5").headers[HEADER] == "MISS"


def test_auth1_guards_run_before_the_lookup(api: MizanClient) -> None:
    member = api.as_user("alice")
    assert member.ctx("guarded").headers[HEADER] == "MISS"
    assert member.ctx("guarded").headers[HEADER] == "HIT"
    denied = api.ctx("guarded")
    assert denied.status_code == 401 and HEADER not in denied.headers


def test_cache13_concurrent_cold_requests_execute_once(http: TestClient) -> None:
    """CACHE-13: 20 concurrent misses for one key run the bundle once; every answer has
    the same bytes and MISS."""
    results: list[Any] = []
    lock = threading.Lock()

    def worker() -> None:
        response = http.get("/api/mizan/ctx/slow/?key=k")
        with lock:
            results.append(response)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert functions.RUNS["slow"] == 1
    assert {r.content for r in results} == {b'{"slow_bundle":1}'}
    assert {r.headers[HEADER] for r in results} == {"MISS"}


def test_cache3_failing_backend_is_a_miss_never_an_error(api: MizanClient) -> None:
    class Broken:
        def __getattr__(self, name: str) -> Any:
            def fail(*args: Any, **kwargs: Any) -> Any:
                raise ConnectionError("backend down")

            return fail

    cache.set_cache(Broken(), SECRET)  # type: ignore[arg-type]
    try:
        response = fetch(api)
        assert response.status_code == 200 and HEADER not in response.headers
        assert api.call("rename_cached", {"user_id": 5, "name": "n"}).status_code == 200
    finally:
        cache.reset_cache()


def test_cpur6_purge_context_and_cpur7_purge_user(api: MizanClient) -> None:
    from mizan.cache import purge_context, purge_user

    fetch(api, "user_id=5"), fetch(api, "user_id=6")
    purge_context("cached", {"user_id": 5})
    assert fetch(api, "user_id=5").headers[HEADER] == "MISS"
    assert fetch(api, "user_id=6").headers[HEADER] == "HIT"
    purge_context("cached")
    assert fetch(api, "user_id=6").headers[HEADER] == "MISS"
    assert purge_user(5) >= 1
    assert fetch(api, "user_id=6").headers[HEADER] == "MISS"
