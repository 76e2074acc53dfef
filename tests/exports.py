"""The names `mizan._speedups` exports, written once for the tests that check them
(the C module, the twins' `__all__`, the stub and the method table must all agree)."""

from __future__ import annotations

TYPES = ("InvalidationPlan", "MemoryCache", "ParamSpec", "RedisCache")
FUNCTIONS = (
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
)
ALL = tuple(sorted(TYPES + FUNCTIONS))
