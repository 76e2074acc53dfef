"""The channels of the AFI fixture (CHAN-1..5), registered the same way by the Django project
and the FastAPI app (AFI-7), beside `afi.fixture`'s functions, with the one function that
pushes from server code (CHAN-5): `announce`, called over the socket or `/call/` alike, so a
push happens in the server's own process in process and live.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from mizan.core import client
from mizan.core.channels import ReactChannel, register_channel


def _label(user: Any) -> str:
    """Who the socket is, as `afi.fixture` labels users: the primary key, or "anonymous"."""
    if user is None or not getattr(user, "is_authenticated", True):
        return "anonymous"
    return str(getattr(user, "pk", None) or getattr(user, "id", None))


class Board(ReactChannel):
    """Two-way; authenticated users only; one group per board."""

    class Params(BaseModel):
        board: str

    class ReactMessage(BaseModel):
        text: str

    class DjangoMessage(BaseModel):
        text: str
        by: str

    def authorize(self, params: Any) -> bool:
        return _label(self.user) != "anonymous"

    def group(self, params: Any) -> str:
        return f"board-{params.board}"

    def receive(self, params: Any, message: Any) -> Any:
        return self.DjangoMessage(text=message.text, by=_label(self.user))


class Ticker(ReactChannel):
    """One-way; anyone may listen; the default group (one per symbol)."""

    class Params(BaseModel):
        symbol: str

    class DjangoMessage(BaseModel):
        price: int

    def authorize(self, params: Any) -> bool:
        return True


def announce(request: Any, board: str, text: str) -> int:
    """Push to a board's subscribers from a server function (CHAN-5)."""
    Board.push({"board": board}, {"text": text, "by": "server"})
    return len(text)


CHANNELS: dict[str, type[ReactChannel]] = {"board": Board, "ticker": Ticker}
FUNCTIONS: dict[str, Any] = {"announce": client(announce)}


def register_channel_fixture(register: Callable[[Any, str], Any]) -> None:
    """Register the channels, and `announce` with `register(fn_class, name)`."""
    for name, cls in CHANNELS.items():
        register_channel(cls, name)
    for name, fn_class in FUNCTIONS.items():
        register(fn_class, name)
