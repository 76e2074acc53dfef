"""Server functions of the WebSocket tests in this directory (WS-3..6, WS-9), registered per
test under `ws_`-prefixed names (the Django test project has functions of its own; the
adapter fixture restores the registry afterwards).

They reach the user only through `get_user(request)`; the two view-path functions return
the adapter's own response class, so each adapter gets the one it can serve.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from django.http import HttpResponse
from pydantic import BaseModel
from starlette.responses import Response

from mizan import ReactContext, client
from mizan.core import Upload
from mizan.core.auth import get_user
from tests.adapters.identities import describe

Profile = ReactContext("ws_profile")
Items = ReactContext("ws_items")
GATE = threading.Event()  # holds `ws_slow` calls until the test opens it
FUNCTION_ERROR = "a detail that must never reach a client"


class Item(BaseModel):
    id: int
    name: str


def echo(request: Any, text: str) -> dict[str, str]:
    return {"message": f"echo: {text}"}


def nothing(request: Any) -> None:
    return None


async def fast(request: Any, n: int) -> int:
    return n


async def slow(request: Any, n: int) -> int:
    while not GATE.is_set():  # polled: the gate is opened from the test's thread
        await asyncio.sleep(0.002)
    return n


def whoami(request: Any) -> str:
    return describe(get_user(request))


def profile(request: Any, user_id: int) -> dict[str, int]:
    return {"user_id": user_id}


def item(request: Any, item_id: int) -> Item:
    return Item(id=item_id, name="original")


def update_profile(request: Any, user_id: int, name: str) -> dict[str, bool]:
    return {"ok": True}


def rename_item(request: Any, item_id: int, name: str) -> Item:
    return Item(id=item_id, name=name)


def internal_job(request: Any) -> None:
    return None


def refuses(request: Any, text: str) -> None:
    raise PermissionError(text)


def explodes(request: Any) -> None:
    raise RuntimeError(FUNCTION_ERROR)


def attach(request: Any, file: Upload) -> int:
    return file.size


def django_view(request: Any) -> HttpResponse:
    return HttpResponse(b"a page", content_type="text/plain")


def starlette_view(request: Any) -> Response:
    return Response(b"a page", media_type="text/plain")


# SIG-8: a framework response takes the view path whatever the annotation says. Each adapter's
# own framework's: Starlette's Response is a view-path type only once mizan_fastapi has been
# imported, so the Django side answered 501 only after a FastAPI test had run.
def sneaky_django_view(request: Any) -> dict[str, str]:
    return HttpResponse(b"sneaky", status=202)  # type: ignore[return-value]


def sneaky_starlette_view(request: Any) -> dict[str, str]:
    return Response(b"sneaky", status_code=202)  # type: ignore[return-value]


def functions(adapter: str) -> dict[str, Any]:
    """The functions by registered name, for `adapter` ("django" or "fastapi")."""
    view = django_view if adapter == "django" else starlette_view
    sneaky_view = sneaky_django_view if adapter == "django" else sneaky_starlette_view
    return {
        "ws_echo": client(echo),
        "ws_nothing": client(nothing),
        "ws_fast": client(fast),
        "ws_slow": client(slow),
        "ws_whoami": client(whoami),
        "ws_whoami_required": client(auth=True)(whoami),
        "ws_staff_only": client(auth="staff")(whoami),
        "ws_profile": client(context=Profile, cache=30)(profile),
        "ws_item": client(context=Items)(item),
        "ws_update_profile": client(affects=Profile)(update_profile),
        "ws_rename_item": client(merge=Items)(rename_item),
        "ws_internal_job": client(private=True)(internal_job),
        "ws_refuses": client(refuses),
        "ws_explodes": client(explodes),
        "ws_view_response": client(view),
        "ws_sneaky_view": client(sneaky_view),
        "ws_attach": client(attach),
        "ws_attach_touch": client(affects=Profile)(attach),
        "ws_view_touch": client(affects=Profile)(view),
    }
