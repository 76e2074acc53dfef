"""The framing of a multipart `/call/` body on Django: it must end with its closing
delimiter (PROTOCOL RPC-7, ERR-8).

Django's parser is lenient: a body cut short before `--<boundary>--` still yields its
parts, the last one with the rest of the body as its value (`"echo\\r\\n"`). A truncated
upload must not run, so the request's stream is watched while Django reads it, and the
body counts as complete only when it holds the closing delimiter with nothing but
whitespace after it. Nothing is buffered: the watch keeps as many bytes as the delimiter.
"""

from __future__ import annotations

from typing import Any, Final

from django.http import HttpRequest

_WHITESPACE: Final = b" \t\r\n"


class ClosingDelimiterWatch:
    """A pass-through wrapper of a request's body stream that remembers whether the body
    seen so far holds the closing delimiter `--<boundary>--` followed by nothing but
    whitespace. (Django's parser would read parts written after it: the standard library's,
    used on FastAPI, calls them an epilogue. Both adapters refuse them.)"""

    def __init__(self, stream: Any, boundary: bytes) -> None:
        self._stream = stream
        self._closing = b"--" + boundary + b"--"
        self._carry = b""  # the last bytes before the closing delimiter is found
        self._closed = False
        self._trailer = False  # something other than whitespace after it

    def _see(self, data: bytes) -> bytes:
        if not data or self._trailer:
            return data
        rest = data
        if not self._closed:
            size = len(self._closing)
            # A delimiter split across two reads lies within the carry and this read's first
            # size-1 bytes; anything else is found in the read itself, never copied whole.
            at = (self._carry + data[: size - 1]).find(self._closing)
            if at >= 0:
                end = at + size - len(self._carry)  # where it ends in this read
            else:
                at = data.find(self._closing)
                if at < 0:
                    self._carry = (self._carry + data)[-(size - 1) :] if len(data) < size - 1 else data[-(size - 1) :]
                    return data
                end = at + size
            self._closed = True
            rest = data[end:]
        if rest.strip(_WHITESPACE):
            self._trailer = True
        return data

    @property
    def complete(self) -> bool:
        """The closing delimiter was read, and nothing but whitespace after it."""
        return self._closed and not self._trailer

    def read(self, *args: Any, **kwargs: Any) -> bytes:
        return self._see(self._stream.read(*args, **kwargs))

    def readline(self, *args: Any, **kwargs: Any) -> bytes:
        return self._see(self._stream.readline(*args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def watch_framing(request: HttpRequest) -> ClosingDelimiterWatch | None:
    """Start watching a multipart request's body before the view reads it.

    Returns None when there is nothing to decide here: no boundary (Django's parser then
    refuses the body), or a middleware already consumed the stream without keeping the
    bytes. When it kept them (`request.body`), they are checked at once.
    """
    boundary = request.content_params.get("boundary", "")
    if not boundary:
        return None
    closing = boundary.encode("ascii", "replace")
    if getattr(request, "_read_started", False):
        body = getattr(request, "_body", None)
        if body is None:
            return None
        watch = ClosingDelimiterWatch(None, closing)
        watch._see(body)
        return watch
    watch = ClosingDelimiterWatch(request._stream, closing)
    request._stream = watch  # Django's read(), readline() and the parser all read through it
    return watch
