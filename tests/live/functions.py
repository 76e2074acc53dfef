"""The server functions both live projects register (the Django site in its AppConfig, the
FastAPI app in its factory), written once against the framework-neutral core.

`note` is a context member and `touch_note` the mutation that invalidates it (WS-9 has
something to push); `whoami` shows which identity a call ran as.
"""

from __future__ import annotations

from typing import Any

from mizan.core import ReactContext, client, get_user, registry

NOTES = ReactContext("notes")
# FastAPI identities: the live app's middleware reads the header, the tests send it.
USER_HEADER = "x-live-user"
USERS = {"alice": 1, "bob": 2, "carol": 3}


def whoami(request: Any) -> str:
    return str(get_user(request).username)


def note(request: Any, note_id: int) -> dict[str, Any]:
    return {"id": note_id, "owner": str(get_user(request).username)}


def touch_note(request: Any, note_id: int) -> int:
    """A mutation: its success invalidates `notes` for `note_id` (INV-*), which WS-9 pushes."""
    return note_id


def register_functions() -> None:
    """Register the functions above (once per process)."""
    registry.register(client(auth=True)(whoami), "whoami")
    registry.register(client(auth=True, context=NOTES)(note), "note")
    registry.register(client(auth=True, affects=NOTES)(touch_note), "touch_note")
