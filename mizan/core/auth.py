"""Identity access and `auth=` guards (PROTOCOL §5.1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from mizan.core.errors import Forbidden, Unauthorized

MSG_STAFF = "Staff access required"
MSG_SUPERUSER = "Superuser access required"


def get_user(request: Any) -> Any:
    """The request's user, whatever the framework (GAP-73).

    FastAPI/Starlette keep it in `request.state.user`; Django in `request.user`.
    Returns None when there is none.
    """
    state = getattr(request, "state", None)
    user = getattr(state, "user", None) if state is not None else None
    if user is not None:
        return user
    try:
        return getattr(request, "user", None)
    except Exception:  # Starlette's request.user asserts when no auth middleware ran
        return None


def user_field(user: Any, name: str, default: Any = None) -> Any:
    """A field of a user: an attribute, or a key of a mapping (decoded token claims, as
    docs/fastapi.md allows); `default` when missing or when reading it raises (Starlette's
    `BaseUser.identity` raises NotImplementedError)."""
    try:
        if isinstance(user, Mapping):
            return user.get(name, default) if hasattr(user, "get") else user[name]
        return getattr(user, name, default)
    except Exception:
        return default


def is_authenticated(user: Any) -> bool:
    """AUTH-2: a truthy user whose `is_authenticated` (default True) is truthy."""
    return bool(user) and bool(user_field(user, "is_authenticated", True))


# FA-3a: where an identity's key is found, in this order; `sub` only in a mapping.
IDENTITY_FIELDS: Final = ("pk", "id", "identity", "sub", "username")


class UnkeyedIdentity(Exception):
    """An authenticated identity with none of the IDENTITY_FIELDS: it must never share a
    cache entry or a token subject with anyone (FA-3a)."""

    def __init__(self, user: Any) -> None:
        super().__init__(
            f"the authenticated user {type(user).__name__} has no identity key "
            f"(none of {', '.join(IDENTITY_FIELDS)} is set)"
        )


def identity_key(user: Any) -> str | None:
    """FA-3a: the stable key of an identity, as a string; None for anonymous.

    The first of `pk`, `id`, `identity`, mapping key `sub`, `username` that is present, not
    None, not a bool and not empty. Never falls back to anonymous.

    Raises:
        UnkeyedIdentity: the user is authenticated but has none of them.
    """
    if not is_authenticated(user):
        return None
    mapping = isinstance(user, Mapping)
    for name in IDENTITY_FIELDS:
        if name == "sub" and not mapping:
            continue
        value = user_field(user, name)
        if value is not None and not isinstance(value, bool) and value != "":
            return str(value)
    raise UnkeyedIdentity(user)


def check_level(requirement: str, request: Any) -> None:
    """Enforce `"required"`, `"staff"` or `"superuser"` (AUTH-1).

    Raises:
        Unauthorized: not authenticated.
        Forbidden: authenticated without the staff/superuser flag.
    """
    user = get_user(request)
    if not is_authenticated(user):
        raise Unauthorized()
    if requirement == "staff" and not user_field(user, "is_staff", False):
        raise Forbidden(MSG_STAFF)
    if requirement == "superuser" and not user_field(user, "is_superuser", False):
        raise Forbidden(MSG_SUPERUSER)


def check_guard_result(result: Any) -> None:
    """A callable guard's (awaited) result: falsy rejects with 403 (AUTH-1)."""
    if not result:
        raise Forbidden()
