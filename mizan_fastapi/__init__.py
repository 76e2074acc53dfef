"""Mizan for FastAPI: the wire protocol of the Django adapter, served from `mizan.core`
(PROTOCOL §9).

```python
import mizan_fastapi
import myapp.functions  # declares and registers the server functions

app = FastAPI()
app.include_router(mizan_fastapi.router, prefix="/api/mizan")
app.include_router(mizan_fastapi.routes_router)  # read after registering: see routes.py
```

Importing this package never imports Django (DEP-4); it registers Starlette's `Response`
as a framework response base and the built-in `mwt_obtain` (see `startup.setup`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from mizan.core import (
    GlobalContext,
    ReactContext,
    ServerFunction,
    Upload,
    client,
    format_invalidate_header,
    get_user,
    on_invalidate,
    parse_invalidate_header,
)
from mizan.core.errors import (
    BadRequest,
    ConfigError,
    ErrorCode,
    Forbidden,
    InternalError,
    MizanError,
    NotFound,
    NotImplementedYet,
    Unauthorized,
    ValidationFailed,
)
from mizan.core.registry import clear_registry, get_all_functions, get_function, register
from mizan.core.tokens import MWTUser
from mizan_fastapi.conf import InsecureSecretWarning, configure, get_settings
from mizan_fastapi.handlers import mizan_exception_handler, mizan_validation_handler
from mizan_fastapi.identity import AppUser
from mizan_fastapi.router import router
from mizan_fastapi.routes import build_routes_router
from mizan_fastapi.startup import check_definitions, register_builtins, setup, validate_registry

setup()


def __getattr__(name: str) -> Any:
    """`routes_router` (FA-1) is built from the registry each time it is read (PEP 562)."""
    if name == "routes_router":
        routes: APIRouter = build_routes_router()
        return routes
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AppUser",
    "BadRequest",
    "ConfigError",
    "ErrorCode",
    "Forbidden",
    "GlobalContext",
    "InsecureSecretWarning",
    "InternalError",
    "MWTUser",
    "MizanError",
    "NotFound",
    "NotImplementedYet",
    "ReactContext",
    "ServerFunction",
    "Unauthorized",
    "Upload",
    "ValidationFailed",
    "build_routes_router",
    "check_definitions",
    "clear_registry",
    "client",
    "configure",
    "format_invalidate_header",
    "get_all_functions",
    "get_function",
    "get_settings",
    "get_user",
    "mizan_exception_handler",
    "mizan_validation_handler",
    "on_invalidate",
    "parse_invalidate_header",
    "register",
    "register_builtins",
    "router",
    "validate_registry",
]
