"""Server functions the Django adapter tests call (registered by autodiscovery)."""

from __future__ import annotations

import enum
from typing import Any, Literal

from django.http import HttpResponse
from pydantic import BaseModel

from mizan import GlobalContext, MizanError, ReactContext, ValidationFailed, client

UserContext = ReactContext("user")


class Profile(BaseModel):
    user_id: int
    name: str


class Item(BaseModel):
    id: int
    name: str


class Color(str, enum.Enum):
    RED = "red"
    BLUE = "blue"


class EchoOut(BaseModel):
    message: str


@client
def echo(request: Any, text: str) -> EchoOut:
    return EchoOut(message=f"echo: {text}")


@client
def typed(
    request: Any,
    count: int,
    ratio: float = 1.0,
    flag: bool = False,
    tags: list[str] | None = None,
    mode: Literal["a", "b"] = "a",
    color: Color = Color.RED,
    item: Item | None = None,
) -> dict[str, Any]:
    return {
        "count": count,
        "ratio": ratio,
        "flag": flag,
        "tags": tags,
        "mode": mode,
        "color": color,
        "item": item,
    }


@client
def list_items(request: Any) -> list[Item]:
    return [Item(id=1, name="a"), Item(id=2, name="b")]


@client
def maybe_item(request: Any, present: bool) -> Item | None:
    return Item(id=1, name="a") if present else None


@client
def nothing(request: Any) -> None:
    return None


@client
async def async_echo(request: Any, text: str) -> dict[str, str]:
    return {"async": text}


@client(context=UserContext)
def user_profile(request: Any, user_id: int) -> Profile:
    return Profile(user_id=user_id, name=f"user_{user_id}")


@client(context=UserContext)
async def user_orders(request: Any, user_id: int, limit: int = 10) -> dict[str, int]:
    return {"count": 50, "limit": limit}


@client(context=GlobalContext)
def site_settings(request: Any) -> dict[str, str]:
    return {"site": "mizan"}


@client(auth=True)
def whoami(request: Any) -> dict[str, Any]:
    return {"username": request.user.username}


@client(auth="staff")
def staff_only(request: Any) -> str:
    return "staff"


@client(auth="superuser")
def superuser_only(request: Any) -> str:
    return "superuser"


def _has_vip(request: Any) -> bool:
    return getattr(request.user, "username", "") == "vip"


async def _async_deny(request: Any) -> bool:
    return False


async def _async_allow(request: Any) -> bool:
    return True


def _broken_guard(request: Any) -> bool:
    raise RuntimeError("guard bug")


@client(auth=_has_vip)
def vip_only(request: Any) -> str:
    return "vip"


@client(auth=_async_deny)
def async_denied(request: Any) -> str:
    return "should never run"


@client(auth=_async_allow)
def async_allowed(request: Any) -> str:
    return "allowed"


@client(auth=_broken_guard)
def broken_guard(request: Any) -> str:
    return "never"


@client(private=True)
def internal_job(request: Any) -> str:
    return "private"


@client
def raises_not_implemented(request: Any, text: str = "") -> None:
    raise NotImplementedError(text)


@client
def raises_permission(request: Any, text: str = "") -> None:
    raise PermissionError(text)


@client
def raises_unexpected(request: Any) -> None:
    raise ValueError("secret internals must not leak")


@client
def raises_mizan_error(request: Any) -> None:
    raise ValidationFailed("Custom validation", details={"fields": {"x": ["bad"]}})


class TeapotError(MizanError):
    pass


@client
def returns_nan(request: Any) -> float:
    return float("nan")


@client
def view_response(request: Any) -> HttpResponse:
    response = HttpResponse("plain text body", content_type="text/plain")
    response["Cache-Control"] = "max-age=3600"
    return response
