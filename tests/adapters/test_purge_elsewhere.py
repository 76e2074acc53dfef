"""A purge from a process that has served no request (a worker, a management command)
reaches the cache the web processes serve from: the adapters configure the cache at
start-up and on first use of a public cache function (issue 15 item 3, CPUR-6, CPUR-7)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mizan import ReactContext, client
from tests.adapters.conftest import Adapter
from tests.redis_server import RedisServer

SECRET = "purge-elsewhere-cache-secret-01234567"
HEADER = "x-mizan-cache"
Profile = ReactContext("elsewhere_profile")


@client(context=Profile)
def elsewhere_name(request: Any, user_id: int) -> str:
    return f"user {user_id}"


@pytest.fixture
def settings(adapter: Adapter, register: Any, redis_server: RedisServer) -> dict[str, Any]:
    values = {
        "MIZAN_CACHE_SECRET": SECRET,
        "MIZAN_CACHE_REDIS_URL": redis_server.url,
        "MIZAN_CACHE_KEY_PREFIX": f"elsewhere-{adapter.name}:",
    }
    adapter.configure(**values)
    register(elsewhere_name=elsewhere_name)
    return values


def statuses(adapter: Adapter, *user_ids: int) -> list[str]:
    return [adapter.ctx("elsewhere_profile", f"user_id={u}").headers[HEADER] for u in user_ids]


def test_purge_context_from_a_fresh_process_reaches_the_web_cache(
    adapter: Adapter, settings: dict[str, Any], tmp_path: Path
) -> None:
    assert statuses(adapter, 5, 6) == ["MISS", "MISS"]
    assert statuses(adapter, 5, 6) == ["HIT", "HIT"]
    code = "from mizan.cache import purge_context\nprint(purge_context('elsewhere_profile', {'user_id': 5}))\n"
    adapter.run_elsewhere(code, tmp_path, **settings)
    assert statuses(adapter, 5, 6) == ["MISS", "HIT"]  # CPUR-5: the scope only


def test_a_broad_purge_and_purge_user_from_a_fresh_process(
    adapter: Adapter, settings: dict[str, Any], tmp_path: Path
) -> None:
    statuses(adapter, 5, 6)
    code = "from mizan.cache import purge_context\nprint(purge_context('elsewhere_profile'))\n"
    assert int(adapter.run_elsewhere(code, tmp_path, **settings)) == 2  # both entries deleted
    assert statuses(adapter, 5, 6) == ["MISS", "MISS"]
    code = "from mizan.cache import purge_user\nprint(purge_user(5))\n"
    assert int(adapter.run_elsewhere(code, tmp_path, **settings)) == 2  # CPUR-7: a full flush
    assert statuses(adapter, 5, 6) == ["MISS", "MISS"]
