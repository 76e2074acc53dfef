"""`auth=` guards through the Django adapter (AUTH-1, AUTH-2, ERR-3, RPC-2 step 7)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from mizan.core import client, get_user, registry
from tests.django.conftest import (
    MizanClient,
    assert_error,
    assert_internal,
    assert_json,
    assert_result,
    assert_validation,
)
from tests.django.project.testapp import clients as testapp

UNAUTHORIZED = b'{"error":{"code":"UNAUTHORIZED","message":"Authentication required"}}'
STAFF_REQUIRED = b'{"error":{"code":"FORBIDDEN","message":"Staff access required"}}'
SUPERUSER_REQUIRED = b'{"error":{"code":"FORBIDDEN","message":"Superuser access required"}}'
DENIED = b'{"error":{"code":"FORBIDDEN","message":"Permission denied"}}'

# (username, flags) for each kind of identity; None is anonymous.
IDENTITIES = {
    "anonymous": None,
    "user": {},
    "staff": {"is_staff": True},
    "superuser": {"is_staff": True, "is_superuser": True},
    "superuser-not-staff": {"is_superuser": True},
}


@pytest.fixture
def as_identity(mizan: MizanClient, login: Callable[..., MizanClient]) -> Callable[[str], MizanClient]:
    def make(kind: str) -> MizanClient:
        flags = IDENTITIES[kind]
        return mizan if flags is None else login(kind.replace("-", "_"), **flags)

    return make


# --- AUTH-1 matrix -----------------------------------------------------------------------

MATRIX = [
    # auth=True ("required")
    ("whoami", "anonymous", 401, UNAUTHORIZED),
    ("whoami", "user", 200, b'{"result":{"username":"user"}}'),
    ("whoami", "staff", 200, b'{"result":{"username":"staff"}}'),
    ("whoami", "superuser", 200, b'{"result":{"username":"superuser"}}'),
    # auth="staff"
    ("staff_only", "anonymous", 401, UNAUTHORIZED),
    ("staff_only", "user", 403, STAFF_REQUIRED),
    ("staff_only", "staff", 200, b'{"result":"staff"}'),
    ("staff_only", "superuser", 200, b'{"result":"staff"}'),
    ("staff_only", "superuser-not-staff", 403, STAFF_REQUIRED),
    # auth="superuser"
    ("superuser_only", "anonymous", 401, UNAUTHORIZED),
    ("superuser_only", "user", 403, SUPERUSER_REQUIRED),
    ("superuser_only", "staff", 403, SUPERUSER_REQUIRED),
    ("superuser_only", "superuser", 200, b'{"result":"superuser"}'),
    ("superuser_only", "superuser-not-staff", 200, b'{"result":"superuser"}'),
    # a sync callable guard (passes only for the user named "vip")
    ("vip_only", "anonymous", 403, DENIED),
    ("vip_only", "user", 403, DENIED),
    ("vip_only", "superuser", 403, DENIED),
    # async callable guards
    ("async_denied", "anonymous", 403, DENIED),
    ("async_denied", "superuser", 403, DENIED),
    ("async_allowed", "anonymous", 200, b'{"result":"allowed"}'),
    ("async_allowed", "user", 200, b'{"result":"allowed"}'),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("fn", "who", "status", "body"), MATRIX, ids=[f"{m[0]}-{m[1]}" for m in MATRIX])
def test_auth1_guard_matrix(
    as_identity: Callable[[str], MizanClient], fn: str, who: str, status: int, body: bytes
) -> None:
    """AUTH-1/AUTH-2/ERR-3: each guard kind against each identity, exact envelopes."""
    assert_json(as_identity(who).call(fn), status, body)


@pytest.mark.django_db
def test_auth1_callable_guard_passes_for_matching_user(login: Callable[..., MizanClient]) -> None:
    """AUTH-1: a callable guard returning True lets the call through."""
    assert_result(login("vip").call("vip_only"), "vip")


@pytest.mark.django_db
def test_auth1_async_callable_guard_on_async_function(login: Callable[..., MizanClient], mizan: MizanClient) -> None:
    """AUTH-1 + SIG-9: a sync guard in front of an async function."""
    assert_json(mizan.call("async_vip_echo", {"text": "x"}), 403, DENIED)
    assert_result(login("vip").call("async_vip_echo", {"text": "x"}), "vip: x")


@pytest.mark.django_db
def test_auth1_async_guard_and_body_read_the_session_user(login: Callable[..., MizanClient]) -> None:
    """AUTH-1 + SIG-9: an async guard and an async body are the first to read the lazy
    session user; Django forbids the query that loads it from async code, so the adapter
    loads it before entering the event loop (found by the AFI auth grid)."""

    async def is_carol(request: Any) -> bool:
        user = get_user(request)
        return getattr(user, "username", None) == "carol"

    async def my_name(request: Any) -> str:
        return str(get_user(request).username)

    registry.register(client(auth=is_carol)(my_name), "carol_name")
    registry.register(client(my_name), "async_my_name")
    assert_result(login("carol").call("carol_name"), "carol")
    assert_json(login("dave").call("carol_name"), 403, DENIED)
    assert_result(login("erin").call("async_my_name"), "erin")


@pytest.mark.parametrize(
    "fn", ["none_guarded", "empty_guarded", "async_zero_guarded", "async_none_guarded", "async_denied"]
)
def test_auth1_falsy_guard_results_reject(mizan: MizanClient, fn: str) -> None:
    """AUTH-1: any falsy result (None, [], 0 — also from an async guard, whose coroutine
    object would be truthy if not awaited) → 403 `Permission denied`; the body never runs."""
    assert_json(mizan.call(fn), 403, DENIED)
    assert testapp.CALLS[fn] == 0


@pytest.mark.parametrize("fn", ["broken_guard", "async_broken_guard"])
def test_auth1_raising_guard_is_500(mizan: MizanClient, fn: str, caplog: pytest.LogCaptureFixture) -> None:
    """AUTH-1/GAP-56: a guard that raises → 500 `Internal server error`, text not leaked,
    body not run, exception logged."""
    with caplog.at_level(logging.ERROR, logger="mizan"):
        response = mizan.call(fn)
    assert_internal(response)
    assert b"guard bug" not in response.content
    assert testapp.CALLS[fn] == 0
    assert any(r.name == "mizan" and r.exc_info and "guard bug" in str(r.exc_info[1]) for r in caplog.records)


def test_auth1_guard_raising_permission_error_is_500(mizan: MizanClient) -> None:
    """AUTH-1/GAP-56: "A callable that raises → 500 INTERNAL_ERROR" — also when what it
    raises is a PermissionError (the ERR-3 PermissionError → 403 row is about function
    bodies, ERR-5); the guard's text is not sent."""
    response = mizan.call("permission_guarded")
    assert_internal(response)
    assert b"guard says no" not in response.content
    assert testapp.CALLS["permission_guarded"] == 0


