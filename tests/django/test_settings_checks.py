"""System checks for the cache and secret settings (CACHE-1, SEC-1, SEC-2)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from mizan.checks import check_settings

LONG = "x" * 40
OTHER = "y" * 40
THIRD = "z" * 40


def _ids() -> list[str]:
    return sorted(message.id for message in check_settings(None) if message.id)


def test_no_cache_settings_no_messages() -> None:
    assert _ids() == []


@override_settings(MIZAN_CACHE_SECRET=LONG)
def test_cache1_half_configured_warns() -> None:
    messages = check_settings(None)
    assert [m.id for m in messages] == ["mizan.W001"]
    assert "MIZAN_CACHE_REDIS_URL" in messages[0].msg


@override_settings(MIZAN_CACHE_SECRET="short", MIZAN_CACHE_REDIS_URL="memory://")
def test_sec2_short_secret_warns() -> None:
    assert _ids() == ["mizan.W002"]


@override_settings(MIZAN_CACHE_SECRET=LONG, MIZAN_CACHE_REDIS_URL="memory://", MIZAN_MWT_SECRET=LONG)
def test_sec1_shared_secret_is_an_error() -> None:
    assert _ids() == ["mizan.E002"]


@override_settings(MIZAN_CACHE_SECRET="mizan-tests-not-secret-0123456789abcdef", MIZAN_CACHE_REDIS_URL="memory://")
def test_sec1_cache_secret_equal_to_the_jwt_default_secret_key() -> None:
    """JWT-3: the JWT secret defaults to SECRET_KEY, so reusing SECRET_KEY is refused."""
    assert _ids() == ["mizan.E002"]


def _messages() -> list[tuple[str, str]]:
    return sorted((message.id or "", message.msg) for message in check_settings(None))


@override_settings(MIZAN_MWT_SECRET=LONG, MIZAN_JWT_SECRET=LONG)
def test_sec1_mwt_secret_equal_to_jwt_secret() -> None:
    """SEC-1: MWT and JWT keys must differ (one would forge the other's tokens)."""
    assert _messages() == [("mizan.E002", "MIZAN_MWT_SECRET and MIZAN_JWT_SECRET are the same value")]


@override_settings(
    MIZAN_CACHE_SECRET=LONG,
    MIZAN_CACHE_REDIS_URL="memory://",
    MIZAN_MWT_SECRET=OTHER,
    MIZAN_MWT_PREVIOUS_SECRETS={"k1": LONG},
)
def test_sec1_previous_mwt_secret_equal_to_the_cache_secret() -> None:
    """SEC-1: a verification-only MWT key is still an MWT key."""
    assert _messages() == [("mizan.E002", "MIZAN_CACHE_SECRET and MIZAN_MWT_PREVIOUS_SECRETS['k1'] are the same value")]


@override_settings(MIZAN_MWT_SECRET=LONG, MIZAN_MWT_PREVIOUS_SECRETS={"k1": LONG}, MIZAN_JWT_SECRET=OTHER)
def test_sec1_same_purpose_repeats_are_not_an_error() -> None:
    """SEC-1 is about purposes: listing the current MWT key as a previous one is harmless."""
    assert _messages() == []


@override_settings(MIZAN_JWT_SECRET=THIRD, MIZAN_CACHE_SECRET="mizan-tests-not-secret-0123456789abcdef")
def test_sec1_explicit_jwt_secret_frees_secret_key() -> None:
    """JWT-3: with MIZAN_JWT_SECRET set, SECRET_KEY is not a token key any more (the cache
    may use it — though it should not)."""
    assert [message.id for message in check_settings(None) if message.id == "mizan.E002"] == []


@override_settings(MIZAN_MWT_SECRET="short-mwt", MIZAN_MWT_PREVIOUS_SECRETS={"old": "short-old"})
def test_sec2_short_token_secrets_warn() -> None:
    """SEC-2: every configured secret shorter than 32 bytes warns, naming it."""
    assert _messages() == [
        ("mizan.W002", "MIZAN_MWT_PREVIOUS_SECRETS['old'] is shorter than 32 bytes"),
        ("mizan.W002", "MIZAN_MWT_SECRET is shorter than 32 bytes"),
    ]


@pytest.mark.parametrize(("enabled", "expected"), [(True, ["mizan.W002"]), (False, [])])
def test_sec2_short_secret_key_warns_only_while_it_signs_jwts(enabled: bool, expected: list[str]) -> None:
    """SEC-2/JWT-3: SECRET_KEY is the JWT key by default; with JWT off it is none of ours."""
    with override_settings(SECRET_KEY="short-django-secret", MIZAN_JWT_ENABLED=enabled):
        assert _ids() == expected


@override_settings(MIZAN_MWT_SECRET=LONG, MIZAN_JWT_SECRET=LONG)
def test_sec1_equal_secrets_stop_manage_py_check() -> None:
    """SEC-1: the adapter refuses to start: `manage.py check` fails with mizan.E002."""
    with pytest.raises(SystemCheckError, match="mizan.E002"):
        call_command("check", tags=["mizan"])
