"""FastAPI settings: `configure(**settings)` and `MIZAN_*` environment variables -> the
core's frozen `MizanSettings` (PROTOCOL SET-1, SEC-1, SEC-2, GAP-71).

FastAPI has no settings module, so the keyword names are the Django setting names
lower-cased without the `MIZAN_` prefix, and each one not given falls back to the
environment variable of the Django name, then to the default of PROTOCOL §5.5.
"""

from __future__ import annotations

import json
import os
import threading
import warnings
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final

from mizan.core.cache import CacheConfig
from mizan.core.errors import ConfigError
from mizan.core.settings import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_UPLOAD_BYTES,
    DEFAULT_MAX_UPLOAD_FILES,
    DEFAULT_UPLOAD_SPOOL_BYTES,
    MAX_DEPTH,
    MizanSettings,
    WSLimits,
    install,
)
from mizan.core.ssr.config import (
    DEFAULT_TIMEOUT,
    SSRConfig,
    default_command,
    default_workers,
    parse_command,
    parse_dirs,
    parse_timeout,
    parse_workers,
)
from mizan.core.tokens import JWTConfig, MWTConfig

MIN_SECRET_BYTES: Final = 32
# The largest connection pool RedisCache takes (MZ_POOL_MAX_SIZE in src/mz_pool.h).
MAX_POOL_SIZE: Final = 1024
ENV_PREFIX: Final = "MIZAN_"


class InsecureSecretWarning(UserWarning):
    """A configured secret is shorter than 32 bytes (SEC-2): a warning, not an error."""


def _text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{name} must be a string, not {type(value).__name__}")
    return value


def _optional_text(value: object, name: str) -> str | None:
    return None if value is None else _text(value, name)


def _integer(value: object, name: str) -> int:
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise ConfigError(f"{name} must be an integer, not {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{name} must be a non-negative integer, not {value!r}")
    return value


def _pool_size(value: object, name: str) -> int:
    number = _integer(value, name)
    if not 1 <= number <= MAX_POOL_SIZE:
        raise ConfigError(f"{name} must be an integer from 1 to {MAX_POOL_SIZE}, not {number}")
    return number


def _optional_integer(value: object, name: str) -> int | None:
    return None if value is None else _integer(value, name)


