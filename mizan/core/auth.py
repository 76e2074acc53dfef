"""Identity access and `auth=` guards (PROTOCOL §5.1)."""

from __future__ import annotations

from typing import Any

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


def is_authenticated(user: Any) -> bool:
    """AUTH-2: a truthy user whose `is_authenticated` (default True) is truthy."""
    return bool(user) and bool(getattr(user, "is_authenticated", True))


def check_level(requirement: str, request: Any) -> None:
    """Enforce `"required"`, `"staff"` or `"superuser"` (AUTH-1).

    Raises:
        Unauthorized: not authenticated.
        Forbidden: authenticated without the staff/superuser flag.
    """
    user = get_user(request)
    if not is_authenticated(user):
        raise Unauthorized()
    if requirement == "staff" and not getattr(user, "is_staff", False):
        raise Forbidden(MSG_STAFF)
    if requirement == "superuser" and not getattr(user, "is_superuser", False):
        raise Forbidden(MSG_SUPERUSER)


def check_guard_result(result: Any) -> None:
    """A callable guard's (awaited) result: falsy rejects with 403 (AUTH-1)."""
    if not result:
        raise Forbidden()
