"""The one place that chooses between the C extension and its pure-Python twins.

`MIZAN_PURE=1` selects the twins. Otherwise `mizan._speedups` must import: a broken build
is an error, never a silent fallback (a slow hot path should not hide).
"""

from __future__ import annotations

import os
from types import ModuleType

from mizan.core import _py

PURE = os.environ.get("MIZAN_PURE", "") == "1"

impl: ModuleType
if PURE:
    impl = _py
    BACKEND = "py"
else:  # pragma: no cover - which branch runs depends on the environment
    try:
        from mizan import _speedups as impl
    except ImportError as exc:
        raise ImportError(
            "mizan._speedups (the C extension) is not built or failed to load: "
            f"{exc}. Build it with `make build` (needs libjansson-dev, libhiredis-dev and "
            "pkg-config), or set MIZAN_PURE=1 to run on the pure-Python twins."
        ) from exc
    BACKEND = "c"

InvalidationPlan = impl.InvalidationPlan
MemoryCache = impl.MemoryCache
ParamSpec = impl.ParamSpec
RedisCache = impl.RedisCache
cache_key_message = impl.cache_key_message
compile_invalidation = impl.compile_invalidation
compile_params = impl.compile_params
csrf_check = impl.csrf_check
derive_cache_key = impl.derive_cache_key
encode_json = impl.encode_json
format_invalidate_header = impl.format_invalidate_header
generation_key = impl.generation_key
normalize_value = impl.normalize_value
parse_call = impl.parse_call
parse_invalidate_header = impl.parse_invalidate_header
parse_json = impl.parse_json
register_json_model = impl.register_json_model
resolve_invalidation = impl.resolve_invalidation
validate_args = impl.validate_args
verify_mwt_claims = impl.verify_mwt_claims
write_kdl = impl.write_kdl

__all__ = [
    "BACKEND",
    "PURE",
    "InvalidationPlan",
    "MemoryCache",
    "ParamSpec",
    "RedisCache",
    "cache_key_message",
    "compile_invalidation",
    "compile_params",
    "csrf_check",
    "derive_cache_key",
    "encode_json",
    "format_invalidate_header",
    "generation_key",
    "impl",
    "normalize_value",
    "parse_call",
    "parse_invalidate_header",
    "parse_json",
    "register_json_model",
    "resolve_invalidation",
    "validate_args",
    "verify_mwt_claims",
    "write_kdl",
]
