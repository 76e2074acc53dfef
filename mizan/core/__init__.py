"""Framework-agnostic core of Mizan: declarations, registry and the request pipeline.

Imports neither Django nor FastAPI (DEP-4).
"""

from __future__ import annotations

from mizan.core.auth import get_user
from mizan.core.client import ServerFunction, client
from mizan.core.contexts import GlobalContext, ReactContext
from mizan.core.signature import set_framework_response_base

__all__ = ["GlobalContext", "ReactContext", "ServerFunction", "client", "get_user", "set_framework_response_base"]
