"""MWT on the FastAPI adapter (MWT-1..8, AUTH-4, AUTH-5, CKEY-6; mirrors the MWT half of
tests/django/test_tokens.py): the core's verifier behind `X-Mizan-Token`, `mwt_obtain`
for application users, no fallback to `request.state.user` on a bad token."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import jwt
import pytest

import mizan_fastapi
from mizan.core.tokens import MWTConfig, mint_mwt, permission_key
from tests.fastapi import functions
from tests.fastapi.conftest import MizanClient, assert_error, assert_json, assert_result, canonical

SECRET = "mwt-secret-for-the-fastapi-tests-0123456789"
OLD_SECRET = "mwt-previous-secret-for-fastapi-0123456789"
CACHE_SECRET = "cache-secret-for-the-fastapi-tests-0123456"
MWT = "x-mizan-token"


@pytest.fixture(autouse=True)
def _mwt_secret() -> None:
    mizan_fastapi.configure(mwt_secret=SECRET)


def token_for(pk: str = "1", *, staff: bool = False, superuser: bool = False, **config: Any) -> str:
    return mint_mwt(
        MWTConfig(secret=SECRET, **config),
        pk,
        pkey=permission_key((), staff, superuser),
        is_staff=staff,
        is_superuser=superuser,
    )


def obtain(client: MizanClient) -> str:
    response = client.call("mwt_obtain")
    assert response.status_code == 200, response.content
    token: str = json.loads(response.content)["result"]["token"]
    return token


def identity(kind: str, pk: Any, staff: bool = False, superuser: bool = False) -> dict[str, Any]:
    return {"kind": kind, "pk": pk, "staff": staff, "superuser": superuser}


# --- MWT-6: mwt_obtain for application users ------------------------------------------------


def test_mwt6_obtain_for_an_application_user(as_user: Any) -> None:
    """MWT-6/FA-3: the token of a `request.state.user` with `id` and flags only: `sub` is
    its id, the flags are claims, `pkey` per MWT-3 with no permissions."""
    before = int(time.time())
    response = as_user("staff").call("mwt_obtain")
    result = json.loads(response.content)["result"]
    assert response.status_code == 200 and sorted(result) == ["expires_in", "token"]
    assert result["expires_in"] == 300
    assert jwt.get_unverified_header(result["token"]) == {"alg": "HS256", "kid": "default", "typ": "JWT"}
    claims = jwt.decode(result["token"], SECRET, algorithms=["HS256"], audience="mizan")
    assert (claims["sub"], claims["is_staff"], claims["is_superuser"]) == ("3", True, False)
    assert claims["pkey"] == permission_key((), True, False)
    assert claims["nbf"] == claims["iat"] and claims["exp"] == claims["iat"] + 300
    assert before <= claims["iat"] <= int(time.time())


def test_mwt6_obtain_for_a_mapping_user(as_user: Any) -> None:
    """FA-3: decoded claims put in `request.state.user` as a dict are read by key."""
    claims = jwt.decode(obtain(as_user("claims")), SECRET, algorithms=["HS256"], audience="mizan")
    assert (claims["sub"], claims["is_staff"]) == ("8", True)


def test_mwt6_obtain_follows_ttl_audience_and_kid_settings(as_user: Any) -> None:
    mizan_fastapi.configure(mwt_secret=SECRET, mwt_ttl=60, mwt_audience="tenant-a", mwt_kid="k2")
    token = obtain(as_user("alice"))
    assert jwt.get_unverified_header(token)["kid"] == "k2"
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="tenant-a")
    assert claims["exp"] - claims["iat"] == 60


def test_mwt6_obtain_needs_an_authenticated_user(api: MizanClient) -> None:
    assert_error(api.call("mwt_obtain"), 401, "UNAUTHORIZED", "Authentication required")
    assert_error(api.as_user("ghost").call("mwt_obtain"), 401, "UNAUTHORIZED", "Authentication required")


def test_mwt6_obtain_without_a_secret_is_internal_error(as_user: Any, caplog: pytest.LogCaptureFixture) -> None:
    mizan_fastapi.configure()
    with caplog.at_level(logging.ERROR, logger="mizan.tokens"):
        assert_error(as_user("alice").call("mwt_obtain"), 500, "INTERNAL_ERROR", "Internal server error")
    assert "MIZAN_MWT_SECRET is not configured" in caplog.text


def test_mwt6_obtain_refuses_an_identity_that_came_from_a_token(api: MizanClient, as_user: Any) -> None:
    token = obtain(as_user("alice"))
    assert_error(api.call("mwt_obtain", headers={MWT: token}), 403, "FORBIDDEN", "Permission denied")


# --- AUTH-4/5: MWT use ---------------------------------------------------------------------------


def test_auth5_mwt_replaces_the_application_user(api: MizanClient, as_user: Any) -> None:
    """AUTH-5: with a valid token, functions see an MWTUser whatever the app's user is."""
    token = obtain(as_user("staff"))
    assert_result(api.call("identity_secure", headers={MWT: token}), identity("MWTUser", 3, staff=True))
    assert_result(as_user("bob").call("identity", headers={MWT: token}), identity("MWTUser", 3, staff=True))


