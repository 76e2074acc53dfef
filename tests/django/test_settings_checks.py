"""System checks for the cache and secret settings (CACHE-1, SEC-1, SEC-2)."""

from __future__ import annotations

from django.test import override_settings

from mizan.checks import check_cache

LONG = "x" * 40


def _ids() -> list[str]:
    return sorted(message.id for message in check_cache(None) if message.id)


def test_no_cache_settings_no_messages() -> None:
    assert _ids() == []


@override_settings(MIZAN_CACHE_SECRET=LONG)
def test_cache1_half_configured_warns() -> None:
    messages = check_cache(None)
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
