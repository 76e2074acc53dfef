"""Unit tests of mizan.core.tokens: MWT (PROTOCOL §5.3) and session-bound JWT (§5.4)."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from types import ModuleType
from typing import Any

import jwt
import pytest

from mizan.core import tokens
from mizan.core.errors import Unauthorized
from mizan.core.tokens import InvalidToken, JWTConfig, JWTUser, MWTConfig, MWTUser

SECRET = "mwt-unit-test-secret-of-at-least-32-bytes"
OLD_SECRET = "mwt-unit-test-retired-secret-of-32-bytes!"
JWT_SECRET = "jwt-unit-test-secret-of-at-least-32-bytes"
PKEY = "0123456789abcdef" * 4
PERMS = ["blog.change_post", "auth.view_user", "blog.add_post", "blog.add_post", "café.voir"]
# MWT-3 pinned vector: permission_key(PERMS, is_staff=True, is_superuser=False).
PINNED_PKEY = "0d782284eb5f54434c13c1bcde3e7d5314f80a58dbda04c45afd25b4672c9455"
HEX64 = re.compile(r"[0-9a-f]{64}")


def reference_pkey(perms: list[str], staff: bool, su: bool) -> str:
    """MWT-3 computed independently of Mizan: SHA-256 of json.dumps in canonical form."""
    canonical = json.dumps(
        {"perms": sorted(set(perms)), "staff": staff, "su": su},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def mwt(config: MWTConfig, sub: str = "42", *, now: int | None = None, **flags: bool) -> str:
    return tokens.mint_mwt(
        config,
        sub,
        pkey=PKEY,
        is_staff=flags.get("is_staff", False),
        is_superuser=flags.get("is_superuser", False),
        now=now,
    )


def unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    return header, claims


@pytest.fixture
def cfg() -> MWTConfig:
    return MWTConfig(secret=SECRET)


@pytest.fixture
def jcfg() -> JWTConfig:
    return JWTConfig(secret=JWT_SECRET)


# --- MWT-3: permission key ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("perms", "staff", "su"),
    [
        ([], False, False),
        (PERMS, True, False),
        (["z.b", "a.c", "m.x"], False, True),
        (["ünïcödé.权限", "a"], True, True),
    ],
)
def test_permission_key_matches_reference(perms: list[str], staff: bool, su: bool) -> None:
    """MWT-3: pkey is SHA-256 hex of the canonical JSON of {perms (sorted, unique), staff, su}."""
    assert tokens.permission_key(perms, staff, su) == reference_pkey(perms, staff, su)


def test_permission_key_pinned_vector() -> None:
    """MWT-3: one fixed input gives a fixed digest (guards against silent format changes)."""
    assert tokens.permission_key(PERMS, True, False) == PINNED_PKEY


def test_permission_key_per_backend(backend: ModuleType) -> None:
    """MWT-3: both encode_json backends (C and twin) produce the canonical bytes."""
    state = {"perms": sorted(set(PERMS)), "staff": True, "su": False}
    assert hashlib.sha256(bytes(backend.encode_json(state, None))).hexdigest() == PINNED_PKEY


def test_permission_key_ignores_order_and_duplicates() -> None:
    """MWT-3: deterministic for equal permission states (order, duplicates, iterable kind)."""
    expected = tokens.permission_key(["a.x", "b.y", "c.z"], False, False)
    assert tokens.permission_key(["c.z", "a.x", "b.y", "a.x"], False, False) == expected
    assert tokens.permission_key(iter({"b.y", "c.z", "a.x"}), False, False) == expected
    assert tokens.permission_key(("b.y", "c.z", "a.x", "c.z"), False, False) == expected


def test_permission_key_differs_by_state() -> None:
    """MWT-3: staff, superuser and permission set each change the digest."""
    keys = {
        tokens.permission_key(["a.x"], False, False),
        tokens.permission_key(["a.x"], True, False),
        tokens.permission_key(["a.x"], False, True),
        tokens.permission_key(["a.x"], True, True),
        tokens.permission_key([], False, False),
        tokens.permission_key(["a.x", "a.y"], False, False),
    }
    assert len(keys) == 6
    # Truthy non-bool flags are read as booleans.
    assert tokens.permission_key(["a.x"], 1, 0) == tokens.permission_key(["a.x"], True, False)  # type: ignore[arg-type]


def test_permission_key_is_64_lower_hex() -> None:
    """MWT-3: the digest is 64 lower-case hex characters."""
    for state in ((PERMS, True, True), ([], False, False), (["X.Y"], False, True)):
        assert HEX64.fullmatch(tokens.permission_key(*state))


def test_user_permission_key_reads_framework_user() -> None:
    """MWT-3: user_permission_key uses get_all_permissions() and the flags of the user."""

    class User:
        is_staff = True
        is_superuser = False

        def get_all_permissions(self) -> set[str]:
            return set(PERMS)

    class Bare:
        pass

    assert tokens.user_permission_key(User()) == PINNED_PKEY
    assert tokens.user_permission_key(Bare()) == reference_pkey([], False, False)


# --- MWT-1 / MWT-2: minting ---------------------------------------------------------------


def test_mint_header_is_exact() -> None:
    """MWT-1: the JOSE header is exactly {"alg": "HS256", "typ": "JWT", "kid": <kid>}."""
    token = mwt(MWTConfig(secret=SECRET, kid="k-2024"), now=1_700_000_000)
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT", "kid": "k-2024"}


def test_mint_claims_are_exact() -> None:
    """MWT-2: claims are exactly sub/pkey/aud/iat/nbf/exp/is_staff/is_superuser, nbf = iat, exp = iat + ttl."""
    config = MWTConfig(secret=SECRET, ttl=123, audience="tenant-a")
    token = tokens.mint_mwt(config, "42", pkey=PKEY, is_staff=True, is_superuser=False, now=1_700_000_000)
    _, claims = unverified(token)
    assert claims == {
        "sub": "42",
        "pkey": PKEY,
        "aud": "tenant-a",
        "iat": 1_700_000_000,
        "nbf": 1_700_000_000,
        "exp": 1_700_000_123,
        "is_staff": True,
        "is_superuser": False,
    }


def test_mint_defaults_to_current_time(cfg: MWTConfig) -> None:
    """MWT-2: without now=, iat is the current time and exp = iat + ttl (default 300)."""
    before = int(time.time())
    _, claims = unverified(mwt(cfg))
    after = int(time.time())
    assert before <= claims["iat"] <= after
    assert claims["nbf"] == claims["iat"]
    assert claims["exp"] == claims["iat"] + 300


def test_mint_is_signed_with_hs256_secret(cfg: MWTConfig) -> None:
    """MWT-1: the signature verifies with plain PyJWT, HS256 and the configured secret."""
    claims = jwt.decode(mwt(cfg, "7"), SECRET, algorithms=["HS256"], audience="mizan")
    assert claims["sub"] == "7"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(mwt(cfg, "7"), OLD_SECRET, algorithms=["HS256"], audience="mizan")


def test_mint_mwt_for_user() -> None:
    """MWT-2/MWT-3: mint_mwt_for signs the given subject and the user's flags and permission key."""

    class User:
        pk = 9
        is_staff = True
        is_superuser = False

        def get_all_permissions(self) -> set[str]:
            return set(PERMS)

    _, claims = unverified(tokens.mint_mwt_for(MWTConfig(secret=SECRET), User(), subject="9", now=1_700_000_000))
    assert (claims["sub"], claims["pkey"], claims["is_staff"], claims["is_superuser"]) == (
        "9",
        PINNED_PKEY,
        True,
        False,
    )


