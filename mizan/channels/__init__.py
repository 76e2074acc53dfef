"""Mizan over Django Channels: the WebSocket endpoint `<prefix>/ws/` (PROTOCOL WS-1, WS-2).

`consumer` adapts a Channels connection to the core's `mizan.core.ws.Session`; `asgi`
builds the application that serves it next to Django (`mizan.wrap_asgi`). Both import
Channels (the `channels` extra); importing this package alone does not.
"""
