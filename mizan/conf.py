"""Django settings -> the core's frozen `MizanSettings` (PROTOCOL §5.5, SET-1).

Read at call time and rebuilt when a setting changes (tests use override_settings).
"""

from __future__ import annotations

from types import MappingProxyType

from django.conf import settings as django_settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from mizan.core.cache import CacheConfig
from mizan.core.settings import DEFAULT_MAX_UPLOAD_BYTES, MAX_DEPTH, MizanSettings, WSLimits, install
from mizan.core.tokens import JWTConfig, MWTConfig

_cached: MizanSettings | None = None


def get_settings() -> MizanSettings:
    """The current settings; the body limit is Django's DATA_UPLOAD_MAX_MEMORY_SIZE (ERR-8),
    the file count DATA_UPLOAD_MAX_NUMBER_FILES (UPL-4)."""
    global _cached
    if _cached is None:
        _cached = MizanSettings(
            max_body_bytes=django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
            max_depth=MAX_DEPTH,
            max_upload_bytes=getattr(django_settings, "MIZAN_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES),
            max_upload_files=django_settings.DATA_UPLOAD_MAX_NUMBER_FILES,
            upload_spool_bytes=django_settings.FILE_UPLOAD_MAX_MEMORY_SIZE,
            apps_root=getattr(django_settings, "MIZAN_APPS_ROOT", "apps"),
            cache=cache_config(),
            mwt=mwt_config(),
            jwt=jwt_config(),
            ws=ws_limits(),
        )
        install(_cached)
    return _cached


def ws_limits() -> WSLimits:
    """CHAN-7: `MIZAN_WS_MAX_FRAME_BYTES`, `MIZAN_WS_MAX_IN_FLIGHT`,
    `MIZAN_WS_MAX_SUBSCRIPTIONS`, `MIZAN_WS_SEND_QUEUE`; each defaults to WSLimits'."""
    default = WSLimits()
    return WSLimits(
        max_frame_bytes=getattr(django_settings, "MIZAN_WS_MAX_FRAME_BYTES", default.max_frame_bytes),
        max_in_flight=getattr(django_settings, "MIZAN_WS_MAX_IN_FLIGHT", default.max_in_flight),
        max_subscriptions=getattr(django_settings, "MIZAN_WS_MAX_SUBSCRIPTIONS", default.max_subscriptions),
        send_queue=getattr(django_settings, "MIZAN_WS_SEND_QUEUE", default.send_queue),
    )


def configure_from_settings() -> None:
    """Configure the origin cache and the MWT settings from Django's settings now (at
    start-up, and on first use of a public cache function after a reset)."""
    install(get_settings())


def cache_config() -> CacheConfig:
    """The MIZAN_CACHE_* settings (CACHE-1, CACHE-7, GAP-18, CBE-3)."""
    return CacheConfig(
        secret=getattr(django_settings, "MIZAN_CACHE_SECRET", None),
        url=getattr(django_settings, "MIZAN_CACHE_REDIS_URL", None),
        default_ttl=getattr(django_settings, "MIZAN_CACHE_DEFAULT_TTL", 86_400),
        key_prefix=getattr(django_settings, "MIZAN_CACHE_KEY_PREFIX", "mizan:"),
        socket_timeout=getattr(django_settings, "MIZAN_CACHE_SOCKET_TIMEOUT", 1.0),
        pool_size=getattr(django_settings, "MIZAN_CACHE_POOL_SIZE", 8),
        failure_cooldown=getattr(django_settings, "MIZAN_CACHE_FAILURE_COOLDOWN", 1.0),
    )


def mwt_config() -> MWTConfig:
    """The MIZAN_MWT_* settings (MWT-1..4, GAP-26, GAP-66)."""
    previous = getattr(django_settings, "MIZAN_MWT_PREVIOUS_SECRETS", None) or {}
    return MWTConfig(
        secret=getattr(django_settings, "MIZAN_MWT_SECRET", None),
        ttl=getattr(django_settings, "MIZAN_MWT_TTL", 300),
        audience=getattr(django_settings, "MIZAN_MWT_AUDIENCE", "mizan"),
        kid=getattr(django_settings, "MIZAN_MWT_KID", "default"),
        previous_secrets=MappingProxyType(dict(previous)),
        leeway=getattr(django_settings, "MIZAN_MWT_LEEWAY", 0),
    )


def jwt_config() -> JWTConfig:
    """The MIZAN_JWT_* settings; the secret defaults to SECRET_KEY (JWT-3, JWT-5). A PEM
    private key in MIZAN_JWT_SECRET selects a key pair; the keys are parsed on first use,
    never here, so a wrong key is a check error and a refused token, not a failed request."""
    return JWTConfig(
        enabled=getattr(django_settings, "MIZAN_JWT_ENABLED", True),
        secret=getattr(django_settings, "MIZAN_JWT_SECRET", None) or django_settings.SECRET_KEY,
        access_ttl=getattr(django_settings, "MIZAN_JWT_ACCESS_TTL", 900),
        refresh_ttl=getattr(django_settings, "MIZAN_JWT_REFRESH_TTL", 604_800),
        algorithm=getattr(django_settings, "MIZAN_JWT_ALGORITHM", None),
        public_key=getattr(django_settings, "MIZAN_JWT_PUBLIC_KEY", None),
    )


@receiver(setting_changed)
def _reset(setting: str, **kwargs: object) -> None:
    global _cached
    if setting.startswith("MIZAN_") or setting in ("DATA_UPLOAD_MAX_MEMORY_SIZE", "SECRET_KEY"):
        _cached = None
