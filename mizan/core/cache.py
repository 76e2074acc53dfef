"""The origin cache: backend choice, keys with generation stamps, lookups, stores, purges
(PROTOCOL §6).

An entry is stored as `<stamp>\\n<body>`, where the stamp is the canonical JSON of the
generations that were current when the fetch looked the entry up: the context's
generation `gen:<context>` and one scope generation per `(param, value)` of the entry
(CPUR-4). A purge increments generations instead of hunting for keys, so it reaches every
user's variant and a fetch racing a purge can never store data that later HITs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from mizan.core import _backend, cachepolicy
from mizan.core.auth import UnkeyedIdentity
from mizan.core.errors import CacheError

logger = logging.getLogger("mizan.cache")

MEMORY_URL = "memory://"


class CacheBackend(Protocol):
    """The backend protocol (CBE-1); third-party backends implement it (CBE-4)."""

    def get(self, key: str, /) -> bytes | None: ...

    def set(self, key: str, value: bytes, /, ttl: float | None = None) -> None: ...

    def delete(self, key: str, /) -> bool: ...

    def delete_by_prefix(self, prefix: str, /) -> int: ...

    def clear(self) -> None: ...

    def incr(self, key: str, ttl: float, /) -> int: ...

    def get_many(self, keys: Sequence[str], /) -> list[bytes | None]: ...


@dataclass(frozen=True)
class CacheConfig:
    """What enables the cache (CACHE-1), how entries live (CACHE-7, GAP-18) and how the
    Redis backend behaves under load and outages (CBE-3: its pool and circuit breaker)."""

    secret: str | None = None
    url: str | None = None
    default_ttl: int = 86_400
    key_prefix: str = "mizan:"
    socket_timeout: float = 1.0
    pool_size: int = 8
    failure_cooldown: float = 1.0


class _State:
    """The process's cache: configured once, thread-safely (CACHE-1)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.backend: CacheBackend | None = None
        self.secret: str | None = None
        self.default_ttl = 86_400
        self.config: CacheConfig | None = None
        self.overridden = False
        self.configurer: Callable[[], object] | None = None


_state = _State()


def set_configurer(configurer: Callable[[], object] | None) -> None:
    """How this process reads its cache settings when nothing configured the cache yet
    (Django: its settings; FastAPI: `configure()` or the environment). Installed by the
    adapter at start-up, so a process that never serves a request (a worker, a management
    command, a signal handler) purges the same cache as the web processes."""
    _state.configurer = configurer


def get_configurer() -> Callable[[], object] | None:
    """The installed configurer (None when no adapter installed one)."""
    return _state.configurer


def _ensure_configured() -> None:
    """First use of a public cache function: read the settings if nobody did yet."""
    if _state.config is None and not _state.overridden and _state.configurer is not None:
        _state.configurer()


def _open_backend(config: CacheConfig) -> CacheBackend:
    backend: CacheBackend
    if config.url == MEMORY_URL:
        backend = _backend.MemoryCache(config.default_ttl)
    else:
        url = config.url or ""
        if not url.startswith("redis://"):
            raise ValueError(f"MIZAN_CACHE_REDIS_URL {url!r}: use redis://host:port/db or {MEMORY_URL}")
        backend = _backend.RedisCache(
            url,
            config.key_prefix,
            float(config.default_ttl),
            config.socket_timeout,
            config.pool_size,
            config.failure_cooldown,
        )
    return backend


def configure(config: CacheConfig) -> None:
    """(Re)initialise from settings, unless a backend was set with `set_cache` (CACHE-1)."""
    with _state.lock:
        if _state.overridden or config == _state.config:
            return
        _state.config = config
        _state.backend, _state.secret, _state.default_ttl = None, None, config.default_ttl
        if config.secret is None and config.url is None:
            return
        if config.secret is None or config.url is None:
            missing = "MIZAN_CACHE_SECRET" if config.secret is None else "MIZAN_CACHE_REDIS_URL"
            logger.warning("Mizan origin cache disabled: %s is not set", missing)
            return
        try:
            _state.backend = _open_backend(config)
        except Exception as exc:
            logger.warning("Mizan origin cache disabled: %s", exc)
            return
        _state.secret = config.secret


def get_cache() -> CacheBackend | None:
    """The active backend, or None when the cache is disabled (configured from the
    adapter's settings on first use)."""
    _ensure_configured()
    return _state.backend if _state.secret is not None else None


def set_cache(backend: CacheBackend | None, secret: str | None = None, default_ttl: int = 86_400) -> None:
    """Use `backend` with `secret` (tests, custom backends); None disables the cache."""
    with _state.lock:
        _state.overridden = backend is not None
        _state.backend, _state.secret, _state.default_ttl = backend, secret, default_ttl
        _state.config = None


