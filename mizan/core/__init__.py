"""Framework-agnostic core of Mizan: declarations, registry and the request pipeline.

Imports neither Django nor FastAPI (DEP-4).
"""

from __future__ import annotations

from mizan.core._backend import format_invalidate_header, parse_invalidate_header
from mizan.core.auth import get_user
from mizan.core.client import ServerFunction, client
from mizan.core.contexts import GlobalContext, ReactContext
from mizan.core.notify import on_invalidate
from mizan.core.signature import set_framework_response_base
from mizan.core.uploads import Upload

__all__ = [
    "GlobalContext",
    "ReactContext",
    "ServerFunction",
    "Upload",
    "client",
    "format_invalidate_header",
    "get_user",
    "on_invalidate",
    "parse_invalidate_header",
    "set_framework_response_base",
]
