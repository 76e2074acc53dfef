"""The one exception hierarchy of Mizan and the error envelope (PROTOCOL §2.6)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from typing import Any

Loc = tuple[str | int, ...]


class ErrorCode(enum.StrEnum):
    """Wire error codes (ERR-2)."""

    BAD_REQUEST = "BAD_REQUEST"
    UNAUTHORIZED = "UNAUTHORIZED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    VALIDATION_ERROR = "VALIDATION_ERROR"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    NOT_IMPLEMENTED = "NOT_IMPLEMENTED"


STATUS_OF: dict[ErrorCode, int] = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.VALIDATION_ERROR: 422,
    ErrorCode.INTERNAL_ERROR: 500,
    ErrorCode.NOT_IMPLEMENTED: 501,
}


class MizanError(Exception):
    """A protocol error: carries its wire code, HTTP status, message and details (ERR-7).

    User code raises the subclasses below; the executor renders them as the error
    envelope of ERR-1.
    """

    code: ErrorCode = ErrorCode.INTERNAL_ERROR
    default_message: str = "Internal server error"

    def __init__(self, message: str | None = None, *, details: dict[str, Any] | None = None) -> None:
        self.message = message if message else self.default_message
        self.details = details
        super().__init__(self.message)

    @property
    def status(self) -> int:
        """The HTTP status that goes with :attr:`code`."""
        return STATUS_OF[self.code]

    def envelope(self) -> dict[str, Any]:
        """The canonical error envelope `{"error": {...}}` (ERR-1)."""
        body: dict[str, Any] = {"code": self.code.value, "message": self.message}
        if self.details:
            body["details"] = self.details
        return {"error": body}


class BadRequest(MizanError):
    """400: the request body or envelope is malformed."""

    code = ErrorCode.BAD_REQUEST
    default_message = "Invalid request body"


class Unauthorized(MizanError):
    """401: not authenticated, or an invalid token."""

    code = ErrorCode.UNAUTHORIZED
    default_message = "Authentication required"


class Forbidden(MizanError):
    """403: authenticated but not permitted."""

    code = ErrorCode.FORBIDDEN
    default_message = "Permission denied"


class NotFound(MizanError):
    """404: unknown function or context."""

    code = ErrorCode.NOT_FOUND
    default_message = "Function not found"


class MethodNotAllowed(MizanError):
    """405: wrong HTTP method; `allow` lists the accepted ones (EP-3)."""

    code = ErrorCode.METHOD_NOT_ALLOWED
    default_message = "Method not allowed"

    def __init__(self, allow: Sequence[str]) -> None:
        super().__init__()
        self.allow = tuple(allow)


class ValidationFailed(MizanError):
    """422: the input failed validation."""

    code = ErrorCode.VALIDATION_ERROR
    default_message = "Input validation failed"


class InternalError(MizanError):
    """500: an unexpected failure; the text sent is always generic (ERR-5)."""

    code = ErrorCode.INTERNAL_ERROR
    default_message = "Internal server error"


class NotImplementedYet(MizanError):
    """501: the function is not implemented."""

    code = ErrorCode.NOT_IMPLEMENTED
    default_message = "Not implemented"


# --- errors raised by the accelerated units (C and their pure-Python twins) -----------


class ParseError(BadRequest, ValueError):
    """A request body the JSON parser refused (ERR-8).

    `reason` is one of a small fixed set of texts, the same in C and pure mode, so the
    two backends raise identical errors; the wire message stays `Invalid request body`.
    """

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason
        self.args = (reason,)

    def __repr__(self) -> str:
        return f"ParseError({self.reason!r})"


class EncodeError(InternalError, ValueError):
    """A value the canonical JSON writer cannot represent (JSON-1): a 500."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason
        self.args = (reason,)

    def __repr__(self) -> str:
        return f"EncodeError({self.reason!r})"


def join_loc(loc: Loc) -> str:
    """Pydantic location -> ERR-4 field path: parts joined with `.`, indices in decimal."""
    return ".".join(str(part) for part in loc)


class ValidationError(ValidationFailed, ValueError):
    """Argument validation failed; `errors` lists `(loc, message)` in Pydantic order.

    `path` is the location of the first error. `details` is the ERR-4 shape
    `{"fields": {"<path>": [messages]}}`.
    """

    def __init__(self, errors: Iterable[tuple[Loc, str]]) -> None:
        self.errors: list[tuple[Loc, str]] = [(tuple(loc), msg) for loc, msg in errors]
        fields: dict[str, list[str]] = {}
        for loc, msg in self.errors:
            fields.setdefault(join_loc(loc), []).append(msg)
        super().__init__(details={"fields": fields})
        self.path: Loc = self.errors[0][0] if self.errors else ()
        self.args = (self.errors,)

    def __repr__(self) -> str:
        return f"ValidationError({self.errors!r})"


class MizanRegistrationError(ValueError):
    """A declaration refused when it is made (DEC-5, REG-3..5, CTX-2, CTX-6, SIG-1..3)."""


class MizanRegistryError(ValueError):
    """`validate_registry()` found problems; `problems` lists every one (REG-9)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("Mizan registry is invalid:\n" + "\n".join(f"  - {p}" for p in self.problems))


class CacheError(ConnectionError):
    """A cache backend could not do what was asked (unreachable, timed out, protocol error).

    The core treats it as a miss or a failed store/purge, never as a request failure
    (CACHE-3).
    """


class IRBuildError(ValueError):
    """The IR builder refused the registry, or the KDL writer a node (IR.md §13); the
    message names what was refused. Nothing is emitted then."""


class InvalidToken(Exception):
    """A token failed verification; the message says why, for logs only (MWT-7)."""


class ConfigError(ValueError):
    """Mizan is configured inconsistently (raised where no system check can report it)."""


__all__ = [
    "BadRequest",
    "CacheError",
    "ConfigError",
    "EncodeError",
    "ErrorCode",
    "Forbidden",
    "IRBuildError",
    "InternalError",
    "InvalidToken",
    "MethodNotAllowed",
    "MizanError",
    "MizanRegistrationError",
    "MizanRegistryError",
    "NotFound",
    "NotImplementedYet",
    "ParseError",
    "STATUS_OF",
    "Unauthorized",
    "ValidationError",
    "ValidationFailed",
    "join_loc",
]
