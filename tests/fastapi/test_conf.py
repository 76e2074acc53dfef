"""`mizan_fastapi.configure()` and the `MIZAN_*` environment (SET-1, SEC-1, SEC-2, FA-7)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import mizan_fastapi
from mizan.core import cache
from mizan.core.errors import ConfigError
from mizan.core.tokens import mwt_config
from mizan_fastapi import InsecureSecretWarning, configure, get_settings
from mizan_fastapi.conf import reset_settings

CACHE = "cache-secret-of-at-least-32-bytes-0123"
MWT = "mwt-secret-of-at-least-32-bytes-012345"


def test_set1_defaults() -> None:
    """§5.5 defaults; JWT is off on FastAPI (JWT-5); the body limit is 2,621,440 (ERR-8)."""
    settings = get_settings()
    assert settings.max_body_bytes == 2_621_440 and settings.max_depth == 64
    assert (settings.cache.secret, settings.cache.url, settings.cache.default_ttl) == (None, None, 86_400)
    assert (settings.cache.key_prefix, settings.cache.socket_timeout) == ("mizan:", 1.0)
    assert (settings.cache.pool_size, settings.cache.failure_cooldown) == (8, 1.0)
    assert (settings.mwt.secret, settings.mwt.ttl, settings.mwt.audience, settings.mwt.kid) == (
        None,
        300,
        "mizan",
        "default",
    )
    assert dict(settings.mwt.previous_secrets) == {} and settings.mwt.leeway == 0
    assert settings.jwt.enabled is False


def test_set1_keywords_reach_the_core() -> None:
    """Each keyword is the Django setting name lower-cased without `MIZAN_`; the cache and
    the MWT settings `mwt_obtain` signs with are installed."""
    settings = configure(
        max_body_bytes=10,
        cache_secret=CACHE,
        cache_redis_url="memory://",
        cache_default_ttl=60,
        cache_key_prefix="app:",
        cache_socket_timeout=0.5,
        mwt_secret=MWT,
        mwt_ttl=30,
        mwt_audience="tenant",
        mwt_kid="k1",
        mwt_previous_secrets={"k0": "an-old-mwt-secret-of-32-bytes-012345"},
        mwt_leeway=2,
    )
    assert get_settings() is settings and settings.max_body_bytes == 10
    assert settings.cache.default_ttl == 60 and settings.cache.key_prefix == "app:"
    assert mwt_config() == settings.mwt and settings.mwt.kid == "k1" and settings.mwt.leeway == 2.0
    assert isinstance(settings.mwt.previous_secrets, MappingProxyType)
    assert cache.get_cache() is not None and cache.active_secret() == CACHE


def test_cbe3_pool_and_breaker_settings_reach_the_redis_backend(
    redis_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cache_pool_size` and `cache_failure_cooldown`, as keywords or from the environment."""
    configure(cache_secret=CACHE, cache_redis_url=redis_server.url, cache_pool_size=3, cache_failure_cooldown=0.25)
    backend: Any = cache.get_cache()
    assert (backend.pool_size, backend.failure_cooldown, backend.socket_timeout) == (3, 0.25, 1.0)
    monkeypatch.setenv("MIZAN_CACHE_POOL_SIZE", " 5 ")
    monkeypatch.setenv("MIZAN_CACHE_FAILURE_COOLDOWN", "0")
    settings = configure(cache_secret=CACHE, cache_redis_url=redis_server.url)
    assert (settings.cache.pool_size, settings.cache.failure_cooldown) == (5, 0.0)
    backend = cache.get_cache()
    assert (backend.pool_size, backend.failure_cooldown) == (5, 0.0)


