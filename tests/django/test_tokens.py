"""MWT and bearer JWT through the Django adapter (MWT-1..7, JWT-1..5, AUTH-4..6, CKEY-6)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
from django.contrib.auth.models import Permission
from django.test import Client, override_settings

from mizan.core import cache, registry
from mizan.core.builtins import mwt_obtain
from mizan.core.tokens import MWTConfig, mint_mwt, permission_key
from mizan.token_functions import jwt_obtain, jwt_refresh, register_token_functions
from tests.django.conftest import CALL, MizanClient, assert_error, assert_json, assert_result, canonical
from tests.django.project.testapp import clients as testapp

SECRET = "mwt-secret-for-the-token-tests-0123456789"
OLD_SECRET = "mwt-previous-secret-for-the-tests-0123456"
JWT_SECRET = "jwt-secret-for-the-token-tests-0123456789"
CACHE_SECRET = "cache-secret-for-the-token-tests-01234567"


@pytest.fixture(autouse=True)
def _token_settings(settings: Any) -> None:
    settings.MIZAN_MWT_SECRET = SECRET
    settings.MIZAN_JWT_SECRET = JWT_SECRET


def anonymous() -> Client:
    """A browser with no session and no CSRF cookie, CSRF checks enforced."""
    return Client(enforce_csrf_checks=True)


def call(client: Client, fn: str, args: dict[str, Any] | None = None, **headers: Any) -> Any:
    body = {"fn": fn} if args is None else {"fn": fn, "args": args}
    return client.post(CALL, json.dumps(body), content_type="application/json", **headers)


def obtain_mwt(session: MizanClient) -> str:
    response = session.call("mwt_obtain")
    assert response.status_code == 200
    token: str = json.loads(response.content)["result"]["token"]
    return token


def obtain_pair(session: MizanClient) -> dict[str, Any]:
    response = session.call("jwt_obtain")
    assert response.status_code == 200
    pair: dict[str, Any] = json.loads(response.content)["result"]
    return pair


def identity(kind: str, pk: int, staff: bool = False, superuser: bool = False) -> dict[str, Any]:
    return {"kind": kind, "pk": pk, "staff": staff, "superuser": superuser}


@pytest.fixture
def user(django_user_model: Any, db: None) -> Any:
    return django_user_model.objects.create_user(username="alice", password="pw")


@pytest.fixture
def session(user: Any) -> MizanClient:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return MizanClient(client)


# --- MWT-6: mwt_obtain ------------------------------------------------------------------


def test_mwt6_obtain_returns_token_and_lifetime(session: MizanClient, user: Any) -> None:
    """MWT-6: `{"token", "expires_in"}`; the token is an HS256 JWS with `kid` in the header
    and the MWT-2 claims, `pkey` per MWT-3 from the user's real permissions."""
    user.user_permissions.add(Permission.objects.get(codename="add_user"))
    user.is_staff = True
    user.save()
    before = int(time.time())
    response = session.call("mwt_obtain")
    result = json.loads(response.content)["result"]
    assert response.status_code == 200 and sorted(result) == ["expires_in", "token"]
    assert result["expires_in"] == 300
    assert jwt.get_unverified_header(result["token"]) == {"alg": "HS256", "kid": "default", "typ": "JWT"}
    claims = jwt.decode(result["token"], SECRET, algorithms=["HS256"], audience="mizan")
    assert claims["pkey"] == permission_key(["auth.add_user"], True, False)
    assert (claims["sub"], claims["aud"], claims["is_staff"], claims["is_superuser"]) == (
        str(user.pk),
        "mizan",
        True,
        False,
    )
    assert claims["nbf"] == claims["iat"] and claims["exp"] == claims["iat"] + 300
    assert before <= claims["iat"] <= int(time.time())


@override_settings(MIZAN_MWT_TTL=60, MIZAN_MWT_AUDIENCE="tenant-a", MIZAN_MWT_KID="k2")
def test_mwt6_obtain_follows_ttl_audience_and_kid_settings(session: MizanClient) -> None:
    """§5.5: MIZAN_MWT_TTL, MIZAN_MWT_AUDIENCE and MIZAN_MWT_KID shape new tokens."""
    result = json.loads(session.call("mwt_obtain").content)["result"]
    assert result["expires_in"] == 60
    assert jwt.get_unverified_header(result["token"])["kid"] == "k2"
    claims = jwt.decode(result["token"], SECRET, algorithms=["HS256"], audience="tenant-a")
    assert claims["exp"] - claims["iat"] == 60


