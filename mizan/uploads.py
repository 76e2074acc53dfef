"""Files of a multipart `/call/` on Django: read by Django's own upload handlers, held to
Mizan's limits, handed to the core as `Upload` objects (PROTOCOL §10.5, UPL-3, UPL-4).

Django streams each file through `FILE_UPLOAD_HANDLERS` (memory below
`FILE_UPLOAD_MAX_MEMORY_SIZE`, a temporary file above), counts the files against
`DATA_UPLOAD_MAX_NUMBER_FILES` and the text parts against `DATA_UPLOAD_MAX_MEMORY_SIZE`.
What Django has no setting for is the size of one file: `FileSizeLimit`, put first in
the request's handler chain, stops the upload at `MIZAN_MAX_UPLOAD_BYTES` without
reading the rest of the body.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

from mizan.core.errors import BadRequest
from mizan.core.multipart import LIMIT_FIELDS, LIMIT_FILE_COUNT, LimitExceeded
from mizan.core.uploads import Upload


class FileSizeLimit(FileUploadHandler):
    """Passes every chunk on to the next handler and stops the upload once one file has
    gone over `max_bytes`: Django then closes the files it opened and, with
    `connection_reset`, reads no further (the rest of the body is never read)."""

    def __init__(self, request: HttpRequest, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.exceeded = False
        self._received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self._received += len(raw_data)
        if self._received > self.max_bytes:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler makes the file object


def limit_file_size(request: HttpRequest, max_bytes: int) -> FileSizeLimit | None:
    """Put a `FileSizeLimit` first in this request's upload handlers; None when the body
    was already parsed (a middleware read `request.POST`), when only the sizes Django
    recorded can be checked (`oversize_file`)."""
    limit = FileSizeLimit(request, max_bytes)
    try:
        request.upload_handlers = [limit, *request.upload_handlers]
    except AttributeError:  # "You cannot set the upload handlers after the upload has been processed."
        return None
    return limit


def oversize_file(request: HttpRequest, max_bytes: int) -> bool:
    """True when a file Django already read is larger than `max_bytes`."""
    return any(item.size > max_bytes for _, files in request.FILES.lists() for item in files)


def close_partial_files(request: HttpRequest) -> None:
    """Close (and so delete) the file a handler was writing when parsing failed: Django
    closes it only when an upload is stopped, and a failed parse never reaches
    `request.FILES`, which Django closes when the response is done."""
    for handler in getattr(request, "_upload_handlers", ()):
        file = getattr(handler, "file", None)
        if file is not None:
            file.close()


def refusal(exc: Exception) -> BadRequest:
    """The 400 for Django refusing a multipart body: a limit named in `details` when it
    was one (UPL-4), else the plain ERR-8 answer."""
    if isinstance(exc, TooManyFilesSent):
        return LimitExceeded(LIMIT_FILE_COUNT)
    if isinstance(exc, RequestDataTooBig):
        return LimitExceeded(LIMIT_FIELDS)
    return BadRequest()


def uploads_of(request: HttpRequest) -> dict[str, list[Upload]]:
    """The request's files as `Upload` objects by part name, in the order sent."""
    return {
        name: [
            Upload(item, filename=item.name or "", content_type=item.content_type or "", size=item.size, source=item)
            for item in files
        ]
        for name, files in request.FILES.lists()
    }
