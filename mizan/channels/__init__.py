"""Mizan's WebSocket side for Django: channels and the endpoint `<prefix>/ws/`
(PROTOCOL WS-1, WS-2, CHAN-1..6).

`ReactChannel` and `register` declare channels; they import neither Django nor Channels,
so FastAPI projects use them too. `consumer`, `layer` and `asgi` (`mizan.wrap_asgi`)
serve the sockets through Channels (the `channels` extra) and are imported only when used.
"""

from __future__ import annotations

from mizan.core.channels import ReactChannel, get_channels
from mizan.core.channels import register_channel as register

__all__ = ["ReactChannel", "get_channels", "register"]