def test_mint_without_secret_raises() -> None:
    """MWT-4/JWT-3: minting without a configured secret raises InvalidToken."""
    with pytest.raises(InvalidToken, match="MIZAN_MWT_SECRET"):
        mwt(MWTConfig())
    with pytest.raises(InvalidToken, match="JWT secret"):
        tokens.mint_jwt_pair(JWTConfig(), "1", "s", is_staff=False, is_superuser=False)


# --- MWT-4 / MWT-5: verification ------------------------------------------------------------


def test_verify_round_trip_int_pk(cfg: MWTConfig) -> None:
    """MWT-5: an all-digit sub gives an int pk; flags and pkey come from the claims."""
    user = tokens.verify_mwt(cfg, mwt(cfg, "42", is_staff=True, is_superuser=True))
    assert type(user) is MWTUser
    assert user.pk == 42 and type(user.pk) is int
    assert user.id == 42
    assert (user.is_staff, user.is_superuser, user.pkey) == (True, True, PKEY)
    assert user.is_authenticated is True
    assert user.is_anonymous is False
    assert user == MWTUser(42, is_staff=True, is_superuser=True, pkey=PKEY)


def test_verify_round_trip_string_pk(cfg: MWTConfig) -> None:
    """MWT-5: a sub that is not all digits stays a string pk."""
    sub = "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"
    user = tokens.verify_mwt(cfg, mwt(cfg, sub, is_staff=False, is_superuser=False))
    assert user.pk == sub and type(user.pk) is str
    assert (user.is_staff, user.is_superuser) == (False, False)
    # Non-ASCII digits are not "all digits" (int() would accept them).
    assert tokens.verify_mwt(cfg, mwt(cfg, "٤٢")).pk == "٤٢"