def test_auth1_guard_before_validation_anonymous(mizan: MizanClient) -> None:
    """AUTH-1: anonymous + invalid args on `auth=True` → 401, never 422; body not run."""
    assert_json(mizan.call("secure_add", {"a": "x", "b": []}), 401, UNAUTHORIZED)
    assert_json(mizan.call("secure_add"), 401, UNAUTHORIZED)
    assert testapp.CALLS["secure_add"] == 0


@pytest.mark.django_db
def test_auth1_validation_after_guard_passes(login: Callable[..., MizanClient]) -> None:
    """AUTH-1/RPC-2: once authenticated, validation applies (422), then execution."""
    alice = login("alice")
    assert_validation(
        alice.call("secure_add", {"a": "x"}),
        {"a": ["Input should be a valid integer, unable to parse string as an integer"], "b": ["Field required"]},
    )
    assert testapp.CALLS["secure_add"] == 0
    assert_result(alice.call("secure_add", {"a": 2, "b": "3"}), 5)
    assert testapp.CALLS["secure_add"] == 1


@pytest.mark.django_db
def test_auth1_callable_guard_called_with_the_authenticated_request(login: Callable[..., MizanClient]) -> None:
    """AUTH-1: the callable receives the Django request (with `request.user` resolved)."""
    vip = login("vip")
    assert_result(vip.call("vip_add", {"a": 4}), 4)
    assert_json(
        vip.call("vip_add", {"a": "x"}),
        422,
        b'{"error":{"code":"VALIDATION_ERROR","details":{"fields":{"a":["Input should be a valid integer, '
        b'unable to parse string as an integer"]}},"message":"Input validation failed"}}',
    )


@pytest.mark.django_db
def test_auth2_inactive_user_is_anonymous(login: Callable[..., MizanClient], django_user_model: type) -> None:
    """AUTH-2: "authenticated" means `request.user.is_authenticated`; a user deactivated
    after login is logged out by Django's backend and gets 401."""
    alice = login("alice")
    django_user_model.objects.filter(username="alice").update(is_active=False)  # type: ignore[attr-defined]
    assert_json(alice.call("whoami"), 401, UNAUTHORIZED)


@pytest.mark.django_db
def test_auth1_private_beats_auth_for_superuser(login: Callable[..., MizanClient]) -> None:
    """RPC-2 step 6: a private function stays uncallable for a superuser."""
    root = login("root", is_staff=True, is_superuser=True)
    assert_error(root.call("private_secure"), 403, "FORBIDDEN", "Function is not client-callable")
    assert_error(root.call("internal_job"), 403, "FORBIDDEN", "Function is not client-callable")
