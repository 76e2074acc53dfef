"""A streaming reader of `multipart/form-data` bodies that binds what Django's parser binds
(PROTOCOL RPC-7, UPL-2, UPL-4, ERR-8).

The FastAPI adapter feeds it the body chunk by chunk. Files are spooled (in memory up to
`spool_bytes`, then in a temporary file), so an upload never sits in memory whole, and each
limit is enforced by the chunk that crosses it. What it binds is what Django's
`MultiPartParser` (5.2 and 6.1) binds from the same bytes, however they are chunked
(tests/core/test_multipart_reader.py compares them). Where Django reads a body in a way
other parsers would not, or its versions disagree, the body is refused instead, so no
client can make the two adapters bind different things:

- no closing delimiter `--<boundary>--` (Django binds the cut-off part), or anything but
  whitespace after it (Django reads parts there);
- `--<boundary>` other than at the start of a line and followed by spaces and CRLF
  (Django splits at it anywhere, even inside a header or a file);
- a header line Django skips (not UTF-8, no `name:`, folded, unreadable parameters), a
  repeated header (Django keeps the last), a part cut off before its blank line;
- a preamble of 1024 bytes or more, or holding a blank line and not only whitespace
  (Django reads a part from it); an epilogue of 1024 bytes or more (Django refuses most);
- base64 that is not strict (Django 5.2 decodes it leniently, 6.1 keeps the text as sent,
  and both keep or drop file data after padding depending on the chunking);
- a boundary outside RFC 2046 (1-70 characters of its set; Django takes 1-201 of ASCII).

A part Django skips (no `name`, or a filename that sanitizes to nothing) is skipped whole:
Django resumes parsing inside such a part past its first 64 KiB.
"""

from __future__ import annotations

import binascii
import codecs
import enum
import html
import os.path
import re
from collections.abc import Collection
from dataclasses import dataclass
from email.message import Message
from email.utils import collapse_rfc2231_value
from tempfile import SpooledTemporaryFile
from typing import Any, BinaryIO, Final, cast

from mizan.core.errors import BadRequest

_CRLF: Final = b"\r\n"
_BLANK_LINE: Final = b"\r\n\r\n"
_MAX_HEADER_BYTES: Final = 1024  # Django's MAX_TOTAL_HEADER_SIZE, counted from the boundary
_MAX_FILENAME: Final = 255  # Django's UploadedFile truncates longer names, keeping the extension
_ASCII_SPACE: Final = " \t\n\r\x0b\x0c"  # what bytes.strip() strips (Django strips names as bytes)
_WHITESPACE: Final = _ASCII_SPACE.encode()
_BCHAR = r"0-9A-Za-z'()+_,\-./:=?"
_BOUNDARY: Final = re.compile(f"[{_BCHAR} ]{{0,69}}[{_BCHAR}]")  # RFC 2046 §5.1.1
_TOKEN: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9a-z]+")  # a (lower-cased) header name, RFC 9110

Headers = dict[str, tuple[str, dict[str, str]]]


@dataclass(frozen=True)
class UploadLimits:
    """The limits of one multipart body (UPL-4)."""

    max_file_bytes: int  # largest single file (MIZAN_MAX_UPLOAD_BYTES), decoded bytes
    max_files: int  # most file parts (DATA_UPLOAD_MAX_NUMBER_FILES)
    max_field_bytes: int | None  # text parts in total, counted as Django does (ERR-8); None: no limit
    spool_bytes: int = 1024 * 1024  # a file above this moves from memory to a temporary file


# The names `LimitExceeded` puts in `details.limit`, the same on both adapters (UPL-4).
LIMIT_FILE_SIZE: Final = "max_upload_bytes"
LIMIT_FILE_COUNT: Final = "max_upload_files"
LIMIT_FIELDS: Final = "max_body_bytes"


class LimitExceeded(BadRequest):
    """A limit of :class:`UploadLimits` was crossed; `details["limit"]` names it:
    `LIMIT_FILE_SIZE`, `LIMIT_FILE_COUNT` or `LIMIT_FIELDS`."""

    def __init__(self, limit: str) -> None:
        super().__init__(details={"limit": limit})
        self.limit = limit