def test_verify_accepts_retired_kid_only_while_listed() -> None:
    """MWT-4: a token under a previous kid verifies while that kid is in previous_secrets."""
    old = MWTConfig(secret=OLD_SECRET, kid="old")
    token = mwt(old, "5")
    rotated = MWTConfig(secret=SECRET, kid="new", previous_secrets={"old": OLD_SECRET})
    assert tokens.verify_mwt(rotated, token).pk == 5
    with pytest.raises(InvalidToken):
        tokens.verify_mwt(MWTConfig(secret=SECRET, kid="new"), token)
    # The retired kid must be paired with its own secret.
    with pytest.raises(InvalidToken):
        tokens.verify_mwt(MWTConfig(secret=SECRET, kid="new", previous_secrets={"old": SECRET}), token)


def test_verify_refuses_unknown_or_missing_kid(cfg: MWTConfig) -> None:
    """MWT-4: the header kid must equal the configured kid (same secret or not)."""
    with pytest.raises(InvalidToken, match="kid"):
        tokens.verify_mwt(cfg, mwt(MWTConfig(secret=SECRET, kid="other")))
    no_kid = jwt.encode(unverified(mwt(cfg))[1], SECRET, algorithm="HS256")
    with pytest.raises(InvalidToken, match="kid"):
        tokens.verify_mwt(cfg, no_kid)


def test_verify_leeway(cfg: MWTConfig) -> None:
    """MWT-4: a token expired 5 s ago passes with leeway 10 and fails with leeway 0."""
    token = mwt(cfg, now=int(time.time()) - cfg.ttl - 5)
    assert tokens.verify_mwt(MWTConfig(secret=SECRET, leeway=10), token).pk == 42
    with pytest.raises(InvalidToken, match="ExpiredSignatureError"):
        tokens.verify_mwt(MWTConfig(secret=SECRET, leeway=0), token)


def test_verify_refuses_not_yet_valid(cfg: MWTConfig) -> None:
    """MWT-4: a token whose nbf is in the future (beyond leeway) is refused."""
    token = mwt(cfg, now=int(time.time()) + 60)
    with pytest.raises(InvalidToken, match="ImmatureSignatureError"):
        tokens.verify_mwt(cfg, token)
    with pytest.raises(InvalidToken, match="ImmatureSignatureError"):
        tokens.verify_mwt(MWTConfig(secret=SECRET, leeway=10), token)


def test_verify_refuses_wrong_audience(cfg: MWTConfig) -> None:
    """MWT-4: aud must equal the configured audience exactly."""
    token = mwt(MWTConfig(secret=SECRET, audience="tenant-b"))
    with pytest.raises(InvalidToken, match="InvalidAudienceError"):
        tokens.verify_mwt(cfg, token)
    assert tokens.verify_mwt(MWTConfig(secret=SECRET, audience="tenant-b"), token).pk == 42


def test_verify_refuses_wrong_secret(cfg: MWTConfig) -> None:
    """MWT-4: the signature must verify with MIZAN_MWT_SECRET."""
    with pytest.raises(InvalidToken, match="InvalidSignatureError"):
        tokens.verify_mwt(cfg, mwt(MWTConfig(secret=OLD_SECRET)))


@pytest.mark.parametrize("alg", ["HS384", "HS512", "none"])
def test_verify_refuses_other_algorithms(cfg: MWTConfig, alg: str) -> None:
    """MWT-4: only HS256 is accepted; none and other HMAC algorithms are refused."""
    claims = unverified(mwt(cfg))[1]
    cfg = MWTConfig(secret=SECRET * 2)
    key = None if alg == "none" else SECRET * 2  # PyJWT warns below 64 bytes for HS384/HS512
    token = jwt.encode(claims, key, algorithm=alg, headers={"kid": "default"})
    # Refused by Mizan's header check or by PyJWT's algorithms=["HS256"], whichever runs first.
    with pytest.raises(InvalidToken, match="HS256|InvalidAlgorithmError"):
        tokens.verify_mwt(cfg, token)