def test_set1_environment_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings not given fall back to `MIZAN_*` variables; empty means unset."""
    monkeypatch.setenv("MIZAN_MAX_BODY_BYTES", "123")
    monkeypatch.setenv("MIZAN_MWT_SECRET", MWT)
    monkeypatch.setenv("MIZAN_MWT_TTL", " 45 ")
    monkeypatch.setenv("MIZAN_MWT_LEEWAY", "1.5")
    monkeypatch.setenv("MIZAN_MWT_PREVIOUS_SECRETS", '{"old": "an-old-mwt-secret-of-32-bytes-012345"}')
    monkeypatch.setenv("MIZAN_CACHE_SECRET", "")
    reset_settings()
    settings = get_settings()
    assert (settings.max_body_bytes, settings.mwt.secret, settings.mwt.ttl, settings.mwt.leeway) == (123, MWT, 45, 1.5)
    assert dict(settings.mwt.previous_secrets) == {"old": "an-old-mwt-secret-of-32-bytes-012345"}
    assert settings.cache.secret is None
    # A keyword wins over the environment, and None unsets (no body limit).
    assert configure(max_body_bytes=None, mwt_ttl=10).max_body_bytes is None
    assert get_settings().mwt.ttl == 10 and get_settings().mwt.secret == MWT


def test_set1_each_call_replaces_the_configuration() -> None:
    configure(mwt_secret=MWT, mwt_ttl=10)
    assert configure(cache_key_prefix="x:").mwt.secret is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mwt_secret": MWT, "cache_secret": MWT}, "same value"),
        ({"mwt_previous_secrets": {"old": CACHE}, "cache_secret": CACHE}, "same value"),
        ({"unknown": 1}, "unknown setting 'unknown'"),
        ({"jwt_secret": "x"}, "Django-only"),
        ({"apps_root": "apps"}, "no discovery"),
        ({"mwt_ttl": "soon"}, "mwt_ttl must be an integer"),
        ({"mwt_ttl": True}, "non-negative integer"),
        ({"mwt_ttl": -1}, "non-negative integer"),
        ({"mwt_ttl": None}, "non-negative integer"),
        ({"cache_socket_timeout": "fast"}, "must be a number"),
        ({"cache_socket_timeout": float("nan")}, "non-negative number"),
        ({"cache_pool_size": 0}, "cache_pool_size must be an integer from 1 to 1024, not 0"),
        ({"cache_pool_size": 1025}, "from 1 to 1024"),
        ({"cache_pool_size": "many"}, "cache_pool_size must be an integer"),
        ({"cache_pool_size": 2.5}, "non-negative integer"),
        ({"cache_failure_cooldown": -1}, "cache_failure_cooldown must be a non-negative number"),
        ({"cache_failure_cooldown": "soon"}, "must be a number"),
        ({"mwt_secret": 5}, "must be a string"),
        ({"mwt_previous_secrets": {"k": 1}}, "map key ids to secrets"),
        ({"mwt_previous_secrets": "[1]"}, "map key ids to secrets"),
        ({"mwt_previous_secrets": "{"}, "JSON object"),
    ],
)
def test_set1_bad_configuration_is_a_config_error(kwargs: dict[str, object], message: str) -> None:
    """SEC-1: equal secrets across purposes refuse to configure; wrong names and types too."""
    before = get_settings()
    with pytest.raises(ConfigError, match=message):
        configure(**kwargs)
    assert get_settings() is before  # nothing half-applied


def test_sec1_rotation_may_reuse_the_mwt_purpose() -> None:
    """SEC-1 is about purposes: a previous MWT secret equal to the current one is allowed."""
    assert configure(mwt_secret=MWT, mwt_previous_secrets={"old": MWT}).mwt.secret == MWT


def test_sec2_short_secrets_warn() -> None:
    with pytest.warns(InsecureSecretWarning, match="MIZAN_MWT_SECRET is shorter than 32 bytes"):
        configure(mwt_secret="short")


def test_sec1_shared_secrets_in_the_environment_stop_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """SEC-1 for environment-only configuration: the application refuses to start."""
    monkeypatch.setenv("MIZAN_MWT_SECRET", MWT)
    monkeypatch.setenv("MIZAN_CACHE_SECRET", MWT)
    reset_settings()
    app = FastAPI()
    app.include_router(mizan_fastapi.router, prefix="/api/mizan")
    with pytest.raises(ConfigError, match="same value"), TestClient(app):
        pass


def test_set1_invalid_environment_fails_the_request_with_the_envelope(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a start-up (no lifespan run), a bad environment is the 500 envelope, logged."""
    monkeypatch.setenv("MIZAN_MWT_TTL", "soon")
    reset_settings()
    app = FastAPI()
    app.include_router(mizan_fastapi.router, prefix="/api/mizan")
    response = TestClient(app).post("/api/mizan/call/", content=b'{"fn":"echo","args":{"text":"x"}}')
    assert (response.status_code, response.content) == (
        500,
        b'{"error":{"code":"INTERNAL_ERROR","message":"Internal server error"}}',
    )
