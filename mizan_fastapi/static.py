"""The browser runtime served from the package: `GET <prefix>/client.js` and
`<prefix>/client.d.ts` on `mizan_fastapi.router`, so a page of a FastAPI application imports
`/api/mizan/client.js` with no static-files setup (Django serves the same files through
`django.contrib.staticfiles` as `mizan/client.js`)."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.resources import files
from typing import Final

from starlette.requests import Request
from starlette.responses import Response

# The one copy of the files is the Django app's static directory, shipped as package data.
MEDIA_TYPES: Final = {"client.js": "text/javascript; charset=utf-8", "client.d.ts": "text/plain; charset=utf-8"}


@cache
def _read(name: str) -> tuple[bytes, str]:
    """The file's bytes and its ETag, read once per process (the package does not change
    under a running server)."""
    body = (files("mizan") / "static" / "mizan" / name).read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _serve(name: str, request: Request) -> Response:
    body, etag = _read(name)
    # Revalidated on every page load: a deploy with a new runtime is picked up at once,
    # and an unchanged one costs a 304.
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if etag in (request.headers.get("if-none-match") or ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=MEDIA_TYPES[name], headers=headers)


async def client_js(request: Request) -> Response:
    """`GET <prefix>/client.js`: the ES module."""
    return _serve("client.js", request)


async def client_dts(request: Request) -> Response:
    """`GET <prefix>/client.d.ts`: its TypeScript declarations."""
    return _serve("client.d.ts", request)