@pytest.mark.parametrize("claim", ["exp", "nbf", "aud", "sub", "pkey"])
def test_verify_requires_claims(cfg: MWTConfig, claim: str) -> None:
    """MWT-4: exp, nbf, aud, sub and pkey are required."""
    claims = unverified(mwt(cfg))[1]
    del claims[claim]
    token = jwt.encode(claims, SECRET, algorithm="HS256", headers={"kid": "default"})
    with pytest.raises(InvalidToken):
        tokens.verify_mwt(cfg, token)


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("pkey", PKEY.upper()),
        ("pkey", PKEY[:-1]),
        ("pkey", 7),
        ("sub", ""),
        ("sub", " 42"),
        ("sub", "4\n2"),
        ("sub", 42),
        ("is_staff", "true"),
        ("is_superuser", 1),
        ("aud", ["mizan"]),
    ],
)
def test_verify_refuses_malformed_claims(cfg: MWTConfig, claim: str, value: object) -> None:
    """MWT-2/MWT-4: a correctly signed token whose claims have the wrong shape is refused."""
    claims = {**unverified(mwt(cfg))[1], claim: value}
    token = jwt.encode(claims, SECRET, algorithm="HS256", headers={"kid": "default"})
    with pytest.raises(InvalidToken):
        tokens.verify_mwt(cfg, token)


@pytest.mark.parametrize("extra", [{"crit": ["exp"]}, {"b64": False}, {"typ": "at+jwt"}])
def test_verify_refuses_header_extensions(cfg: MWTConfig, extra: dict[str, Any]) -> None:
    """MWT-4: header parameters Mizan does not understand (crit, b64, other typ) are refused."""
    header = {"alg": "HS256", "kid": "default", **extra}
    token = jwt.encode(unverified(mwt(cfg))[1], SECRET, algorithm="HS256", headers=header)
    with pytest.raises(InvalidToken):
        tokens.verify_mwt(cfg, token)


def test_verify_refuses_oversized_and_non_ascii(cfg: MWTConfig) -> None:
    """MWT-4: tokens over 8 KB or with non-ASCII characters are refused before decoding."""
    with pytest.raises(InvalidToken, match="8 KB"):
        tokens.verify_mwt(cfg, "a" * (tokens.MAX_TOKEN_BYTES + 1))
    with pytest.raises(InvalidToken, match="ASCII"):
        tokens.verify_mwt(cfg, mwt(cfg) + "é")


def test_verify_without_secret_raises(cfg: MWTConfig) -> None:
    """MWT-4: with no secret configured every token is refused."""
    with pytest.raises(InvalidToken, match="MIZAN_MWT_SECRET"):
        tokens.verify_mwt(MWTConfig(), mwt(cfg))


def test_check_subject_failure_refuses(cfg: MWTConfig) -> None:
    """MWT-4: an adapter subject check that raises refuses the token; one that passes is used."""
    seen: list[str] = []

    def reject(sub: str) -> None:
        seen.append(sub)
        raise ValueError("not a primary key")

    with pytest.raises(InvalidToken, match="primary key"):
        tokens.verify_mwt(cfg, mwt(cfg, "abc"), check_subject=reject)
    assert seen == ["abc"]
    assert tokens.verify_mwt(cfg, mwt(cfg, "abc"), check_subject=seen.append).pk == "abc"
    assert seen == ["abc", "abc"]


def test_verify_huge_digit_subject_raises_invalid_token_only(cfg: MWTConfig) -> None:
    """MWT-5: an all-digit sub beyond int()'s 4300-digit limit is refused, not a ValueError
    (subjects are capped at 255 characters, the longest primary key text accepted)."""
    with pytest.raises(InvalidToken, match="longer than 255"):
        tokens.verify_mwt(cfg, mwt(cfg, "1" * 4301))
    assert tokens.verify_mwt(cfg, mwt(cfg, "7" * 255)).pk == int("7" * 255)


@pytest.mark.parametrize(
    ("claim", "value"),
    [("exp", "9999999999"), ("exp", " 9999999999 "), ("nbf", "1000"), ("nbf", True), ("iat", "1000")],
)
def test_verify_refuses_non_numeric_dates(cfg: MWTConfig, claim: str, value: object) -> None:
    """MWT-4: exp and nbf must be JSON numbers (RFC 7519 NumericDate)."""
    claims = {**unverified(mwt(cfg))[1], claim: value}
    token = jwt.encode(claims, SECRET, algorithm="HS256", headers={"kid": "default"})
    with pytest.raises(InvalidToken):
        tokens.verify_mwt(cfg, token)


