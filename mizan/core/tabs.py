"""Tab ids (WS-9): a client names its tab so that its own mutations are not pushed back to it.

The user's sockets hear of every mutation the user makes (WS-9), except the one the
mutation came from: its reply already carries the invalidation. A mutation over a socket
knows its socket; an HTTP request names none, so the client names its tab itself: on the
socket's connect URL (`<prefix>/ws/?tab=<id>`) and on each HTTP request (`X-Mizan-Tab`).
A push skips the socket whose tab id is the mutation's.

A client can only silence its own user's pushes with it (pushes never reach another
user's sockets), so the id is trusted as it comes; one that is not 1 to 64 characters of
`A-Z a-z 0-9 _ -` is ignored, as if none were given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import parse_qs

TAB_HEADER: Final = "X-Mizan-Tab"
TAB_QUERY: Final = "tab"
_TAB_ID: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")


def valid_tab(value: object) -> str | None:
    """`value` when it is a tab id, else None."""
    if isinstance(value, str) and _TAB_ID.fullmatch(value):
        return value
    return None


def request_tab(request: Any) -> str | None:
    """The tab an HTTP request names in `X-Mizan-Tab` (Django's and Starlette's requests
    both have case-insensitive `headers`); None when absent or invalid."""
    headers = getattr(request, "headers", None)
    if headers is None:
        return None
    try:
        return valid_tab(headers.get(TAB_HEADER))
    except Exception:  # a request object of another shape names no tab
        return None


def scope_tab(scope: Mapping[str, Any]) -> str | None:
    """The tab a WebSocket handshake names in its query (`?tab=<id>`, ASGI scope); None
    when absent, invalid, or given more than once (which one would be meant?)."""
    query = scope.get("query_string") or b""
    try:
        values = parse_qs(bytes(query).decode("latin-1"), keep_blank_values=True).get(TAB_QUERY, [])
    except (TypeError, ValueError):
        return None
    return valid_tab(values[0]) if len(values) == 1 else None
