"""The `multipart/form-data` form of `POST /call/` on FastAPI, read as it arrives
(PROTOCOL RPC-7, UPL-2..4).

Starlette's own form parser needs the `python-multipart` package, which is outside the
DEP-1 allowlist, so the body goes through Mizan's streaming reader
(`mizan.core.multipart`) chunk by chunk: files are spooled like Starlette's (memory up to
`upload_spool_bytes`, a temporary file above), each handed to the function as an
`Upload` wrapping Starlette's `UploadFile`, and a limit is answered as soon as the
chunk that crosses it arrives, without reading the rest of the body.
"""

from __future__ import annotations

import sys

from starlette.background import BackgroundTask
from starlette.datastructures import Headers, UploadFile
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from mizan.core.errors import BadRequest
from mizan.core.multipart import FilePart, MultipartReader, UploadLimits
from mizan.core.settings import MizanSettings
from mizan.core.uploads import Upload

MEDIA_TYPE = "multipart/form-data"


def media_type(content_type: str | None) -> str:
    """The lower-cased media type of a `Content-Type` value, without parameters."""
    return (content_type or "").partition(";")[0].strip().lower()


def limits_of(settings: MizanSettings) -> UploadLimits:
    """The upload limits in force (UPL-4): the same four numbers as on Django."""
    return UploadLimits(
        max_file_bytes=settings.max_upload_bytes,
        max_files=sys.maxsize if settings.max_upload_files is None else settings.max_upload_files,
        max_field_bytes=settings.max_body_bytes,
        spool_bytes=settings.upload_spool_bytes,
    )


def _upload(part: FilePart) -> Upload:
    native = UploadFile(
        part.file, size=part.size, filename=part.filename, headers=Headers({"content-type": part.content_type})
    )
    return Upload(part.file, filename=part.filename, content_type=part.content_type, size=part.size, source=native)


async def read_form(
    request: Request, content_type: str, settings: MizanSettings
) -> tuple[MultipartReader, dict[str, list[str]], dict[str, list[Upload]]]:
    """Read the body: the reader (to close its files later), the text parts by name and
    the files as `Upload` objects by name.

    Raises:
        BadRequest: a malformed body or a limit crossed (the reader's files are closed),
            or a client that went away.
    """
    # Every text part is read (the core judges the others: an empty one may be a file
    # input left empty); together they stay under max_body_bytes.
    reader = MultipartReader(content_type, limits_of(settings))
    try:
        async for chunk in request.stream():
            reader.feed(chunk)
        fields, parts = reader.finish()
    except (ClientDisconnect, RuntimeError):  # the client left, or the stream was consumed elsewhere
        reader.close()
        raise BadRequest() from None
    except BadRequest:
        reader.close()
        raise
    files: dict[str, list[Upload]] = {}
    for part in parts:
        files.setdefault(part.name, []).append(_upload(part))
    return reader, fields, files


def close_after(response: Response, reader: MultipartReader) -> Response:
    """Close the request's files once the response is sent (temporary files are deleted),
    also after a streamed view-path response that reads them while it is sent."""
    previous = response.background

    async def close() -> None:
        try:
            if previous is not None:
                await previous()
        finally:
            reader.close()

    response.background = BackgroundTask(close)
    return response