def test_auth4_mwt_authenticates_context_fetch_and_route(api: MizanClient) -> None:
    token = token_for("42")
    response = api.ctx("identity", headers={MWT: token})
    assert_json(response, 200, canonical({"identity_ctx": identity("MWTUser", 42)}))
    route = api.request("POST", "/tokens/identity/", headers={MWT: token})
    assert (route.status_code, route.content) == (200, canonical({"result": identity("MWTUser", 42)}))


def test_mwt5_non_numeric_subjects_stay_strings(api: MizanClient) -> None:
    """MWT-5: `pk` is `int(sub)` only when all digits; FastAPI checks no user model."""
    assert_result(api.call("identity", headers={MWT: token_for("user-7")}), identity("MWTUser", "user-7"))


@pytest.mark.parametrize(
    ("flags", "fn", "status"),
    [
        ({"staff": True}, "staff_only", 200),
        ({"superuser": True}, "superuser_only", 200),
        ({}, "staff_only", 403),
        ({"staff": True}, "superuser_only", 403),
    ],
)
def test_mwt5_guards_use_the_claims(api: MizanClient, flags: dict[str, bool], fn: str, status: int) -> None:
    assert api.call(fn, headers={MWT: token_for("9", **flags)}).status_code == status


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "",
        "a.b.c",
        "x" * 9000,
        "__expired__",
        "__wrong_secret__",
        "__wrong_audience__",
        "__unknown_kid__",
        "__alg_none__",
    ],
)
@pytest.mark.parametrize("user", [None, "root"])
def test_auth4_bad_token_is_401_with_no_fallback(api: MizanClient, token: str, user: str | None) -> None:
    """AUTH-4/MWT-4: a present but invalid token is 401, even when the application's own
    user would have passed the guard, and the function never runs."""
    now = int(time.time())
    bad = {
        "__expired__": mint_mwt(
            MWTConfig(secret=SECRET, ttl=10), "1", pkey="0" * 64, is_staff=False, is_superuser=False, now=now - 60
        ),
        "__wrong_secret__": mint_mwt(
            MWTConfig(secret=OLD_SECRET), "1", pkey="0" * 64, is_staff=False, is_superuser=False
        ),
        "__wrong_audience__": token_for("1", audience="other"),
        "__unknown_kid__": token_for("1", kid="nope"),
        "__alg_none__": jwt.encode(
            {"sub": "1", "pkey": "0" * 64, "aud": "mizan", "exp": now + 60, "nbf": now}, None, algorithm="none"
        ),
    }.get(token, token)
    client = api.as_user(user)
    assert_error(client.call("identity", headers={MWT: bad}), 401, "UNAUTHORIZED", "Invalid or expired MWT")
    assert_error(client.ctx("identity", headers={MWT: bad}), 401, "UNAUTHORIZED", "Invalid or expired MWT")
    route = client.request("POST", "/tokens/identity/", headers={MWT: bad})
    assert_error(route, 401, "UNAUTHORIZED", "Invalid or expired MWT")
    assert functions.CALLS["identity"] == 0


