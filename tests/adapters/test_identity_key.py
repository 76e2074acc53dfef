"""FA-3a on both adapters and both cache backends: every authenticated identity has one
stable key (`pk`, `id`, `identity`, mapping key `sub`, `username`, in that order); one
without a key is never cached and gets no MWT; nobody is ever served another identity's
entry, and an authenticated identity never the anonymous one."""

from __future__ import annotations

import logging
from typing import Any

import jwt
import pytest

from mizan import ReactContext, client
from mizan.core.auth import get_user
from tests.adapters.conftest import Adapter, Answer
from tests.adapters.identities import describe

SECRET = "identity-key-cache-secret-0123456789"
MWT_SECRET = "identity-key-mwt-secret-0123456789ab"
HEADER = "x-mizan-cache"

Me = ReactContext("fa3a_me")


@client(context=Me)
def whoami(request: Any) -> dict[str, str]:
    return {"user": describe(get_user(request))}


@pytest.fixture(params=["memory", "redis"])
def cached(request: pytest.FixtureRequest, adapter: Adapter, register: Any) -> Adapter:
    url = "memory://" if request.param == "memory" else request.getfixturevalue("redis_server").url
    adapter.configure(
        MIZAN_CACHE_SECRET=SECRET,
        MIZAN_CACHE_REDIS_URL=url,
        MIZAN_CACHE_KEY_PREFIX=f"fa3a-{adapter.name}:",
        MIZAN_MWT_SECRET=MWT_SECRET,
    )
    register(fa3a_whoami=whoami)
    return adapter


def fetch(adapter: Adapter, identity: str | None) -> Answer:
    answer = adapter.ctx("fa3a_me", identity=identity)
    assert answer.status == 200, answer.body
    return answer


def who(answer: Answer) -> str:
    user: str = answer.json()["fa3a_whoami"]["user"]
    return user


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("ann-claims", "mallory-claims"),  # a claims mapping: keyed by `sub`
        ("ann-simple", "mallory-simple"),  # Starlette's SimpleUser: `identity` raises, keyed by `username`
    ],
)
def test_fa3a_a_cached_bundle_is_never_served_to_another_user_or_to_anonymous(
    cached: Adapter, first: str, second: str
) -> None:
    ann = fetch(cached, first)
    assert ann.headers[HEADER] == "MISS"
    mallory = fetch(cached, second)
    assert (mallory.headers[HEADER], who(mallory)) == ("MISS", describe_of(second))
    anonymous = fetch(cached, None)
    assert (anonymous.headers[HEADER], who(anonymous)) == ("MISS", "anonymous")
    again = fetch(cached, first)
    assert (again.headers[HEADER], again.body) == ("HIT", ann.body)
    assert (fetch(cached, second).headers[HEADER], fetch(cached, None).headers[HEADER]) == ("HIT", "HIT")


def describe_of(identity: str) -> str:
    from tests.adapters.identities import IDENTITIES

    return describe(IDENTITIES[identity])


def test_fa3a_an_id_only_user_is_keyed_by_id(cached: Adapter) -> None:
    assert fetch(cached, "member-7").headers[HEADER] == "MISS"
    assert fetch(cached, "member-7").headers[HEADER] == "HIT"
    assert who(fetch(cached, None)) == "anonymous"


def test_fa3a_an_identity_that_says_it_is_not_authenticated_is_anonymous(cached: Adapter) -> None:
    assert fetch(cached, None).headers[HEADER] == "MISS"
    answer = fetch(cached, "anonymous-claims")
    assert (answer.headers[HEADER], who(answer)) == ("HIT", "anonymous")


def test_fa3a_an_authenticated_identity_without_a_key_is_never_cached(
    cached: Adapter, caplog: pytest.LogCaptureFixture
) -> None:
    fetch(cached, None)  # an anonymous entry exists: it must not be served to them
    with caplog.at_level(logging.WARNING, logger="mizan.cache"):
        one = fetch(cached, "keyless-1")
    assert (HEADER in one.headers, who(one)) == (False, "keyless:one")
    warnings = [r for r in caplog.records if r.name == "mizan.cache" and "no identity key" in r.getMessage()]
    assert len(warnings) == 1
    two = fetch(cached, "keyless-2")
    assert (HEADER in two.headers, who(two)) == (False, "keyless:two")
    assert who(fetch(cached, "keyless-1")) == "keyless:one"
    assert fetch(cached, None).headers[HEADER] == "HIT"


def mwt_claims(answer: Answer) -> dict[str, Any]:
    assert answer.status == 200, answer.body
    token = answer.json()["result"]["token"]
    claims: dict[str, Any] = jwt.decode(token, MWT_SECRET, algorithms=["HS256"], audience="mizan")
    return claims


@pytest.mark.parametrize(
    ("identity", "subject"),
    [("ann-claims", "ann"), ("mallory-simple", "mallory"), ("member-7", "7")],
)
def test_fa3a_mwt_obtain_signs_the_identity_key(cached: Adapter, identity: str, subject: str) -> None:
    assert mwt_claims(cached.call("mwt_obtain", identity=identity))["sub"] == subject


def test_fa3a_mwt_obtain_refuses_an_identity_without_a_key(cached: Adapter, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="mizan.tokens"):
        answer = cached.call("mwt_obtain", identity="keyless-1")
    assert (answer.status, answer.body) == (
        500,
        b'{"error":{"code":"INTERNAL_ERROR","message":"Internal server error"}}',
    )
    assert answer.headers["cache-control"] == "no-store"
    assert len([r for r in caplog.records if "mwt_obtain refused" in r.getMessage()]) == 1


def test_fa3a_a_token_identity_shares_the_key_of_the_identity_it_was_issued_to(cached: Adapter) -> None:
    native = fetch(cached, "member-7")
    token = cached.call("mwt_obtain", identity="member-7").json()["result"]["token"]
    by_token = cached.request("GET", "/api/mizan/ctx/fa3a_me/", headers={"X-Mizan-Token": token})
    assert (by_token.status, by_token.headers[HEADER], by_token.body) == (200, "HIT", native.body)
