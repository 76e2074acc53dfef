"""IR.md's worked examples A (§15) and B (§16) as fixtures, declared through any
`client`/`register` pair: Mizan's, or the original implementation's for example A."""

from __future__ import annotations

import datetime
import decimal
import secrets
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from mizan.core import registry
from mizan.core.channels import ReactChannel, register_channel
from mizan.core.client import client as mizan_client
from mizan.core.formmeta import mark_form_function
from mizan.core.signature import set_framework_response_base
from mizan.core.uploads import Upload

# --- example A ----------------------------------------------------------------------------


class EchoOutput(BaseModel):
    message: str


class Profile(BaseModel):
    user_id: int
    name: str
    role: Literal["member", "staff"]
    theme: str = "light"


class Item(BaseModel):
    id: int
    title: str
    price: float = 0.0
    tags: list[str] = Field(default_factory=list)


def echo(request: Any, text: str) -> EchoOutput:
    return EchoOutput(message=text)


def user_profile(request: Any, user_id: int) -> Profile:
    return Profile(user_id=user_id, name="n", role="member")


def user_items(request: Any, user_id: int, limit: int | None = None) -> list[Item]:
    return []


def update_profile(request: Any, user_id: int, name: str) -> Profile:
    return Profile(user_id=user_id, name=name, role="member")


def add_item(request: Any, user_id: int, title: str) -> Item:
    return Item(id=1, title=title)


def find_item(request: Any, item_id: int) -> Item | None:
    return None


def define_example_a(client: Callable[..., Any], register: Callable[[Any, str], Any]) -> None:
    """IR.md §15, registered in a scrambled order on purpose."""
    declared = {
        "echo": client(echo),
        "user_profile": client(context="user")(user_profile),
        "user_items": client(context="user")(user_items),
        "update_profile": client(affects="user")(update_profile),
        "add_item": client(merge="user")(add_item),
        "find_item": client(auth="staff")(find_item),
    }
    for name in ("user_items", "find_item", "echo", "add_item", "user_profile", "update_profile"):
        register(declared[name], name)


# --- example B (Mizan only: the original has no uploads, forms or channels API) -----------


class Attachment(BaseModel):
    name: str
    size: int


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int = 9


class Dog(BaseModel):
    kind: Literal["dog"]
    good: bool = True


class Settings(BaseModel):
    created: datetime.datetime
    id: uuid.UUID
    amount: decimal.Decimal
    ratio: float = 1e-05
    big: float = 1e16
    limits: dict[str, float] = {"b": 2.5, "a": 1.5}
    value: int | bool
    pet: Annotated[Cat | Dog, Field(discriminator="kind")]
    level: Literal[1, 2, 3] = 1
    note: str = 'say "hi"\n\tcafé \u2028'
    token: str = Field(default_factory=lambda: secrets.token_hex(8))
    tags: list[Literal["a", "b"]] | None


class WebResponse:
    """A stand-in framework response base (IR.md B's `HttpResponse`), so the fixture needs
    no web framework; the test registers it with `set_framework_response_base`."""


def settings(request: Any) -> Settings:
    raise NotImplementedError


def reset_settings(request: Any) -> None:
    return None


def feed_items(request: Any, room: str) -> list[str]:
    return []


def stripe_webhook(request: Any) -> WebResponse:
    return WebResponse()


def contact_submit(request: Any, name: str, email: str, message: str) -> dict:  # type: ignore[type-arg]
    return {"name": name}


def upload_avatar(request: Any, file: Upload, caption: str | None = None) -> Attachment:
    return Attachment(name=file.filename, size=file.size or 0)


class ChatChannel(ReactChannel):
    class Params(BaseModel):
        room: str

    class ReactMessage(BaseModel):
        text: str

    class DjangoMessage(BaseModel):
        text: str
        user: str


def define_example_b() -> None:
    set_framework_response_base(WebResponse)
    client, register = mizan_client, registry.register
    """IR.md §16: websocket, private, view, route/methods, rev/cache, a form function, a
    function-target edge, a channel, an upload, maps, unions, formats and escapes."""
    settings_fn = client(context="global", rev=2, cache=60)(settings)
    register(settings_fn, "settings")
    register(client(affects=settings_fn, auth="superuser")(reset_settings), "reset_settings")
    register(client(context="feed", websocket=True)(feed_items), "feed_items")
    webhook = client(affects="global", private=True, route="/webhooks/stripe/", methods=["POST"])(stripe_webhook)
    register(webhook, "stripe_webhook")
    register(client(auth=True)(upload_avatar), "upload_avatar")
    register(mark_form_function(client(contact_submit), form_name="contact", role="submit"), "contact.submit")
    register_channel(ChatChannel, "chat")
