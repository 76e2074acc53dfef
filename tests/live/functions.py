"""The server functions and channels both live projects register (the Django site in its
AppConfig, the FastAPI app in its factory, a fresh pushing process by hand), written once
against the framework-neutral core.

`note` is a context member and `touch_note` the mutation that invalidates it (WS-9 has
something to push), also served at its own URL as `touch_note_page`; `announce` and
`ring_beacon` push from a request (CHAN-5): the one from a sync function, the other from
an async one.
"""

from __future__ import annotations

from typing import Any

import pydantic

from mizan.channels import ReactChannel, register
from mizan.core import ReactContext, client, get_user, registry

NOTES = ReactContext("notes")
# FastAPI identities: the live app's middleware reads the header, the tests send it.
USER_HEADER = "x-live-user"
USERS = {"alice": 1, "bob": 2, "carol": 3}


def username(user: Any) -> str | None:
    """The user's name; None when anonymous, or for an MWT's identity, which is only a pk."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    name = getattr(user, "username", None)
    return None if name is None else str(name)


class Inbox(ReactChannel):
    """One user's private feed: only its owner may subscribe."""

    class Params(pydantic.BaseModel):
        owner: str

    class DjangoMessage(pydantic.BaseModel):
        text: str
        sender: str

    def authorize(self, params: Inbox.Params) -> bool:
        return username(self.user) == params.owner

    def group(self, params: Inbox.Params) -> str:
        return f"inbox_{params.owner}"


class Chat(ReactChannel):
    """A room any signed-in user may join and write to (bidirectional)."""

    class Params(pydantic.BaseModel):
        room: str

    class ReactMessage(pydantic.BaseModel):
        text: str

    class DjangoMessage(pydantic.BaseModel):
        text: str
        user: str

    def authorize(self, params: Chat.Params) -> bool:
        return username(self.user) is not None

    def group(self, params: Chat.Params) -> str:
        return f"chat_{params.room}"

    async def receive(self, params: Chat.Params, msg: Chat.ReactMessage) -> Chat.DjangoMessage:
        return self.DjangoMessage(text=msg.text, user=str(username(self.user)))


class Beacon(ReactChannel):
    """Open to anyone, anonymous sockets too: the tests' sentinels."""

    class Params(pydantic.BaseModel):
        tag: str

    class DjangoMessage(pydantic.BaseModel):
        n: int

    def authorize(self, params: Beacon.Params) -> bool:
        return True


def whoami(request: Any) -> str | None:
    return username(get_user(request))


def my_pk(request: Any) -> str:
    """The caller's primary key: the subject of an MWT minted for it (AUTH-4)."""
    return str(get_user(request).pk)


def note(request: Any, note_id: int) -> dict[str, Any]:
    return {"id": note_id, "owner": username(get_user(request))}


def touch_note(request: Any, note_id: int) -> int:
    """A mutation: its success invalidates `notes` for `note_id` (INV-*), which WS-9 pushes."""
    return note_id


def announce(request: Any, owner: str, text: str) -> None:
    """A push from sync server code, to `owner`'s inbox (CHAN-5)."""
    Inbox.push({"owner": owner}, {"text": text, "sender": str(username(get_user(request)))})


async def ring_beacon(request: Any, tag: str, n: int) -> None:
    """A push from async server code (CHAN-5), anonymous callers allowed."""
    await Beacon.apush({"tag": tag}, Beacon.DjangoMessage(n=n))


def register_functions(response_class: type) -> None:
    """Register the functions and channels above (once per process); `response_class` is
    the framework's HTTP response, which the view-path function answers with."""

    def touch_note_page(request: Any, note_id: int) -> response_class:  # type: ignore[valid-type]
        """The same mutation at its own URL (VIEW-*): another HTTP transport for WS-9."""
        try:
            return response_class(content=b"touched", status_code=200, media_type="text/plain")
        except TypeError:  # Django's HttpResponse
            return response_class(b"touched", status=200, content_type="text/plain")

    registry.register(client(auth=True)(whoami), "whoami")
    registry.register(client(auth=True)(my_pk), "my_pk")
    registry.register(client(auth=True, context=NOTES)(note), "note")
    registry.register(client(auth=True, affects=NOTES)(touch_note), "touch_note")
    registry.register(client(affects=NOTES)(touch_note), "touch_note_anyone")  # anonymous callers too
    route = client(auth=True, affects=NOTES, route="/live/notes/<int:note_id>/touch/", methods=["POST"])
    registry.register(route(touch_note_page), "touch_note_page")
    registry.register(client(auth=True)(announce), "announce")
    registry.register(client()(ring_beacon), "ring_beacon")
    register(Inbox, "inbox")
    register(Chat, "chat")
    register(Beacon, "beacon")