def reset_cache() -> None:
    """Forget any backend and pending purges; the next `configure` reads the settings."""
    with _pending_lock:
        _pending.clear()
    with _state.lock:
        _state.overridden = False
        _state.backend, _state.secret, _state.config = None, None, None


def active_secret() -> str | None:
    """The HMAC secret of the active backend (None when disabled)."""
    _ensure_configured()
    return _state.secret


def default_ttl() -> int:
    """TTL of `cache=True` entries (CACHE-7)."""
    return _state.default_ttl


def clear() -> None:
    """Empty the active backend (CPUR-8); nothing when disabled."""
    backend = get_cache()
    if backend is not None:
        backend.clear()


# --- stamps (CPUR-4) --------------------------------------------------------------------


def context_generation_key(context: str) -> str:
    return f"gen:{context}"


def _generation_keys(secret: str, context: str, params: Mapping[str, Any]) -> list[str]:
    return [context_generation_key(context)] + [
        _generation_key(secret, context, name, value) for name, value in sorted(params.items())
    ]


# A generation key depends only on (secret, context, name, value), so it is remembered:
# a HIT then pays the HMAC of its entry key only, not one more per parameter. Only str and
# int values are remembered (bool is not int here, and 1 == True would share a slot);
# the table is bounded, and emptied when full.
_GENERATION_KEYS: dict[tuple[str, str, str, type, Any], str] = {}
_GENERATION_KEYS_MAX = 4096


def _generation_key(secret: str, context: str, name: str, value: Any) -> str:
    kind = type(value)
    if kind is not str and kind is not int:
        computed: str = _backend.generation_key(secret, context, name, value)
        return computed
    slot = (secret, context, name, kind, value)
    key = _GENERATION_KEYS.get(slot)
    if key is None:
        key = _backend.generation_key(secret, context, name, value)
        if len(_GENERATION_KEYS) >= _GENERATION_KEYS_MAX:
            _GENERATION_KEYS.clear()
        _GENERATION_KEYS[slot] = key
    return key


def _stamp(names: list[str], generations: Sequence[bytes | None]) -> bytes:
    """Canonical JSON `{"g": <context generation>, "s": {name: <scope generation>}}`."""
    numbers = [int(g) if g is not None else 0 for g in generations]
    stamp: bytes = _backend.encode_json({"g": numbers[0], "s": dict(zip(names, numbers[1:], strict=True))}, None)
    return stamp


class Lookup(NamedTuple):
    """One lookup's outcome: the body on a HIT, and the stamp to store with on a MISS.
    (A named tuple: a frozen dataclass cost 6k instructions per HIT to build.)"""

    key: str
    body: bytes | None
    stamp: bytes


def lookup(
    backend: CacheBackend, secret: str, context: str, params: Mapping[str, Any], user_id: str | None, rev: int
) -> Lookup:
    """Read the entry and its generations in one `get_many` (CACHE-10, CPUR-4)."""
    key = _backend.derive_cache_key(secret, context, params, user_id, rev)
    return lookup_keys(backend, sorted(params), [key, *_generation_keys(secret, context, params)])


def lookup_keys(backend: CacheBackend, names: list[str], keys: list[str]) -> Lookup:
    """`lookup` with its keys derived already: the entry's, then the generations' of
    `generation_keys` for the param `names` (sorted)."""
    values = backend.get_many(keys)
    stamp = _stamp(names, values[1:])
    entry = values[0]
    if entry is not None:
        stored_stamp, sep, body = bytes(entry).partition(b"\n")
        if sep and stored_stamp == stamp:
            return Lookup(keys[0], body, stamp)
    return Lookup(keys[0], None, stamp)


def generation_keys(secret: str, context: str, params: Mapping[str, Any]) -> list[str]:
    """The generation keys an entry's stamp reads, in `lookup_keys` order."""
    return _generation_keys(secret, context, params)


def store(backend: CacheBackend, key: str, stamp: bytes, body: bytes, ttl: int) -> None:
    """Store a body under the stamp read at lookup time (CACHE-7, CPUR-4)."""
    backend.set(key, stamp + b"\n" + body, ttl)


def cache_get(
    secret: str,
    backend: CacheBackend,
    context: str,
    params: Mapping[str, Any],
    user_id: str | None = None,
    rev: int = 0,
) -> bytes | None:
    """The body stored for these inputs when its stamp is current, else None (CACHE-15)."""
    return lookup(backend, secret, context, params, user_id, rev).body


