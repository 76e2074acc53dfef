"""A failed call leaves nothing committed (issue 15 item 2): with `ATOMIC_REQUESTS`, a Mizan
view that answers an error envelope after user code ran (a guard, a body, a context member)
rolls the request's transaction back, as an exception escaping a Django view would; a
successful call commits and purges on commit (CPUR-3). Real commits: `transactional_db`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.http import HttpResponse
from django.test import override_settings
from django.urls import include, path

from mizan import client
from mizan.core import cache, registry
from mizan.views import route_view
from tests.django.conftest import MizanClient, assert_internal, canonical

SECRET = "atomic-requests-cache-secret-0123456789"


@client(context="atomic_groups")
def atomic_group_names(request: Any) -> list[str]:
    return sorted(Group.objects.values_list("name", flat=True))


@client(affects="atomic_groups")
def atomic_add_group(request: Any, name: str) -> str:
    Group.objects.create(name=name)
    return name


@client(affects="atomic_groups")
def atomic_add_group_then_fail(request: Any, name: str) -> str:
    Group.objects.create(name=name)
    raise RuntimeError("the second half of the write failed")


def audit_and_refuse(request: Any) -> bool:
    Group.objects.create(name="audit-row")
    return False


@client(affects="atomic_groups", auth=audit_and_refuse)
def atomic_guarded(request: Any) -> None:
    return None


@client(affects="atomic_groups")
def atomic_add_group_then_invalid_result(request: Any, name: str) -> float:
    Group.objects.create(name=name)
    return float("nan")  # not JSON: the result cannot be encoded (500)


@client(context="atomic_writer")
def atomic_member_writes_then_fails(request: Any) -> int:
    Group.objects.create(name="written-by-a-read")
    raise RuntimeError("boom")


@client(route="/atomic/<str:name>/", methods=["POST"], private=True)
def atomic_view_path(request: Any, name: str) -> HttpResponse:
    Group.objects.create(name=name)
    return HttpResponse("refused by the view itself", status=400)


FUNCTIONS = {
    "atomic_group_names": atomic_group_names,
    "atomic_add_group": atomic_add_group,
    "atomic_add_group_then_fail": atomic_add_group_then_fail,
    "atomic_guarded": atomic_guarded,
    "atomic_add_group_then_invalid_result": atomic_add_group_then_invalid_result,
    "atomic_member_writes_then_fails": atomic_member_writes_then_fails,
    "atomic_view_path": atomic_view_path,
}


@pytest.fixture
def atomic_requests(transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """ATOMIC_REQUESTS on the default database, the origin cache on, the functions registered."""
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    for name, fn_class in FUNCTIONS.items():
        registry.register(fn_class, name)
    cache.reset_cache()
    with override_settings(MIZAN_CACHE_SECRET=SECRET, MIZAN_CACHE_REDIS_URL="memory://"):
        yield
    cache.reset_cache()


def names() -> list[str]:
    return sorted(Group.objects.values_list("name", flat=True))


def test_a_body_that_writes_then_raises_commits_nothing_and_the_cache_stays_true(
    atomic_requests: None, mizan: MizanClient
) -> None:
    assert mizan.ctx("atomic_groups")["X-Mizan-Cache"] == "MISS"
    assert_internal(mizan.call("atomic_add_group_then_fail", {"name": "half"}))
    assert names() == []
    hit = mizan.ctx("atomic_groups")
    assert (hit["X-Mizan-Cache"], hit.content) == ("HIT", canonical({"atomic_group_names": []}))


def test_a_successful_call_commits_and_purges(atomic_requests: None, mizan: MizanClient) -> None:
    mizan.ctx("atomic_groups")
    response = mizan.call("atomic_add_group", {"name": "whole"})
    assert response.status_code == 200 and response["X-Mizan-Invalidate"] == "atomic_groups"
    assert names() == ["whole"]
    fresh = mizan.ctx("atomic_groups")
    assert (fresh["X-Mizan-Cache"], fresh.content) == ("MISS", canonical({"atomic_group_names": ["whole"]}))


def test_a_guard_that_writes_then_refuses_commits_nothing(atomic_requests: None, mizan: MizanClient) -> None:
    assert mizan.call("atomic_guarded").status_code == 403
    assert names() == []


def test_a_result_that_cannot_be_encoded_commits_nothing(atomic_requests: None, mizan: MizanClient) -> None:
    assert_internal(mizan.call("atomic_add_group_then_invalid_result", {"name": "nan"}))
    assert names() == []


def test_a_context_member_that_writes_then_fails_commits_nothing(atomic_requests: None, mizan: MizanClient) -> None:
    assert_internal(mizan.ctx("atomic_writer"))
    assert names() == []


def test_validation_errors_commit_nothing_and_leave_the_connection_usable(
    atomic_requests: None, mizan: MizanClient
) -> None:
    assert mizan.call("atomic_add_group", {"name": ["not", "a", "string"]}).status_code == 422
    assert mizan.call("atomic_add_group", {"name": "after"}).status_code == 200
    assert names() == ["after"]


# This module is also the URLconf of the view-path test: the project's `mizan.routes`
# was built before these functions were registered.
urlpatterns = [
    path("api/mizan/", include("mizan.urls")),
    path("atomic/<str:name>/", route_view("atomic_view_path", atomic_view_path)),
]


@override_settings(ROOT_URLCONF=__name__)
def test_a_view_path_response_keeps_django_semantics(atomic_requests: None, mizan: MizanClient) -> None:
    """The function chose its own 400 response: Django commits what a view returns."""
    response = mizan.django.post("/atomic/kept/")
    assert response.status_code == 400
    assert names() == ["kept"]


def test_without_atomic_requests_an_error_leaves_the_enclosing_transaction_alone(db: None, mizan: MizanClient) -> None:
    """Without ATOMIC_REQUESTS the innermost atomic block is not the request's (here: the
    test case's), so it is not marked: the connection stays usable after an error."""
    for name in ("atomic_group_names", "atomic_add_group_then_fail"):
        registry.register(FUNCTIONS[name], name)
    assert_internal(mizan.call("atomic_add_group_then_fail", {"name": "autocommit"}))
    assert names() == ["autocommit"]  # no request transaction: the write was not Mizan's to undo