class MalformedMultipart(BadRequest):
    """A body refused as malformed; `reason` is for logs and tests (the wire message stays
    `Invalid request body`)."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason
        self.args = (reason,)


@dataclass
class FilePart:
    """One file part: `size` counts the bytes received (a `Content-Length` is ignored)."""

    name: str
    filename: str
    content_type: str  # "" when the part has none, as on Django
    size: int
    file: BinaryIO


class _State(enum.Enum):
    PREAMBLE = enum.auto()
    HEADERS = enum.auto()  # the buffer starts right after a `--<boundary>`
    BODY = enum.auto()
    EPILOGUE = enum.auto()  # the buffer starts at the `--` closing the last boundary
    CLOSED = enum.auto()


def _split_params(value: str) -> tuple[str, dict[str, str]]:
    """A header value's lower-cased first item and its parameters, read by the standard
    library's email parser as Django reads them (quoted strings, RFC 2231 `name*=`).

    Raises:
        MalformedMultipart: parameters the email parser cannot read: an RFC 2231 value in
            a charset Python does not know or cannot decode with (Django drops the header
            line), `name*` mixed with `name*0` (a TypeError: a 500 on Django).
    """
    if ";" not in value:
        return value.strip().lower(), {}
    message = Message()
    message["content-type"] = value
    params: dict[str, str] = {}
    try:
        items: list[tuple[str, Any]] = message.get_params() or [("", "")]
        for key, item in items[1:]:
            if isinstance(item, tuple):  # RFC 2231: (charset, language, text)
                if item[0]:
                    codecs.lookup(item[0])
                item = collapse_rfc2231_value(item)
            if key:
                params[key] = item
    except (LookupError, TypeError, ValueError):
        raise MalformedMultipart("unreadable header parameters") from None
    return items[0][0].lower(), params


def _read_headers(block: bytes) -> Headers:
    """The headers of one part; `block` runs from the boundary to the blank line, so its
    first line is the boundary's transport padding."""
    padding, *lines = block.split(_CRLF)
    if padding.strip(b" \t"):
        raise MalformedMultipart("text after a boundary")
    headers: Headers = {}
    for line in lines:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedMultipart("part header not UTF-8") from None
        if "\r" in text or "\n" in text or text[:1] in (" ", "\t"):
            raise MalformedMultipart("folded or broken part header")
        head, params = _split_params(text)
        key, colon, value = head.partition(":")
        if not colon or not _TOKEN.fullmatch(key) or key in headers:
            raise MalformedMultipart("malformed or repeated part header")
        headers[key] = (value.strip(), params)
    return headers


def _unbase64(encoded: bytes) -> bytes:
    """Strict base64: the RFC 4648 alphabet, padding only at the end. Django 5.2 and 6.x
    decode such data alike, and anything else differently (or by how it was chunked).

    Raises:
        MalformedMultipart: not strict base64.
    """
    try:
        return binascii.a2b_base64(encoded, strict_mode=True)
    except binascii.Error:
        raise MalformedMultipart("invalid base64") from None


def _sanitize_filename(filename: str) -> str | None:
    """The client's filename as Django keeps it, or None when Django skips the file: HTML
    entities unescaped, what follows the last `/` or `\\`, printable characters only, at
    most 255 characters (the extension kept)."""
    name = html.unescape(filename).rpartition("/")[2].rpartition("\\")[2]
    name = "".join(char for char in name if char.isprintable())
    if name in ("", ".", ".."):
        return None
    if len(name) > _MAX_FILENAME:
        stem, extension = os.path.splitext(name)
        extension = extension[:_MAX_FILENAME]
        name = stem[: _MAX_FILENAME - len(extension)] + extension
    return name


