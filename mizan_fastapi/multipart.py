"""The `multipart/form-data` form of `POST /call/` read into text fields and file-part
names, as Django's parser reads it (PROTOCOL RPC-7, UPL-2).

Starlette's own form parser needs the `python-multipart` package, which is outside the
DEP-1 allowlist; the body is already capped at `max_body_bytes`, so the standard library's
MIME parser reads it in memory instead. The core (`form_call_pipeline`) decides what the
fields mean.
"""

from __future__ import annotations

import email.parser
import email.policy
from email.message import EmailMessage, Message

from mizan.core.errors import BadRequest

MEDIA_TYPE = "multipart/form-data"


def media_type(content_type: str | None) -> str:
    """The lower-cased media type of a `Content-Type` value, without parameters."""
    return (content_type or "").partition(";")[0].strip().lower()


def _text(value: str) -> str:
    """A header value as Django decodes it: UTF-8, invalid bytes replaced."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _disposition(part: Message) -> tuple[str | None, str | None, bool]:
    """`(name, filename, has_filename)` of a part's `Content-Disposition`."""
    header = part.get("content-disposition")
    params = getattr(header, "params", None) or {}
    name = params.get("name")
    filename = params.get("filename")
    return (
        _text(str(name)).strip() if name is not None else None,
        _text(str(filename)) if filename is not None else None,
        "filename" in params,
    )


def parse_form(content_type: str, body: bytes) -> tuple[dict[str, list[str]], list[str]]:
    """Read a multipart body: text parts by name (repeated names kept in order) and the
    names of the file parts.

    Like Django, a part without a name is skipped, a file part with an empty filename (an
    empty file input) is skipped, text is UTF-8 with invalid bytes replaced, and a
    base64 transfer encoding is decoded.

    Raises:
        BadRequest: no boundary, or a body that is not a complete multipart document
            ending with its closing delimiter (whitespace aside).
    """
    head = b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\nMIME-Version: 1.0\r\n\r\n"
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not isinstance(message, EmailMessage) or not message.is_multipart() or message.defects:
        raise BadRequest()
    if (message.epilogue or "").strip():
        # Only whitespace may follow the closing delimiter, as on Django (mizan/multipart.py):
        # Django's parser would read parts written after it.
        raise BadRequest()
    fields: dict[str, list[str]] = {}
    files: list[str] = []
    for part in message.iter_parts():
        if part.defects or part.is_multipart():
            raise BadRequest()
        name, filename, is_file = _disposition(part)
        if not name:
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if is_file:
            if filename:
                files.append(name)
            continue
        fields.setdefault(name, []).append(data.decode("utf-8", "replace"))
    return fields, files
