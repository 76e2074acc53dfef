"""Public API of the origin cache (PROTOCOL §0.6, §6)."""

from __future__ import annotations

from mizan.core._backend import MemoryCache, derive_cache_key
from mizan.core.cache import (
    CacheBackend,
    cache_get,
    cache_purge,
    cache_put,
    clear,
    get_cache,
    purge_context,
    purge_user,
    reset_cache,
    set_cache,
)

__all__ = [
    "CacheBackend",
    "MemoryCache",
    "cache_get",
    "cache_purge",
    "cache_put",
    "clear",
    "derive_cache_key",
    "get_cache",
    "purge_context",
    "purge_user",
    "reset_cache",
    "set_cache",
]
