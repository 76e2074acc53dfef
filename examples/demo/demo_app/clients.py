"""The demo's server functions. `mizan`'s AppConfig imports this module at startup and
registers every `@client` function in it (autodiscovery of `clients.py`).

Demo data lives in a module-level dict, so the demo needs nothing but SQLite for
Django's own tables.
"""

from __future__ import annotations

from django.http import HttpRequest
from pydantic import BaseModel

from mizan import ReactContext, client

UserContext = ReactContext("user")

# user_id -> display name; users not in here are called "user_<id>".
NAMES: dict[int, str] = {}


class EchoOut(BaseModel):
    message: str


class Profile(BaseModel):
    name: str


class OrderCount(BaseModel):
    count: int


@client
def echo(request: HttpRequest, text: str) -> EchoOut:
    """Return the text back: the smallest round trip."""
    return EchoOut(message=f"echo: {text}")


@client(context=UserContext)
def user_profile(request: HttpRequest, user_id: int) -> Profile:
    """The user's profile; member of the `user` context bundle."""
    return Profile(name=NAMES.get(user_id, f"user_{user_id}"))


@client(context=UserContext)
def user_orders(request: HttpRequest, user_id: int) -> OrderCount:
    """How many orders the user has (ten per id unit, for the demo)."""
    return OrderCount(count=user_id * 10)


@client(affects=UserContext)
def update_profile(request: HttpRequest, user_id: int, name: str) -> dict[str, bool]:
    """Rename a user; declared as affecting the `user` context."""
    NAMES[user_id] = name
    return {"ok": True}
