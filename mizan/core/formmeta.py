"""Form metadata on server functions (PROTOCOL FORM-2; IR `is-form`/`form-name`/`form-role`).

The forms feature registers a form's functions (`<name>.schema`, `<name>.validate`,
`<name>.submit`, and the formset variants) and marks each with the form it belongs to and
its role. The IR carries the marks so that a code generator can group them.
"""

from __future__ import annotations

from typing import Final, TypeVar

from mizan.core.client import ServerFunction
from mizan.core.errors import MizanRegistrationError
from mizan.core.options import FUNCTION_NAME

FORM_ROLES: Final = ("schema", "validate", "submit", "formset-schema", "formset-validate", "formset-submit")

F = TypeVar("F", bound=type[ServerFunction])


def mark_form_function(fn_class: F, *, form_name: str, role: str) -> F:
    """Mark `fn_class` as the `role` function of form `form_name` (FORM-2) and return it.

    Raises:
        MizanRegistrationError: an invalid form name or an unknown role.
    """
    if not isinstance(form_name, str) or not FUNCTION_NAME.fullmatch(form_name):
        raise MizanRegistrationError(f"form name {form_name!r} is not a valid name")
    if role not in FORM_ROLES:
        raise MizanRegistrationError(f"form role {role!r} is not one of {', '.join(FORM_ROLES)}")
    fn_class._meta = {**fn_class._meta, "form": True, "form_name": form_name, "form_role": role}
    return fn_class


def form_marks(fn_class: type[ServerFunction]) -> tuple[str, str] | None:
    """`(form name, role)` of a form function, None for any other function.

    Raises:
        ValueError: the marks are incomplete or the role is unknown (IR.md §13, item 13).
    """
    meta = fn_class._meta
    marked, form_name, role = meta.get("form", False), meta.get("form_name"), meta.get("form_role")
    if not marked and form_name is None and role is None:
        return None
    if not marked or not isinstance(form_name, str) or not form_name:
        raise ValueError("form metadata needs form=True and a form_name")
    if role not in FORM_ROLES:
        raise ValueError(f"form role {role!r} is not one of {', '.join(FORM_ROLES)}")
    return form_name, role