def test_mwt6_obtain_needs_a_signed_in_user(mizan: MizanClient) -> None:
    """MWT-6/GAP-28: declared `auth=True`, so anonymous gets the guard's 401."""
    assert_error(mizan.call("mwt_obtain"), 401, "UNAUTHORIZED", "Authentication required")


def test_mwt6_obtain_without_a_secret_is_internal_error(
    session: MizanClient, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """MWT-6: no MIZAN_MWT_SECRET → 500 INTERNAL_ERROR, and the reason is logged."""
    settings.MIZAN_MWT_SECRET = None
    with caplog.at_level(logging.ERROR, logger="mizan.tokens"):
        assert_error(session.call("mwt_obtain"), 500, "INTERNAL_ERROR", "Internal server error")
    assert "MIZAN_MWT_SECRET is not configured" in caplog.text


def test_mwt6_obtain_refuses_an_identity_that_came_from_a_token(session: MizanClient) -> None:
    """DECISION: a token cannot mint its own successor (a leaked MWT would never expire)."""
    token = obtain_mwt(session)
    assert_error(call(anonymous(), "mwt_obtain", HTTP_X_MIZAN_TOKEN=token), 403, "FORBIDDEN", "Permission denied")


# --- MWT use: AUTH-4/5/6, MWT-4/5 -------------------------------------------------------


def test_auth6_mwt_authenticates_call_without_csrf(session: MizanClient, user: Any) -> None:
    """AUTH-5/AUTH-6: a browser with no session and no CSRF token calls as the token's user."""
    response = call(anonymous(), "identity_secure", HTTP_X_MIZAN_TOKEN=obtain_mwt(session))
    assert_result(response, identity("MWTUser", user.pk))


def test_auth4_mwt_authenticates_context_fetch(session: MizanClient, user: Any) -> None:
    """AUTH-4: `/ctx/` bundles run under the token's identity (guard `auth=True` passes)."""
    response = anonymous().get("/api/mizan/ctx/identity/", HTTP_X_MIZAN_TOKEN=obtain_mwt(session))
    assert_json(response, 200, canonical({"identity_ctx": identity("MWTUser", user.pk)}))


def test_auth4_mwt_authenticates_a_route_without_csrf(session: MizanClient, user: Any) -> None:
    """VIEW-4/AUTH-6: an unsafe-method route is CSRF-exempt under a valid token."""
    response = anonymous().post("/tokens/identity/", HTTP_X_MIZAN_TOKEN=obtain_mwt(session))
    assert response.status_code == 200
    assert json.loads(response.content) == {"result": identity("MWTUser", user.pk)}


@pytest.mark.parametrize(
    ("flags", "fn", "status"),
    [
        ({"is_staff": True}, "staff_only", 200),
        ({"is_superuser": True}, "superuser_only", 200),
        ({}, "staff_only", 403),
        ({"is_staff": True}, "superuser_only", 403),
    ],
)
def test_mwt5_guards_use_token_claims_without_a_database_read(
    django_user_model: Any, django_assert_num_queries: Any, flags: dict[str, bool], fn: str, status: int
) -> None:
    """MWT-5/AUTH-1: `auth='staff'/'superuser'` decided from the claims: zero queries."""
    staff = django_user_model.objects.create_user(username="s", password="pw", **flags)
    token = mint_mwt(
        MWTConfig(secret=SECRET),
        str(staff.pk),
        pkey=permission_key((), **{"is_staff": False, "is_superuser": False, **flags}),
        is_staff=flags.get("is_staff", False),
        is_superuser=flags.get("is_superuser", False),
    )
    client = anonymous()
    with django_assert_num_queries(0):
        response = call(client, fn, HTTP_X_MIZAN_TOKEN=token)
    assert response.status_code == status


def test_mwt5_permission_staleness_is_bounded_by_the_token(session: MizanClient, user: Any) -> None:
    """MWT-5/GAP-65: demoting the user does not touch an issued token until it expires."""
    user.is_staff = True
    user.save()
    token = obtain_mwt(session)
    user.is_staff = False
    user.save()
    assert_result(call(anonymous(), "staff_only", HTTP_X_MIZAN_TOKEN=token), "staff")


def test_mwt4_rotation_keeps_tokens_of_the_previous_kid(session: MizanClient, user: Any, settings: Any) -> None:
    """MWT-4/GAP-66: after rotating, tokens under the old kid verify until removed."""
    token = obtain_mwt(session)  # kid "default", SECRET
    settings.MIZAN_MWT_SECRET = OLD_SECRET
    settings.MIZAN_MWT_KID = "2026-11"
    settings.MIZAN_MWT_PREVIOUS_SECRETS = {"default": SECRET}
    assert_result(call(anonymous(), "identity_secure", HTTP_X_MIZAN_TOKEN=token), identity("MWTUser", user.pk))
    fresh = obtain_mwt(session)
    assert jwt.get_unverified_header(fresh)["kid"] == "2026-11"
    settings.MIZAN_MWT_PREVIOUS_SECRETS = {}
    assert_error(call(anonymous(), FN_SECURE, HTTP_X_MIZAN_TOKEN=token), 401, "UNAUTHORIZED", "Invalid or expired MWT")
    assert call(anonymous(), FN_SECURE, HTTP_X_MIZAN_TOKEN=fresh).status_code == 200


FN_SECURE = "identity_secure"


def test_mwt4_leeway_accepts_slightly_expired_tokens(user: Any, settings: Any) -> None:
    """MWT-4: MIZAN_MWT_LEEWAY seconds of clock skew are forgiven, no more."""
    token = mint_mwt(
        MWTConfig(secret=SECRET, ttl=10),
        str(user.pk),
        pkey=permission_key((), False, False),
        is_staff=False,
        is_superuser=False,
        now=int(time.time()) - 15,
    )
    assert call(anonymous(), FN_SECURE, HTTP_X_MIZAN_TOKEN=token).status_code == 401
    settings.MIZAN_MWT_LEEWAY = 30
    assert call(anonymous(), FN_SECURE, HTTP_X_MIZAN_TOKEN=token).status_code == 200


def test_mwt7_logging_never_contains_the_token(
    session: MizanClient, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """MWT-7: a warning when a token arrives without a secret, debug on a decode failure;
    the token text appears in neither."""
    token = obtain_mwt(session)
    with caplog.at_level(logging.DEBUG, logger="mizan.tokens"):
        call(anonymous(), FN_SECURE, HTTP_X_MIZAN_TOKEN=token[:-3])
        settings.MIZAN_MWT_SECRET = None
        call(anonymous(), FN_SECURE, HTTP_X_MIZAN_TOKEN=token)
    levels = [(record.levelname, record.name) for record in caplog.records if record.name == "mizan.tokens"]
    assert levels == [("DEBUG", "mizan.tokens"), ("WARNING", "mizan.tokens")]
    assert token[:-3] not in caplog.text and token.split(".")[1] not in caplog.text


def test_ckey6_mwt_identity_shares_the_users_cache_entries(session: MizanClient, user: Any, settings: Any) -> None:
    """CKEY-6: `user_id` is the pk whatever authenticated it, so the session's cached
    bundle is a HIT for the same user's MWT and a MISS for another user's."""
    cache.reset_cache()
    settings.MIZAN_CACHE_SECRET = CACHE_SECRET
    settings.MIZAN_CACHE_REDIS_URL = "memory://"
    try:
        token = obtain_mwt(session)
        first = session.ctx("identity_cached")
        assert (first.status_code, first["X-Mizan-Cache"]) == (200, "MISS")
        second = anonymous().get("/api/mizan/ctx/identity_cached/", HTTP_X_MIZAN_TOKEN=token)
        assert (second["X-Mizan-Cache"], second.content) == ("HIT", first.content)
        other = mint_mwt(MWTConfig(secret=SECRET), "999", pkey="0" * 64, is_staff=False, is_superuser=False)
        third = anonymous().get("/api/mizan/ctx/identity_cached/", HTTP_X_MIZAN_TOKEN=other)
        assert third["X-Mizan-Cache"] == "MISS"
        assert json.loads(third.content) == {"identity_cached": identity("MWTUser", 999)}
    finally:
        cache.reset_cache()


# --- JWT-1..5 ---------------------------------------------------------------------------


@pytest.mark.capability("Session-bound JWT", "django")
def test_jwt2_obtain_returns_a_session_bound_pair(session: MizanClient, user: Any) -> None:
    """JWT-2/JWT-3: the pair's shape, claims and lifetimes; `sid` is the session key."""
    pair = obtain_pair(session)
    assert sorted(pair) == ["access_token", "expires_in", "refresh_token"] and pair["expires_in"] == 900
    access = jwt.decode(pair["access_token"], JWT_SECRET, algorithms=["HS256"])
    refresh = jwt.decode(pair["refresh_token"], JWT_SECRET, algorithms=["HS256"])
    assert (access["typ"], refresh["typ"]) == ("access", "refresh")
    assert access["sid"] == refresh["sid"] == session.django.session.session_key
    assert access["sub"] == str(user.pk)
    assert access["exp"] - access["iat"] == 900 and refresh["exp"] - refresh["iat"] == 604_800


@pytest.mark.capability("Session-bound JWT", "django")
def test_jwt1_access_token_authenticates_without_csrf(session: MizanClient, user: Any) -> None:
    """JWT-1/JWT-4/AUTH-6: a bearer access token is the user (pk and flags only), no CSRF."""
    access = obtain_pair(session)["access_token"]
    assert_result(call(anonymous(), FN_SECURE, HTTP_AUTHORIZATION=f"Bearer {access}"), identity("JWTUser", user.pk))
    ctx = anonymous().get("/api/mizan/ctx/identity/", HTTP_AUTHORIZATION=f"bearer {access}")
    assert_json(ctx, 200, canonical({"identity_ctx": identity("JWTUser", user.pk)}))


@pytest.mark.capability("Session-bound JWT", "django")
def test_jwt2_refresh_issues_a_new_pair_with_current_flags(session: MizanClient, user: Any, mizan: MizanClient) -> None:
    """JWT-2: `jwt_refresh(refresh_token)` → new pair; the user is read again, so a
    promotion shows up in the new access token. The refresh call carries no token identity,
    so like any session-path POST it sends the CSRF token from `/session/` (AUTH-6)."""
    pair = obtain_pair(session)
    assert call(anonymous(), "staff_only", HTTP_AUTHORIZATION=f"Bearer {pair['access_token']}").status_code == 403
    user.is_staff = True
    user.save()
    response = mizan.call("jwt_refresh", {"refresh_token": pair["refresh_token"]})
    fresh = json.loads(response.content)["result"]
    assert sorted(fresh) == ["access_token", "expires_in", "refresh_token"]
    assert_result(call(anonymous(), "staff_only", HTTP_AUTHORIZATION=f"Bearer {fresh['access_token']}"), "staff")


@pytest.mark.capability("Session-bound JWT", "django")
def test_jwt2_refresh_refuses_garbage_access_tokens_and_inactive_users(
    session: MizanClient, user: Any, mizan: MizanClient
) -> None:
    """JWT-3: only a refresh token of a live session and an active user is refreshed."""
    pair = obtain_pair(session)
    for token in ("garbage", pair["access_token"]):
        response = mizan.call("jwt_refresh", {"refresh_token": token})
        assert_error(response, 401, "UNAUTHORIZED", "Invalid or expired JWT token")
    user.is_active = False
    user.save()
    response = mizan.call("jwt_refresh", {"refresh_token": pair["refresh_token"]})
    assert_error(response, 401, "UNAUTHORIZED", "Invalid or expired JWT token")


@pytest.mark.capability("Session-bound JWT", "django")
def test_jwt2_obtain_needs_a_session_identity(session: MizanClient, mizan: MizanClient) -> None:
    """JWT-2: anonymous → 401; a token identity cannot mint a pair (DECISION) → 403."""
    assert_error(mizan.call("jwt_obtain"), 401, "UNAUTHORIZED", "Authentication required")
    access = obtain_pair(session)["access_token"]
    response = call(anonymous(), "jwt_obtain", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert_error(response, 403, "FORBIDDEN", "Permission denied")


@pytest.mark.capability("Session-bound JWT", "django")
def test_jwt5_other_authorization_schemes_are_left_alone(session: MizanClient, user: Any) -> None:
    """JWT-5: only `Bearer` is interpreted; `Basic`/`Token` keep the session identity."""
    for header in ("Basic YWxpY2U6cHc=", "Token abc123"):
        assert_result(session.call(FN_SECURE, HTTP_AUTHORIZATION=header), identity("User", user.pk))


@pytest.mark.capability("Session-bound JWT", "django")
def test_jwt5_disabled_ignores_bearer_and_hides_the_functions(
    session: MizanClient, user: Any, settings: Any, mizan: MizanClient
) -> None:
    """JWT-5: MIZAN_JWT_ENABLED = False → a foreign bearer token (DRF, ...) no longer
    401s: the session stands; jwt_obtain/jwt_refresh answer 404."""
    settings.MIZAN_JWT_ENABLED = False
    assert_result(session.call(FN_SECURE, HTTP_AUTHORIZATION="Bearer drf-token"), identity("User", user.pk))
    assert_error(session.call("jwt_obtain"), 404, "NOT_FOUND", "Function not found")
    assert_error(mizan.call("jwt_refresh", {"refresh_token": "x"}), 404, "NOT_FOUND", "Function not found")


@pytest.fixture
def empty_registry() -> Iterator[None]:
    registry.clear_registry()
    yield  # the autouse fixture restores the startup registry afterwards


@pytest.mark.usefixtures("empty_registry")
@pytest.mark.parametrize(
    ("enabled", "expected"),
    [
        (True, {"jwt_obtain": jwt_obtain, "jwt_refresh": jwt_refresh, "mwt_obtain": mwt_obtain}),
        (False, {"mwt_obtain": mwt_obtain}),
    ],
)
@pytest.mark.capability("Session-bound JWT", "django")
def test_jwt5_startup_registration_follows_the_switch(settings: Any, enabled: bool, expected: dict[str, type]) -> None:
    """MWT-6/JWT-5: the app registers mwt_obtain always and the JWT pair only when enabled
    (so the exported IR of a project without bearer tokens has no JWT functions)."""
    settings.MIZAN_JWT_ENABLED = enabled
    register_token_functions()
    assert registry.get_all_functions() == expected


def test_session_endpoint_ignores_token_headers(mizan: MizanClient) -> None:
    """DECISION: `/session/` reads no identity, so a stale token does not block the CSRF
    bootstrap."""
    response = mizan.django.get("/api/mizan/session/", HTTP_X_MIZAN_TOKEN="stale", HTTP_AUTHORIZATION="Bearer x")
    assert response.status_code == 200
    assert isinstance(json.loads(response.content)["csrfToken"], str)


def test_auth5_function_sees_token_user_and_testapp_counts_one_call(session: MizanClient, user: Any) -> None:
    """AUTH-5: the function body runs once, as the token's user."""
    testapp.CALLS.clear()
    call(anonymous(), "identity", HTTP_X_MIZAN_TOKEN=obtain_mwt(session))
    assert testapp.CALLS["identity"] == 1


@pytest.mark.capability("Session-bound JWT", "django")
def test_jwt1_logout_ends_only_that_sessions_tokens(login: Callable[..., MizanClient]) -> None:
    """JWT-1: a pair minted for one user's session is refused once that user logs out,
    while another user's session is unaffected."""
    alice, bob = login("alice2"), login("bob2")
    access = json.loads(alice.call("jwt_obtain").content)["result"]["access_token"]
    bob_access = json.loads(bob.call("jwt_obtain").content)["result"]["access_token"]
    alice.django.logout()
    assert call(anonymous(), FN_SECURE, HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 401
    assert call(anonymous(), FN_SECURE, HTTP_AUTHORIZATION=f"Bearer {bob_access}").status_code == 200