def test_mwt4_token_without_a_configured_secret_is_401(api: MizanClient, caplog: pytest.LogCaptureFixture) -> None:
    """MWT-4/MWT-7: no secret means no token can be verified: 401, and a warning."""
    token = token_for("1")
    mizan_fastapi.configure()
    with caplog.at_level(logging.WARNING, logger="mizan.tokens"):
        assert_error(api.call("identity", headers={MWT: token}), 401, "UNAUTHORIZED", "Invalid or expired MWT")
    assert "MIZAN_MWT_SECRET is not configured" in caplog.text
    assert token not in caplog.text


def test_mwt4_rotation_keeps_tokens_of_the_previous_kid(api: MizanClient, as_user: Any) -> None:
    token = obtain(as_user("alice"))
    mizan_fastapi.configure(mwt_secret=OLD_SECRET, mwt_kid="2026-11", mwt_previous_secrets={"default": SECRET})
    assert_result(api.call("identity_secure", headers={MWT: token}), identity("MWTUser", 1))
    fresh = obtain(as_user("alice"))
    assert jwt.get_unverified_header(fresh)["kid"] == "2026-11"
    mizan_fastapi.configure(mwt_secret=OLD_SECRET, mwt_kid="2026-11")
    assert api.call("identity_secure", headers={MWT: token}).status_code == 401
    assert api.call("identity_secure", headers={MWT: fresh}).status_code == 200


def test_mwt4_leeway_accepts_slightly_expired_tokens(api: MizanClient) -> None:
    token = mint_mwt(
        MWTConfig(secret=SECRET, ttl=10),
        "1",
        pkey="0" * 64,
        is_staff=False,
        is_superuser=False,
        now=int(time.time()) - 15,
    )
    assert api.call("identity_secure", headers={MWT: token}).status_code == 401
    mizan_fastapi.configure(mwt_secret=SECRET, mwt_leeway=30)
    assert api.call("identity_secure", headers={MWT: token}).status_code == 200


def test_jwt5_authorization_header_is_not_interpreted(as_user: Any) -> None:
    """JWT-5: FastAPI never reads `Authorization`; the application's user stands."""
    response = as_user("alice").call("identity_secure", headers={"authorization": "Bearer whatever"})
    assert_result(response, identity("User", 1))


def test_session_endpoint_ignores_token_headers(api: MizanClient) -> None:
    response = api.request("GET", "/api/mizan/session/", headers={MWT: "stale"})
    assert_json(response, 200, b'{"csrfToken":null}')


def test_ckey6_mwt_identity_shares_the_users_cache_entries(api: MizanClient, as_user: Any) -> None:
    """CKEY-6: the cache key's user is the pk whatever authenticated it: the application
    user's cached bundle is a HIT for the same user's MWT and a MISS for another."""
    mizan_fastapi.configure(mwt_secret=SECRET, cache_secret=CACHE_SECRET, cache_redis_url="memory://")
    alice = as_user("alice")
    token = obtain(alice)
    first = alice.ctx("identity_cached")
    assert (first.status_code, first.headers["x-mizan-cache"]) == (200, "MISS")
    second = api.ctx("identity_cached", headers={MWT: token})
    assert (second.headers["x-mizan-cache"], second.content) == ("HIT", first.content)
    third = api.ctx("identity_cached", headers={MWT: token_for("999")})
    assert third.headers["x-mizan-cache"] == "MISS"
    assert json.loads(third.content) == {"identity_cached": identity("MWTUser", 999)}
