"""The twin of `csrf_check`: Django's own `CsrfViewMiddleware`, to which it hands every request.

The C function takes Django's CSRF decision for the common requests and answers
"defer" for the rest; the pure backend defers them all, so Django's middleware itself
decides (issue 20: the twin of this decision is Django's code, not a copy of it).
"""

from __future__ import annotations

from typing import Any

ACCEPT = 0  # (ACCEPT, secret): Django would accept; the secret process_request stores
REJECT = 1  # (REJECT, reason): Django would reject with this reason
DEFER = 2  # (DEFER, None): run Django's own path


def csrf_check(middleware: Any, settings: Any, request: Any, /) -> tuple[int, str | None]:
    """The CSRF decision for `request`, or `(DEFER, None)`: here always the latter.

    Args:
        middleware: the `CsrfViewMiddleware` instance whose path would run.
        settings: `django.conf.settings`.
        request: the `HttpRequest`.

    Returns:
        `(DEFER, None)`: Django's own `process_request` and `process_view` decide.
    """
    return (DEFER, None)