# --- authenticate_mwt and logging (AUTH-4, MWT-7) -------------------------------------------


def test_authenticate_absent_header(cfg: MWTConfig) -> None:
    """MWT-4: no X-Mizan-Token header means no MWT identity (None), not an error."""
    assert tokens.authenticate_mwt(None, cfg) is None
    assert tokens.authenticate_mwt(None, MWTConfig()) is None


def test_authenticate_valid(cfg: MWTConfig) -> None:
    """MWT-5: a valid token yields its MWTUser."""
    assert tokens.authenticate_mwt(mwt(cfg, "8", is_staff=True), cfg) == MWTUser(
        8, is_staff=True, is_superuser=False, pkey=PKEY
    )


def test_authenticate_invalid_is_unauthorized(cfg: MWTConfig, caplog: pytest.LogCaptureFixture) -> None:
    """MWT-4/MWT-7: an invalid token is 401 "Invalid or expired MWT", logged at DEBUG without the token."""
    bad = mwt(MWTConfig(secret=OLD_SECRET), "secret-subject-42")
    for token in ("x", bad):
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger="mizan.tokens"):
            with pytest.raises(Unauthorized) as info:
                tokens.authenticate_mwt(token, cfg)
        assert info.value.message == "Invalid or expired MWT"
        assert str(info.value) == "Invalid or expired MWT"
        assert info.value.status == 401
        records = [r for r in caplog.records if r.name == "mizan.tokens"]
        assert [r.levelno for r in records] == [logging.DEBUG]
        assert records[0].getMessage().startswith("MWT refused: ")
        for record in records:
            assert token not in record.getMessage()
            assert "secret-subject-42" not in record.getMessage()
        assert token not in caplog.text


def test_authenticate_check_subject_failure(cfg: MWTConfig) -> None:
    """MWT-4: a failing subject check makes authenticate_mwt answer 401."""

    def reject(sub: str) -> None:
        raise LookupError(sub)

    with pytest.raises(Unauthorized, match="Invalid or expired MWT"):
        tokens.authenticate_mwt(mwt(cfg), cfg, check_subject=reject)


def test_authenticate_without_secret_warns(cfg: MWTConfig, caplog: pytest.LogCaptureFixture) -> None:
    """MWT-7: a token arriving with no secret configured is 401 and a WARNING that omits the token."""
    token = mwt(cfg, "warned-subject")
    with caplog.at_level(logging.DEBUG, logger="mizan.tokens"):
        with pytest.raises(Unauthorized) as info:
            tokens.authenticate_mwt(token, MWTConfig())
    assert info.value.message == "Invalid or expired MWT"
    records = [r for r in caplog.records if r.name == "mizan.tokens"]
    assert [r.levelno for r in records] == [logging.WARNING]
    assert "MIZAN_MWT_SECRET" in records[0].getMessage()
    assert token not in caplog.text
    assert token.split(".")[2] not in caplog.text


# --- JWT-3 ------------------------------------------------------------------------------------


def test_jwt_pair_shape_and_claims(jcfg: JWTConfig) -> None:
    """JWT-2/JWT-3: the pair's shape, typ/sid/sub/iat/exp claims and lifetimes."""
    config = JWTConfig(secret=JWT_SECRET, access_ttl=60, refresh_ttl=3600)
    pair = tokens.mint_jwt_pair(config, "17", "sess-abc", is_staff=True, is_superuser=False, now=1_700_000_000)
    assert set(pair) == {"access_token", "refresh_token", "expires_in"}
    assert pair["expires_in"] == 60
    base = {"sub": "17", "sid": "sess-abc", "iat": 1_700_000_000, "is_staff": True, "is_superuser": False}
    header, access = unverified(pair["access_token"])
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert access == {**base, "typ": "access", "exp": 1_700_000_060}
    assert unverified(pair["refresh_token"])[1] == {**base, "typ": "refresh", "exp": 1_700_003_600}


def test_jwt_default_lifetimes(jcfg: JWTConfig) -> None:
    """JWT-3: default access lifetime 900 s, refresh 604 800 s."""
    pair = tokens.mint_jwt_pair(jcfg, "1", "s", is_staff=False, is_superuser=False, now=1_000)
    assert pair["expires_in"] == 900
    assert unverified(pair["access_token"])[1]["exp"] == 1_900
    assert unverified(pair["refresh_token"])[1]["exp"] == 605_800