def cache_put(
    secret: str,
    backend: CacheBackend,
    context: str,
    params: Mapping[str, Any],
    value: bytes,
    user_id: str | None = None,
    rev: int = 0,
    stamp: bytes | None = None,
    ttl: int | None = None,
) -> None:
    """Store `value`; `stamp=None` reads the current generations now (CACHE-15)."""
    found = lookup(backend, secret, context, params, user_id, rev)
    store(backend, found.key, stamp if stamp is not None else found.stamp, value, ttl or _state.default_ttl)


# --- purges (CPUR-1..7) -------------------------------------------------------------------


def cache_purge(
    backend: CacheBackend,
    context: str,
    params: Mapping[str, Any] | None = None,
    secret: str | None = None,
    user_id: str | None = None,
    rev: int = 0,
    generation_ttl: float | None = None,
) -> int:
    """Scoped when `params` is non-empty and `secret` given, else broad (CPUR-1, CPUR-4).

    Scoped: delete the exact key (and the public one when a user is given), then bump the
    scope generation of every `(name, value)`. Broad: delete every `ctx:<context>:` key,
    then bump the context generation. Returns the number of entries deleted.
    """
    ttl = generation_ttl or _state.default_ttl
    if params and secret is not None:
        deleted = int(backend.delete(_backend.derive_cache_key(secret, context, params, user_id, rev)))
        if user_id is not None:
            deleted += int(backend.delete(_backend.derive_cache_key(secret, context, params, None, rev)))
        for name, value in params.items():
            backend.incr(_backend.generation_key(secret, context, name, value), ttl)
        return deleted
    deleted = backend.delete_by_prefix(f"ctx:{context}:")
    backend.incr(context_generation_key(context), ttl)
    return deleted


def purge_user(user_id: object) -> int:
    """GDPR erasure (CPUR-7): users hide inside HMAC keys, so every `ctx:` entry goes."""
    backend = get_cache()
    return backend.delete_by_prefix("ctx:") if backend is not None else 0


# Purges that failed (backend unreachable) wait here, and the cache stays bypassed until
# they are replayed, so a mutation made during an outage never lets old data HIT once the
# backend is back (CACHE-3). Past MAX_PENDING they collapse into one full flush.
MAX_PENDING = 1000
_FLUSH: tuple[str | None, str, dict[str, Any] | None] = (None, "", None)
_pending: list[tuple[str | None, str, dict[str, Any] | None]] = []
_pending_lock = threading.Lock()


def _purge_now(user_id: str | None, context: str, params: Mapping[str, Any] | None) -> int:
    backend, secret = get_cache(), _state.secret
    if backend is None or secret is None:
        return 0
    if (user_id, context, params) == _FLUSH:
        return backend.delete_by_prefix("ctx:")
    policy = cachepolicy.policy_for(context)
    rev = policy.rev if policy is not None else 0
    ttl = cachepolicy.generation_ttl(_state.default_ttl)
    return cache_purge(backend, context, params or None, secret, user_id, rev, ttl)


def replay_pending() -> bool:
    """Replay purges that failed earlier; True when none is left (the cache may be used)."""
    with _pending_lock:
        while _pending:
            try:
                _purge_now(*_pending[0])
            except Exception:
                return False
            _pending.pop(0)
        return True


def purges_pending() -> bool:
    """Whether purges that failed earlier still wait to be replayed (read without the
    lock: a request that sees none may use the cache, as after `replay_pending`)."""
    return bool(_pending)


def purge(user_id: str | None, context: str, params: Mapping[str, Any] | None) -> int:
    """Purge one invalidation or merge entry with the context's effective rev (CPUR-2).

    Raises:
        Exception: what the backend raised; the purge is kept and replayed later.
    """
    entry = (user_id, context, dict(params) if params else None)
    try:
        if not replay_pending():
            raise CacheError("earlier purges are still pending")
        return _purge_now(*entry)
    except Exception:
        with _pending_lock:
            _pending.append(entry)
            if len(_pending) > MAX_PENDING:
                _pending[:] = [_FLUSH]
        raise


def purge_context(context: str, params: Mapping[str, Any] | None = None) -> int:
    """For writes made outside `@client` (admin, commands, signals): scoped or broad like a
    mutation's invalidation, without a user (CPUR-6). 0 when the cache is disabled."""
    return purge(None, context, params)


def purge_entry(request: Any, context: str, params: Mapping[str, Any] | None) -> None:
    """The purge hook: the acting identity's entry and the public one (CPUR-2). A failing
    backend is logged, never raised (CACHE-3)."""
    try:
        user_id = cachepolicy.user_key(request)
    except UnkeyedIdentity:
        user_id = None  # its fetches are never stored; the generation bumps reach everyone's
    try:
        purge(user_id, context, params)
    except Exception:
        logger.warning("Mizan cache purge of %r failed", context, exc_info=True)
