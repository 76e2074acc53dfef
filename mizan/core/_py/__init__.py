"""Pure-Python twins of every `mizan._speedups` entry point (same names, same behaviour).

`MIZAN_PURE=1` makes `mizan.core._backend` pick these instead of the C extension.
"""

from __future__ import annotations

from mizan.core._py.cachekey import cache_key_message, derive_cache_key, generation_key
from mizan.core._py.csrf import csrf_check
from mizan.core._py.invalidate import (
    InvalidationPlan,
    compile_invalidation,
    format_invalidate_header,
    normalize_value,
    parse_invalidate_header,
    resolve_invalidation,
)
from mizan.core._py.json import encode_json, parse_call, parse_json
from mizan.core._py.jsonmodel import register_json_model
from mizan.core._py.kdl import write_kdl
from mizan.core._py.mwt import verify_mwt_claims
from mizan.core._py.redis import RedisCache
from mizan.core._py.table import MemoryCache
from mizan.core._py.validate import ParamSpec, compile_params, validate_args

__all__ = [
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