def test_jwt_round_trip(jcfg: JWTConfig) -> None:
    """JWT-3/JWT-4: each token verifies as its own kind, with pk, flags and the bound session."""
    pair = tokens.mint_jwt_pair(jcfg, "17", "sess-abc", is_staff=False, is_superuser=True)
    access = tokens.verify_jwt(jcfg, pair["access_token"], "access")
    assert access == JWTUser(17, is_staff=False, is_superuser=True, session_key="sess-abc")
    assert type(access.pk) is int
    assert access.is_authenticated is True and access.is_anonymous is False
    refresh = tokens.verify_jwt(jcfg, pair["refresh_token"], "refresh")
    assert refresh.session_key == "sess-abc"


def test_jwt_kinds_are_not_interchangeable(jcfg: JWTConfig) -> None:
    """JWT-3: a refresh token is not accepted as an access token, nor the reverse."""
    pair = tokens.mint_jwt_pair(jcfg, "17", "sess-abc", is_staff=False, is_superuser=False)
    with pytest.raises(InvalidToken, match="typ is not 'access'"):
        tokens.verify_jwt(jcfg, pair["refresh_token"], "access")
    with pytest.raises(InvalidToken, match="typ is not 'refresh'"):
        tokens.verify_jwt(jcfg, pair["access_token"], "refresh")


def test_jwt_other_secret_refuses(jcfg: JWTConfig) -> None:
    """JWT-3: a JWT signed with a different secret is refused; no secret refuses everything."""
    pair = tokens.mint_jwt_pair(JWTConfig(secret=SECRET), "17", "s", is_staff=False, is_superuser=False)
    with pytest.raises(InvalidToken, match="InvalidSignatureError"):
        tokens.verify_jwt(jcfg, pair["access_token"], "access")
    with pytest.raises(InvalidToken, match="not configured"):
        tokens.verify_jwt(JWTConfig(), pair["access_token"], "access")


def test_jwt_expired_refuses(jcfg: JWTConfig) -> None:
    """JWT-3: an access token past iat + access_ttl is refused."""
    pair = tokens.mint_jwt_pair(jcfg, "17", "s", is_staff=False, is_superuser=False, now=int(time.time()) - 901)
    with pytest.raises(InvalidToken, match="ExpiredSignatureError"):
        tokens.verify_jwt(jcfg, pair["access_token"], "access")
    assert tokens.verify_jwt(jcfg, pair["refresh_token"], "refresh").pk == 17


@pytest.mark.parametrize("claim", ["sub", "sid", "typ", "iat", "exp"])
def test_jwt_requires_claims(jcfg: JWTConfig, claim: str) -> None:
    """JWT-3: sub, sid, typ, iat and exp are required."""
    pair = tokens.mint_jwt_pair(jcfg, "17", "s", is_staff=False, is_superuser=False)
    claims = unverified(pair["access_token"])[1]
    del claims[claim]
    with pytest.raises(InvalidToken):
        tokens.verify_jwt(jcfg, jwt.encode(claims, JWT_SECRET, algorithm="HS256"), "access")


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("sid", ""),
        ("sid", 5),
        ("sub", ""),
        ("sub", " 17"),
        ("is_staff", "yes"),
        ("is_superuser", None),
        ("typ", "ACCESS"),
    ],
)
def test_jwt_refuses_malformed_claims(jcfg: JWTConfig, claim: str, value: object) -> None:
    """JWT-3: a correctly signed access token whose claims have the wrong shape is refused."""
    pair = tokens.mint_jwt_pair(jcfg, "17", "s", is_staff=False, is_superuser=False)
    claims = {**unverified(pair["access_token"])[1], claim: value}
    with pytest.raises(InvalidToken):
        tokens.verify_jwt(jcfg, jwt.encode(claims, JWT_SECRET, algorithm="HS256"), "access")


def test_mwt_and_jwt_are_not_interchangeable(cfg: MWTConfig) -> None:
    """MWT-4/JWT-3: with one shared secret, an MWT is no JWT and a JWT is no MWT."""
    shared = JWTConfig(secret=SECRET)
    pair = tokens.mint_jwt_pair(shared, "42", "s", is_staff=False, is_superuser=False)
    with pytest.raises(InvalidToken):
        tokens.verify_mwt(cfg, pair["access_token"])
    with pytest.raises(InvalidToken):
        tokens.verify_jwt(shared, mwt(cfg), "access")
