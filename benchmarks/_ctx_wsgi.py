"""The WSGI side of benchmarks.ctx: a GET's environ, and one request through Django's
WSGIHandler or through the origin edge in front of it (`mizan.edge.wrap_wsgi`)."""

from __future__ import annotations

import io
import sys
from collections.abc import Mapping
from typing import Any

# Filled by benchmarks.ctx.namespace(): Django's WSGI handler, and the edge in front of it.
HANDLER: list[Any] = []
EDGE: list[Any] = []
_LAST_START: list[Any] = []  # what start_response was last given


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    _LAST_START[:] = [status, headers]


def _serve(app: Any, environ: Mapping[str, Any]) -> tuple[int, bytes, str | None]:
    response = app(dict(environ), _start_response)
    try:
        body = b"".join(response)
    finally:
        close = getattr(response, "close", None)
        if close is not None:
            close()
    status, headers = _LAST_START
    return int(status[:3]), body, dict(headers).get("X-Mizan-Cache")


def django_fetch(environ: Mapping[str, Any]) -> tuple[int, bytes, str | None]:
    """One GET through Django's WSGIHandler (URL resolution, request, view, response and
    the request_started/finished signals), on a copy of `environ`."""
    return _serve(HANDLER[0], environ)


def edge_fetch(environ: Mapping[str, Any]) -> tuple[int, bytes, str | None]:
    """One GET through the origin edge in front of the same WSGIHandler: a HIT answered
    before Django, anything else passed to it."""
    return _serve(EDGE[0], environ)


def environ(path: str, query: Mapping[str, str]) -> dict[str, Any]:
    """A GET's WSGI environ, as a server would hand it to Django."""
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "&".join(f"{key}={value}" for key, value in query.items()),
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
