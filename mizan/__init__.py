"""Mizan: server functions for Django with server-driven invalidation.

This module only re-exports the public API; it imports without Django installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mizan.client import GlobalContext, ReactContext, ServerFunction, client  # binds `client` over the submodule
from mizan.core import Upload, format_invalidate_header, get_user, on_invalidate, parse_invalidate_header
from mizan.core.errors import (
    BadRequest,
    ErrorCode,
    Forbidden,
    InternalError,
    MizanError,
    NotFound,
    NotImplementedYet,
    Unauthorized,
    ValidationFailed,
)

if TYPE_CHECKING:
    from mizan.channels.asgi import wrap_asgi

__version__ = "0.1.0.dev0"

__all__ = [
    "BadRequest",
    "ErrorCode",
    "Forbidden",
    "GlobalContext",
    "InternalError",
    "MizanError",
    "NotFound",
    "NotImplementedYet",
    "ReactContext",
    "ServerFunction",
    "Unauthorized",
    "Upload",
    "ValidationFailed",
    "__version__",
    "client",
    "format_invalidate_header",
    "get_user",
    "on_invalidate",
    "parse_invalidate_header",
    "wrap_asgi",
]


def __getattr__(name: str) -> Any:
    """`wrap_asgi` is imported on first use: it needs Channels (the `channels` extra),
    which `import mizan` does not (PEP 562)."""
    if name == "wrap_asgi":
        from mizan.channels.asgi import wrap_asgi

        return wrap_asgi
    raise AttributeError(f"module 'mizan' has no attribute {name!r}")
