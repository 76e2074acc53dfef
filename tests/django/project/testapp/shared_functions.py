"""A server function defined outside any `clients` module (DISC-2: `clients.py` imports it,
discovery of `clients.py` must not register it)."""

from __future__ import annotations

from typing import Any

from mizan import client


@client
def shared_ping(request: Any) -> str:
    return "pong"
