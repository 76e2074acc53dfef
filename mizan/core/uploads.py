"""`Upload`: the one non-JSON parameter type (PROTOCOL §10.5, UPL-1, UPL-3).

An `Upload` wraps the framework's uploaded file (Django `UploadedFile`, Starlette
`UploadFile`) behind one interface. Only an `Upload` instance validates as one, so a JSON
`/call/` can never satisfy an `Upload` parameter: it answers 422 for that field.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

CHUNK_SIZE = 64 * 1024


class Upload:
    """One uploaded file: `filename`, `content_type`, `size`, `read()`, `chunks()`, `aread()`.

    Args:
        file: the framework's file object; it must offer `read(size)` (Django) or an
            awaitable `read(size)` (Starlette), and may offer `chunks()`.
        filename: the client-supplied name (never trust it as a path).
        content_type: the client-supplied media type.
        size: the size in bytes, when the framework knows it.
    """

    __slots__ = ("_file", "content_type", "filename", "size")

    def __init__(self, file: Any, *, filename: str, content_type: str, size: int | None) -> None:
        self._file = file
        self.filename = filename
        self.content_type = content_type
        self.size = size

    def read(self, size: int = -1) -> bytes:
        """The next `size` bytes (all that is left by default) of a synchronous file."""
        data = self._file.read(size)
        if inspect.isawaitable(data):
            closer = getattr(data, "close", None)
            if closer is not None:
                closer()
            raise TypeError("this upload is asynchronous: use `await upload.aread()`")
        return bytes(data)

    def chunks(self, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The file in pieces, so large uploads never sit in memory whole."""
        native = getattr(self._file, "chunks", None)
        if native is not None:
            yield from native(chunk_size)
            return
        while piece := self.read(chunk_size):
            yield piece

    async def aread(self, size: int = -1) -> bytes:
        """`read()` for either kind of file, from async code."""
        data = self._file.read(size)
        if inspect.isawaitable(data):
            data = await data
        return bytes(data)

    def __repr__(self) -> str:
        return f"Upload(filename={self.filename!r}, content_type={self.content_type!r}, size={self.size!r})"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        # Only a bound file validates; nothing in a JSON body can become one (UPL-2).
        return core_schema.is_instance_schema(cls)


def mentions_upload(annotation: Any) -> bool:
    """True when `Upload` appears anywhere in an annotation (under Optional, list, ...)."""
    if annotation is Upload:
        return True
    return any(mentions_upload(arg) for arg in typing.get_args(annotation) if arg is not Ellipsis)