def _number(value: object, name: str) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ConfigError(f"{name} must be a number, not {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < float("inf"):
        raise ConfigError(f"{name} must be a non-negative number, not {value!r}")
    return float(value)


def _secrets_map(value: object, name: str) -> Mapping[str, str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ConfigError(f"{name} must be a JSON object {{kid: secret}}") from None
    if value is None:
        return MappingProxyType({})
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ConfigError(f"{name} must map key ids to secrets (strings)")
    return MappingProxyType(dict(value))


# Every setting the FastAPI adapter reads: keyword name -> (parser, default). The names
# are those of PROTOCOL §5.5 (and ERR-8's MIZAN_MAX_BODY_BYTES) that apply to FastAPI.
_SETTINGS: Final[dict[str, tuple[Callable[[object, str], Any], Any]]] = {
    "max_body_bytes": (_optional_integer, DEFAULT_MAX_BODY_BYTES),
    "max_upload_bytes": (_integer, DEFAULT_MAX_UPLOAD_BYTES),
    "max_upload_files": (_optional_integer, DEFAULT_MAX_UPLOAD_FILES),
    "upload_spool_bytes": (_integer, DEFAULT_UPLOAD_SPOOL_BYTES),
    "cache_secret": (_optional_text, None),
    "cache_redis_url": (_optional_text, None),
    "cache_default_ttl": (_integer, 86_400),
    "cache_key_prefix": (_text, "mizan:"),
    "cache_socket_timeout": (_number, 1.0),
    "cache_pool_size": (_pool_size, 8),
    "cache_failure_cooldown": (_number, 1.0),
    "mwt_secret": (_optional_text, None),
    "mwt_ttl": (_integer, 300),
    "mwt_audience": (_text, "mizan"),
    "mwt_kid": (_text, "default"),
    "mwt_previous_secrets": (_secrets_map, None),
    "mwt_leeway": (_number, 0.0),
    "ws_max_frame_bytes": (_integer, WSLimits.max_frame_bytes),
    "ws_max_in_flight": (_integer, WSLimits.max_in_flight),
    "ws_max_subscriptions": (_integer, WSLimits.max_subscriptions),
    "ws_send_queue": (_integer, WSLimits.send_queue),
    "broadcast_url": (_optional_text, None),
    # SSR-11: the worker pool of mizan_fastapi.ssr.render
    "ssr_command": (parse_command, default_command()),
    "ssr_timeout": (parse_timeout, DEFAULT_TIMEOUT),
    "ssr_workers": (parse_workers, default_workers()),
    "ssr_dirs": (parse_dirs, ()),
}
SETTING_NAMES: Final = tuple(_SETTINGS)
# Django-only settings, refused by name so a copied Django configuration fails loudly.
_DJANGO_ONLY: Final = {
    "jwt_enabled": "bearer JWTs are session-bound and Django-only (JWT-5)",
    "jwt_secret": "bearer JWTs are session-bound and Django-only (JWT-5)",
    "jwt_access_ttl": "bearer JWTs are session-bound and Django-only (JWT-5)",
    "jwt_refresh_ttl": "bearer JWTs are session-bound and Django-only (JWT-5)",
    "apps_root": "FastAPI registration is explicit; there is no discovery (FA-5)",
}

_lock = threading.Lock()
_settings: MizanSettings | None = None


def _read(name: str, given: Mapping[str, object]) -> Any:
    """The keyword if given, else the environment variable (empty means unset), else the default."""
    parse, default = _SETTINGS[name]
    if name in given:
        return parse(given[name], name)
    label = ENV_PREFIX + name.upper()
    raw = os.environ.get(label, "")
    return parse(raw, label) if raw != "" else parse(default, name)


def _check_secrets(values: Mapping[str, Any]) -> None:
    """SEC-1: one secret never serves two purposes (cache keys vs MWT signing); SEC-2: warn
    about any shorter than 32 bytes."""
    found: list[tuple[str, str, str]] = []
    if values["cache_secret"]:
        found.append(("cache", "MIZAN_CACHE_SECRET", values["cache_secret"]))
    if values["mwt_secret"]:
        found.append(("mwt", "MIZAN_MWT_SECRET", values["mwt_secret"]))
    for kid, secret in sorted(values["mwt_previous_secrets"].items()):
        if secret:
            found.append(("mwt", f"MIZAN_MWT_PREVIOUS_SECRETS[{kid!r}]", secret))
    for index, (purpose, label, value) in enumerate(found):
        for other_purpose, other_label, other_value in found[index + 1 :]:
            if purpose != other_purpose and value == other_value:
                raise ConfigError(
                    f"{label} and {other_label} are the same value: use separate secrets, "
                    "a leaked cache key must not forge tokens (SEC-1)"
                )
    for _, label, value in found:
        if len(value.encode("utf-8")) < MIN_SECRET_BYTES:
            warnings.warn(f"{label} is shorter than 32 bytes (SEC-2)", InsecureSecretWarning, stacklevel=4)


def _build(given: Mapping[str, object]) -> MizanSettings:
    for name in given:
        if name in _DJANGO_ONLY:
            raise ConfigError(f"mizan_fastapi.configure(): {name!r} does not apply: {_DJANGO_ONLY[name]}")
        if name not in _SETTINGS:
            raise ConfigError(f"mizan_fastapi.configure(): unknown setting {name!r}; known: {', '.join(SETTING_NAMES)}")
    values = {name: _read(name, given) for name in _SETTINGS}
    _check_secrets(values)
    return MizanSettings(
        max_body_bytes=values["max_body_bytes"],
        max_depth=MAX_DEPTH,
        max_upload_bytes=values["max_upload_bytes"],
        max_upload_files=values["max_upload_files"],
        upload_spool_bytes=values["upload_spool_bytes"],
        cache=CacheConfig(
            secret=values["cache_secret"],
            url=values["cache_redis_url"],
            default_ttl=values["cache_default_ttl"],
            key_prefix=values["cache_key_prefix"],
            socket_timeout=values["cache_socket_timeout"],
            pool_size=values["cache_pool_size"],
            failure_cooldown=values["cache_failure_cooldown"],
        ),
        mwt=MWTConfig(
            secret=values["mwt_secret"],
            ttl=values["mwt_ttl"],
            audience=values["mwt_audience"],
            kid=values["mwt_kid"],
            previous_secrets=values["mwt_previous_secrets"],
            leeway=values["mwt_leeway"],
        ),
        # FastAPI never interprets `Authorization: Bearer` (JWT-5).
        jwt=JWTConfig(enabled=False),
        ws=WSLimits(
            max_frame_bytes=values["ws_max_frame_bytes"],
            max_in_flight=values["ws_max_in_flight"],
            max_subscriptions=values["ws_max_subscriptions"],
            send_queue=values["ws_send_queue"],
        ),
        broadcast_url=values["broadcast_url"],
        ssr=SSRConfig(
            command=values["ssr_command"],
            timeout=values["ssr_timeout"],
            workers=values["ssr_workers"],
            dirs=values["ssr_dirs"],
        ),
    )


def _install(settings: MizanSettings) -> MizanSettings:
    """Hand the settings to the core's process-wide parts: the origin cache and the MWT
    settings `mwt_obtain` signs with."""
    global _settings
    install(settings)
    _settings = settings
    return settings


def configure(**settings: object) -> MizanSettings:
    """Configure Mizan for this FastAPI process (SET-1).

    Each call replaces the whole configuration: settings not given fall back to their
    `MIZAN_*` environment variable, then to the default. Call it before serving requests.

    Args:
        **settings: `max_body_bytes`, `max_upload_bytes`, `max_upload_files`,
            `upload_spool_bytes`, `cache_secret`, `cache_redis_url`,
            `cache_default_ttl`, `cache_key_prefix`, `cache_socket_timeout`,
            `cache_pool_size`, `cache_failure_cooldown`, `mwt_secret`, `mwt_ttl`,
            `mwt_audience`, `mwt_kid`, `mwt_previous_secrets`, `mwt_leeway`,
            `ws_max_frame_bytes`, `ws_max_in_flight`, `ws_max_subscriptions`,
            `ws_send_queue` (the WebSocket bounds), `broadcast_url` (a Redis URL: channel
            pushes and pushed invalidations reach the sockets of every process),
            `ssr_command` (the SSR worker's argv: a list, or one shell-quoted string),
            `ssr_timeout` (seconds, default 5), `ssr_workers` (the pool size, default
            min(4, CPU count)), `ssr_dirs` (where `ssr.render` looks up component files;
            in the environment, joined by `os.pathsep`).

    Returns:
        The settings now in force.

    Raises:
        ConfigError: an unknown or Django-only name, a value of the wrong type, or two
            purposes sharing one secret (SEC-1).
    """
    with _lock:
        return _install(_build(settings))


def get_settings() -> MizanSettings:
    """The settings in force; read from the environment on first use when `configure()`
    was never called.

    Raises:
        ConfigError: the environment holds an invalid value or shared secrets (SEC-1).
    """
    current = _settings
    if current is not None:
        return current
    with _lock:
        return _settings if _settings is not None else _install(_build({}))


def broadcast_url() -> str | None:
    """The broadcast URL in force, read without installing anything: pushes may be made
    in a process whose settings (and origin cache) another adapter configured."""
    current = _settings
    if current is not None:
        return current.broadcast_url
    url: str | None = _read("broadcast_url", {})
    return url


def reset_settings() -> None:
    """Forget the configuration; the next request reads the environment again (tests)."""
    global _settings
    with _lock:
        _settings = None