class MultipartReader:
    """Reads one `multipart/form-data` body fed in chunks; see the module docstring for
    what it refuses that Django accepts.

    Args:
        content_type: the request's `Content-Type` header.
        limits: the limits to enforce while reading.
        text_names: the only names text parts may have (None: any name).

    Raises:
        BadRequest: not `multipart/form-data`, or no valid boundary.
    """

    def __init__(self, content_type: str, limits: UploadLimits, *, text_names: Collection[str] | None = None) -> None:
        media, params = _split_params(content_type) if content_type.isascii() else ("", {})
        boundary = params.get("boundary", "")
        if media != "multipart/form-data" or not _BOUNDARY.fullmatch(boundary):
            raise MalformedMultipart("not multipart/form-data with a valid boundary")
        self._sep = b"--" + boundary.encode("ascii")
        self._delimiter = _CRLF + self._sep
        self._limits = limits
        self._text_names = text_names
        self._buffer = bytearray()
        self._state = _State.PREAMBLE
        self._fields: dict[str, list[str]] = {}
        self._files: list[FilePart] = []
        self._opened: list[SpooledTemporaryFile[bytes]] = []
        self._file_count = 0
        self._text_bytes = 0  # Django's count: raw bytes of text parts, plus len(name) + 2 each
        # The part being read: text (bytes so far) or file, or neither when skipped.
        self._name = ""
        self._text: bytearray | None = None
        self._file: FilePart | None = None
        self._base64 = False
        self._carry = b""  # base64 characters of an incomplete quantum
        self._padded = False

    def feed(self, data: bytes) -> None:
        """Read the next chunk of the body.

        Raises:
            LimitExceeded: this chunk crossed a limit.
            MalformedMultipart: this chunk shows the body is malformed (see the module).
        """
        if self._state is _State.CLOSED:
            raise MalformedMultipart("the reader is closed")
        self._buffer += data
        try:
            while self._step():
                pass
        except BaseException:
            self.close()
            raise

    def finish(self) -> tuple[dict[str, list[str]], list[FilePart]]:
        """End of body: the text parts by name (repeated names in order) and the file parts,
        rewound. The files stay open until :meth:`close`.

        Raises:
            MalformedMultipart: the closing delimiter was not read.
        """
        if self._state is not _State.EPILOGUE:
            self.close()
            raise MalformedMultipart("no closing delimiter")
        return self._fields, self._files

    def close(self) -> None:
        """Close every file this reader created (temporary files are removed); idempotent."""
        self._state = _State.CLOSED
        for spooled in self._opened:
            spooled.close()

    def _step(self) -> bool:
        """Advance by what the buffer holds; True when another step may make progress."""
        if self._state is _State.PREAMBLE:
            return self._preamble()
        if self._state is _State.HEADERS:
            return self._headers()
        if self._state is _State.BODY:
            return self._body()
        buffer = self._buffer  # the epilogue, kept whole: it is refused past 1024 bytes
        if len(buffer) >= _MAX_HEADER_BYTES or buffer[2:].strip(_WHITESPACE):
            raise MalformedMultipart("epilogue not short whitespace")
        return False

    def _delimiter_at(self, at: int) -> None:
        """Django splits at a boundary anywhere; RFC 2046 only at the start of a line."""
        if at < 2 or self._buffer[at - 2 : at] != _CRLF:
            raise MalformedMultipart("boundary not at the start of a line")

    def _preamble(self) -> bool:
        buffer = self._buffer
        at = buffer.find(self._sep)
        if at < 0:
            if len(buffer) > _MAX_HEADER_BYTES + len(self._sep):  # the preamble is >= 1024 bytes
                raise MalformedMultipart("preamble too long")
            return False
        if at:
            self._delimiter_at(at)
        preamble = bytes(buffer[: max(at - 2, 0)])
        if len(preamble) >= _MAX_HEADER_BYTES:
            raise MalformedMultipart("preamble too long")
        if _BLANK_LINE in preamble and preamble.strip(_WHITESPACE):
            raise MalformedMultipart("preamble Django would read as a part")
        del buffer[: at + len(self._sep)]
        self._state = _State.HEADERS
        return True

    def _headers(self) -> bool:
        buffer = self._buffer
        if len(buffer) < 2:
            return False
        if buffer[:2] == b"--":
            self._state = _State.EPILOGUE
            return True
        # Django reads a part's headers from its first 1024 bytes, which end at the next
        # boundary (and the CRLF before it) when that comes first.
        at = buffer.find(self._sep, 0, _MAX_HEADER_BYTES + len(self._sep) + 2)
        end = _MAX_HEADER_BYTES if at < 0 else max(min(_MAX_HEADER_BYTES, at - 2), 0)
        blank = buffer.find(_BLANK_LINE, 0, end)
        if blank < 0:
            if at >= 0 or len(buffer) >= _MAX_HEADER_BYTES:
                raise MalformedMultipart("part headers cut off or over 1024 bytes")
            return False
        headers = _read_headers(bytes(buffer[:blank]))
        del buffer[: blank + len(_BLANK_LINE)]
        self._start_part(headers)
        self._state = _State.BODY
        return True

    def _body(self) -> bool:
        buffer = self._buffer
        at = buffer.find(self._sep)
        if at < 0:
            end = len(buffer) - self._held_back()
            if end > 0:
                self._receive(buffer[:end])
                del buffer[:end]
            return False
        self._delimiter_at(at)
        self._receive(buffer[: at - 2])
        self._end_part()
        del buffer[: at + len(self._sep)]
        self._state = _State.HEADERS
        return True

    def _held_back(self) -> int:
        """The length of the longest tail of the buffer that may begin a boundary, with or
        without its CRLF: those bytes are not known to be content yet (the rest is, so a
        limit falls on the very chunk that crosses it)."""
        buffer = self._buffer
        for at in range(max(len(buffer) - len(self._sep) - 1, 0), len(buffer)):
            if buffer[at] in b"\r-" and (self._delimiter.startswith(buffer[at:]) or self._sep.startswith(buffer[at:])):
                return len(buffer) - at
        return 0

    def _start_part(self, headers: Headers) -> None:
        self._text = self._file = None
        params = headers.get("content-disposition", ("", {}))[1]
        if "name" not in params:
            return  # skipped, as on Django
        self._name = name = params["name"].strip(_ASCII_SPACE)
        self._base64 = headers.get("content-transfer-encoding", ("", {}))[0] == "base64"
        self._carry, self._padded = b"", False
        if not params.get("filename"):  # also `filename=""` (an empty file input): text on Django
            if self._text_names is not None and name not in self._text_names:
                raise MalformedMultipart("unexpected text part")
            self._text = bytearray()
            self._count_text(len(name) + 2)
            return
        self._file_count += 1  # Django counts the parts it then skips for their filename
        if self._file_count > self._limits.max_files:
            raise LimitExceeded(LIMIT_FILE_COUNT)
        filename = _sanitize_filename(params["filename"])
        if filename is None:
            return
        spooled = SpooledTemporaryFile(max_size=self._limits.spool_bytes)
        self._opened.append(spooled)
        content_type = headers.get("content-type", ("", {}))[0]
        self._file = FilePart(name, filename, content_type, 0, cast(BinaryIO, spooled))

    def _count_text(self, size: int) -> None:
        self._text_bytes += size
        limit = self._limits.max_field_bytes
        if limit is not None and self._text_bytes > limit:
            raise LimitExceeded(LIMIT_FIELDS)

    def _receive(self, data: bytearray) -> None:
        if self._text is not None:
            self._count_text(len(data))
            self._text += data
        elif self._file is not None:
            decoded = self._decode(data) if self._base64 else data
            size = self._file.size + len(decoded)
            if size > self._limits.max_file_bytes:
                raise LimitExceeded(LIMIT_FILE_SIZE)
            self._file.file.write(decoded)
            self._file.size = size

    def _decode(self, data: bytearray) -> bytes:
        """Base64 file data, whitespace aside (as Django strips it), a whole quantum at a time
        (the rest is carried to the next chunk)."""
        encoded = self._carry + b"".join(data.split())
        if encoded and self._padded:
            raise MalformedMultipart("invalid base64")
        whole = len(encoded) // 4 * 4
        self._carry = encoded[whole:]
        if not whole:
            return b""
        self._padded = encoded[whole - 1] == ord("=")
        return _unbase64(encoded[:whole])

    def _end_part(self) -> None:
        if self._text is not None:
            raw = _unbase64(bytes(self._text)) if self._base64 else self._text
            self._fields.setdefault(self._name, []).append(raw.decode("utf-8", "replace"))
        elif self._file is not None:
            part = self._file
            if self._carry:
                raise MalformedMultipart("invalid base64")
            part.file.seek(0)
            if part.name:
                self._files.append(part)
            else:
                part.file.close()  # Django never completes a file part whose name is empty
        self._text = self._file = None
