"""The origin cache's Django-only behaviour: purges wait for the transaction's commit
(CPUR-3). What both adapters share is tested once for both in tests/adapters/test_cache.py.

Fixtures: tests/django/project/mutations/clients.py, context `cached` (rev 2).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import override_settings

from mizan.core import cache, notify
from tests.django.conftest import MizanClient
from tests.django.project.mutations import clients as fixtures

SECRET = "a-test-cache-secret-of-32-bytes!!"
HEADER = "X-Mizan-Cache"


@pytest.fixture(autouse=True, params=["memory", "redis"])
def configured_cache(request: pytest.FixtureRequest, transactional_db: None) -> Iterator[None]:
    """Both backends (CBE-5); autocommit, as in production, so a purge runs when the
    transaction around it commits."""
    fixtures.NAMES.clear()
    cache.reset_cache()
    url = "memory://" if request.param == "memory" else request.getfixturevalue("redis_server").url
    with override_settings(MIZAN_CACHE_SECRET=SECRET, MIZAN_CACHE_REDIS_URL=url, MIZAN_CACHE_KEY_PREFIX="mizan-test:"):
        yield
        backend = cache.get_cache()
        if backend is not None:
            backend.clear()
    cache.reset_cache()


def test_cpur3_rolled_back_mutation_purges_nothing(mizan: MizanClient) -> None:
    """CPUR-3: the purge runs on commit; a rollback keeps the cached entry."""
    assert mizan.ctx("cached", "user_id=5")[HEADER] == "MISS"
    hook = notify.get_purge_hook()
    assert hook is not None
    with transaction.atomic():
        hook(None, "cached", {"user_id": 5})
        transaction.set_rollback(True)
    assert mizan.ctx("cached", "user_id=5")[HEADER] == "HIT"
    with transaction.atomic():
        hook(None, "cached", {"user_id": 5})
        assert mizan.ctx("cached", "user_id=5")[HEADER] == "HIT"  # not before the commit
    assert mizan.ctx("cached", "user_id=5")[HEADER] == "MISS"
