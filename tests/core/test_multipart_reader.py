"""The streaming multipart reader (mizan.core.multipart): it binds what Django's
MultiPartParser binds from the same bytes, however the body is chunked (UPL-2), refuses
what Django reads ambiguously, and enforces each limit on the chunk that crosses it
(UPL-4, ERR-8), leaving no file open behind it."""

from __future__ import annotations

import base64
import io
import urllib.parse
from collections.abc import Iterator, Sequence
from tempfile import SpooledTemporaryFile
from typing import Any

import pytest
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFilesSent
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.test import override_settings
from hypothesis import assume, event, given
from hypothesis import strategies as st

from mizan.core import multipart
from mizan.core.errors import BadRequest
from mizan.core.multipart import FilePart, LimitExceeded, MalformedMultipart, MultipartReader, UploadLimits

BOUNDARY = "----mizanFormBoundary7MA4YWxkTrZu0gW"
SEP = b"--" + BOUNDARY.encode()
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
ROOMY = UploadLimits(max_file_bytes=10 * 1024 * 1024, max_files=100, max_field_bytes=2_621_440, spool_bytes=16)
BCHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? "
CHUNK = 64 * 1024

Outcome = Any  # "refused", a limit name, or (fields, files by name)


# --- building bodies and reading them both ways ---------------------------------------------


def quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def part(disposition: str, data: bytes = b"", *headers: str, sep: bytes = SEP, padding: bytes = b"") -> bytes:
    lines = [f"Content-Disposition: {disposition}", *headers]
    return sep + padding + b"\r\n" + "\r\n".join(lines).encode() + b"\r\n\r\n" + data + b"\r\n"


def body(*parts: bytes, sep: bytes = SEP, epilogue: bytes = b"\r\n") -> bytes:
    return b"".join(parts) + sep + b"--" + epilogue


def pieces(data: bytes, cuts: Sequence[int]) -> Iterator[bytes]:
    start = 0
    for cut in sorted(set(cuts)):
        yield data[start:cut]
        start = cut
    yield data[start:]


def by_name(files: Sequence[tuple[str, tuple[str, str, int, bytes]]]) -> dict[str, list[tuple[str, str, int, bytes]]]:
    grouped: dict[str, list[tuple[str, str, int, bytes]]] = {}
    for name, file in files:
        grouped.setdefault(name, []).append(file)
    return grouped


def django_read(data: bytes, content_type: str = CONTENT_TYPE) -> Outcome:
    """What Django's parser makes of `data`, with its two default upload handlers."""
    meta = {"CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(data))}
    try:
        handlers = [MemoryFileUploadHandler(), TemporaryFileUploadHandler()]
        post, files = MultiPartParser(meta, io.BytesIO(data), handlers).parse()
    except TooManyFilesSent:
        return "max_upload_files"
    except RequestDataTooBig:
        return "max_body_bytes"
    except (MultiPartParserError, SuspiciousOperation):
        return "refused"
    uploads = [(name, (f.name, f.content_type, f.size, f.read())) for name, items in files.lists() for f in items]
    for _, items in files.lists():
        for f in items:
            f.close()
    return {key: post.getlist(key) for key in post}, by_name(uploads)


def reader_read(
    data: bytes, cuts: Sequence[int] = (), limits: UploadLimits = ROOMY, content_type: str = CONTENT_TYPE
) -> Outcome:
    """What the reader makes of `data` fed in the pieces `cuts` delimits."""
    try:
        reader = MultipartReader(content_type, limits)
    except BadRequest:
        return "refused"
    try:
        for piece in pieces(data, cuts):
            reader.feed(piece)
        fields, files = reader.finish()
        return fields, by_name([(f.name, (f.filename, f.content_type, f.size, f.file.read())) for f in files])
    except LimitExceeded as exc:
        return exc.limit
    except BadRequest:
        return "refused"
    finally:
        reader.close()


def refused_at(reader: MultipartReader, chunks: Sequence[bytes]) -> tuple[int, BadRequest]:
    """Feed `chunks` until one is refused: its index and the error."""
    for index, chunk in enumerate(chunks):
        try:
            reader.feed(chunk)
        except BadRequest as exc:
            return index, exc
    raise AssertionError("no chunk was refused")


@pytest.fixture
def spooled(monkeypatch: pytest.MonkeyPatch) -> list[SpooledTemporaryFile[bytes]]:
    """Every spooled file the reader creates during the test."""
    created: list[SpooledTemporaryFile[bytes]] = []

    class Recording(SpooledTemporaryFile):  # type: ignore[type-arg]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            created.append(self)

    monkeypatch.setattr(multipart, "SpooledTemporaryFile", Recording)
    return created


# --- the generated documents --------------------------------------------------------------

names = st.text(st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)), max_size=12)
filenames = st.one_of(
    names,
    st.sampled_from(
        [
            "../x.txt",
            "a\\b\\c.pdf",
            "C:\\fakepath\\ü.png",
            "..",
            ".",
            "/",
            "a\x00b",
            'q"uo"te',
            "&lt;&amp;.txt",
            "&#46;.",
        ]
    ),
    st.builds(
        lambda stem, ext: stem * 40 + ext, st.sampled_from(["x", "é", "日本"]), st.sampled_from(["", ".txt", ".a" * 3])
    ),
)
content_types = st.sampled_from(
    [None, "text/plain", "Application/Octet-Stream", "image/PNG; charset=binary", "text/plain;charset=utf-8"]
)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, bytes]:
    """A well-formed multipart document (its content type and bytes) whose parts hold
    bytes that look like parts of its boundary."""
    boundary = draw(st.text(BCHARS, min_size=1, max_size=70).filter(lambda b: not b.endswith(" ")))
    sep = b"--" + boundary.encode()
    decoys = [sep[:k] for k in range(1, len(sep))] + [b"\r\n" + sep[: len(sep) // 2], b"\r\n", b"--", b"\r\n\r\n"]
    contents = st.lists(st.one_of(st.binary(max_size=30), st.sampled_from(decoys)), max_size=6).map(b"".join)
    encoded: list[bytes] = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["text", "file", "file", "empty filename", "no name", "no disposition"]))
        data = draw(contents)
        header = draw(st.sampled_from(["Content-Disposition", "content-disposition", "CONTENT-DISPOSITION"]))
        disposition = f"{header}: {draw(st.sampled_from(['form-data', 'Form-Data', 'attachment']))}"
        name = draw(names)
        if kind != "no name":
            disposition += f"; name={quoted(name)}"
        if kind == "empty filename":
            disposition += '; filename=""'
        filename = draw(filenames) if kind == "file" else ""
        if kind == "file":
            style = draw(st.sampled_from(["quoted", "rfc2231", "both"]))
            if style != "rfc2231":
                disposition += f"; filename={quoted(filename)}"
            if style != "quoted":
                disposition += "; filename*=UTF-8''" + urllib.parse.quote(filename.encode("utf-8", "surrogatepass"))
        lines = [] if kind == "no disposition" else [disposition]
        if (content_type := draw(content_types)) is not None:
            lines.append(f"Content-Type: {content_type}")
        if draw(st.booleans()):
            lines.append(f"Content-Length: {draw(st.integers(0, 99))}")  # a lie, ignored
        if draw(st.booleans()):
            # Strict base64; file data may have MIME line breaks (Django strips them). A
            # backslash can make the email parser read the filename into the name (both
            # parsers do): the part is then text, where line breaks are refused.
            lines.append(f"Content-Transfer-Encoding: {draw(st.sampled_from(['base64', 'BASE64']))}")
            is_file = filename and "\\" not in name + filename
            encodings = [base64.b64encode, base64.encodebytes] if is_file else [base64.b64encode]
            data = draw(st.sampled_from(encodings))(data)
        padding = draw(st.sampled_from([b"", b" ", b" \t"]))
        block = padding + b"\r\n" + "\r\n".join(lines).encode() + b"\r\n\r\n"
        assume(len(block) <= 1024)  # Django refuses more (test_the_header_block_limit)
        encoded.append(sep + block + data + b"\r\n")
    preamble = draw(st.sampled_from([b"", b"\r\n", b" \r\n\r\n \r\n", b"This is a preamble.\r\n"]))
    epilogue = draw(st.sampled_from([b"", b"\r\n", b" \t", b"\r\n\r\n\r\n", b"\r\n  \r\n"]))
    document = preamble + b"".join(encoded) + sep + b"--" + epilogue
    # A client picks a boundary its data does not hold.
    assume(document.count(sep) == len(encoded) + 1)
    return f'multipart/form-data; boundary="{boundary}"', document


@st.composite
def chunkings(draw: st.DrawFn, size: int) -> list[int]:
    """Cut points: a run of tiny chunks, or random cuts."""
    if draw(st.booleans()):
        step = draw(st.integers(1, 7))
        return list(range(step, size, step))
    return draw(st.lists(st.integers(0, size), max_size=12))


# --- the reader binds what Django binds ---------------------------------------------------


@given(st.data())
def test_binds_what_django_binds(data: st.DataObject) -> None:
    content_type, document = data.draw(documents())
    cuts = data.draw(chunkings(len(document)))
    expected = django_read(document, content_type)
    assert expected != "refused"
    event(f"{sum(map(len, expected[0].values()))} text parts, {sum(map(len, expected[1].values()))} files")
    assert reader_read(document, cuts, content_type=content_type) == expected


@given(st.data())
def test_limits_refuse_what_django_refuses(data: st.DataObject) -> None:
    """The file-count and text-size limits fall on the same documents as Django's
    DATA_UPLOAD_MAX_NUMBER_FILES and DATA_UPLOAD_MAX_MEMORY_SIZE (UPL-4, ERR-8)."""
    content_type, document = data.draw(documents())
    max_files = data.draw(st.integers(0, 4))
    max_field_bytes = data.draw(st.integers(0, 200))
    with override_settings(DATA_UPLOAD_MAX_NUMBER_FILES=max_files, DATA_UPLOAD_MAX_MEMORY_SIZE=max_field_bytes):
        expected = django_read(document, content_type)
    limits = UploadLimits(max_file_bytes=10**6, max_files=max_files, max_field_bytes=max_field_bytes, spool_bytes=8)
    cuts = data.draw(chunkings(len(document)))
    assert reader_read(document, cuts, limits, content_type) == expected


def test_a_typical_upload() -> None:
    document = body(
        part('form-data; name="fn"', b"upload"),
        part('form-data; name="args"', b'{"title": "t"}'),
        part('form-data; name="photo"; filename="C:\\fakepath\\cat.png"', b"\x89PNG\r\n--", "Content-Type: image/png"),
        part('form-data; name="notes"; filename="notes.txt"', b"line\r\n"),
        part('form-data; name="photo"; filename="dog.png"', b""),
    )
    fields = {"fn": ["upload"], "args": ['{"title": "t"}']}
    files = {
        "photo": [("cat.png", "image/png", 8, b"\x89PNG\r\n--"), ("dog.png", "", 0, b"")],
        "notes": [("notes.txt", "", 6, b"line\r\n")],
    }
    assert django_read(document) == (fields, files)
    assert reader_read(document, range(1, len(document))) == (fields, files)


def test_an_empty_file_input_is_a_text_part_and_a_dotted_filename_is_skipped() -> None:
    # What Django does: `filename=""` (a file input left empty) makes a text part; a
    # filename that sanitizes to nothing skips the part; an empty name drops a file.
    document = body(
        part('form-data; name="avatar"; filename=""', b"", "Content-Type: application/octet-stream"),
        part('form-data; name="dots"; filename="a/.."', b"skipped"),
        part('form-data; name=""; filename="x.bin"', b"dropped"),
        part("form-data", b"no name"),
    )
    assert django_read(document) == ({"avatar": [""]}, {})
    assert reader_read(document) == ({"avatar": [""]}, {})


def test_a_lying_content_length_is_ignored() -> None:
    document = body(part('form-data; name="f"; filename="f.bin"', b"12345678", "Content-Length: 3"))
    assert reader_read(document) == ({}, {"f": [("f.bin", "", 8, b"12345678")]})


def test_a_large_file_rolls_over_to_disk_and_comes_back_rewound(spooled: list[SpooledTemporaryFile[bytes]]) -> None:
    payload = bytes(range(256)) * 1024  # 256 KiB
    reader = MultipartReader(CONTENT_TYPE, UploadLimits(10**6, 1, None, spool_bytes=4096))
    document = body(part('form-data; name="f"; filename="big.bin"', payload))
    for chunk in pieces(document, range(CHUNK, len(document), CHUNK)):
        reader.feed(chunk)
    fields, files = reader.finish()
    assert fields == {}
    assert [(f.name, f.filename, f.size) for f in files] == [("f", "big.bin", len(payload))]
    assert spooled == [files[0].file] and spooled[0]._rolled
    assert files[0].file.read() == payload
    reader.close()
    reader.close()  # idempotent
    assert spooled[0].closed


# --- limits: refused by the chunk that crosses them ----------------------------------------


def file_chunks(size: int, *, encode: bool = False) -> list[bytes]:
    """A body whose one file part holds `size` bytes, cut into 64 KiB chunks after its
    headers (chunk 0)."""
    data = bytes(range(256)) * (size // 256)
    header = 'form-data; name="f"; filename="f.bin"'
    extra = ("Content-Transfer-Encoding: base64",) if encode else ()
    document = body(part(header, base64.encodebytes(data) if encode else data, *extra))
    head = document.index(b"\r\n\r\n") + 4
    return [document[:head], *pieces(document[head:], range(CHUNK, len(document) - head, CHUNK))]


@pytest.mark.parametrize("encode", [False, True], ids=["raw", "base64"])
def test_a_file_over_max_file_bytes(spooled: list[SpooledTemporaryFile[bytes]], encode: bool) -> None:
    reader = MultipartReader(CONTENT_TYPE, UploadLimits(max_file_bytes=100_000, max_files=5, max_field_bytes=None))
    chunks = file_chunks(1_000_000, encode=encode)
    index, exc = refused_at(reader, chunks)
    # Raw: 64 KiB in chunk 1, 128 KiB by chunk 2. Base64: 48 KiB a chunk, 144 KiB by 3.
    assert index == (3 if encode else 2) and len(chunks) > 15
    assert isinstance(exc, LimitExceeded) and exc.details == {"limit": "max_upload_bytes"}
    assert exc.envelope() == {
        "error": {"code": "BAD_REQUEST", "message": "Invalid request body", "details": {"limit": "max_upload_bytes"}}
    }
    assert len(spooled) == 1 and spooled[0].closed
    with pytest.raises(MalformedMultipart):
        reader.feed(chunks[index + 1])  # a refused body is not read any further


def test_a_file_at_spool_size_then_over_the_limit_was_on_disk(spooled: list[SpooledTemporaryFile[bytes]]) -> None:
    limits = UploadLimits(max_file_bytes=200_000, max_files=5, max_field_bytes=None, spool_bytes=50_000)
    reader = MultipartReader(CONTENT_TYPE, limits)
    index, exc = refused_at(reader, file_chunks(1_000_000))
    assert index == 4 and isinstance(exc, LimitExceeded) and exc.limit == "max_upload_bytes"
    assert len(spooled) == 1 and spooled[0]._rolled and spooled[0].closed


def test_one_file_part_too_many(spooled: list[SpooledTemporaryFile[bytes]]) -> None:
    files = [part(f'form-data; name="f"; filename="{n}.txt"', b"x" * 100) for n in range(4)]
    chunks = [b"".join(files[:2]), files[2], files[3], SEP + b"--\r\n"]
    reader = MultipartReader(CONTENT_TYPE, UploadLimits(max_file_bytes=1000, max_files=2, max_field_bytes=None))
    index, exc = refused_at(reader, chunks)
    assert index == 1 and isinstance(exc, LimitExceeded) and exc.details == {"limit": "max_upload_files"}
    assert len(spooled) == 2 and all(f.closed for f in spooled)


def test_a_skipped_file_part_still_counts(spooled: list[SpooledTemporaryFile[bytes]]) -> None:
    # As DATA_UPLOAD_MAX_NUMBER_FILES counts it on Django.
    chunks = [part('form-data; name="f"; filename=".."', b"x"), part('form-data; name="f"; filename="a"', b"y")]
    reader = MultipartReader(CONTENT_TYPE, UploadLimits(max_file_bytes=1000, max_files=1, max_field_bytes=None))
    index, exc = refused_at(reader, [*chunks, SEP + b"--"])
    assert index == 1 and isinstance(exc, LimitExceeded) and exc.limit == "max_upload_files"
    assert spooled == []


def test_text_parts_over_max_field_bytes(spooled: list[SpooledTemporaryFile[bytes]]) -> None:
    # Counted as Django counts DATA_UPLOAD_MAX_MEMORY_SIZE: each value plus len(name) + 2,
    # so "fn" takes 44 of the 100 bytes and "args" may hold 50.
    text = [part('form-data; name="fn"', b"x" * 40), part('form-data; name="f"; filename="f"', b"files do not count")]
    document = body(*text, part('form-data; name="args"', b"y" * 5000))
    chunks = list(pieces(document, range(100, len(document), 100)))
    limits = UploadLimits(max_file_bytes=1000, max_files=5, max_field_bytes=100)
    index, exc = refused_at(MultipartReader(CONTENT_TYPE, limits), chunks)
    assert index == (document.index(b"y" * 50) + 50) // 100  # the chunk holding the 51st byte
    assert isinstance(exc, LimitExceeded) and exc.details == {"limit": "max_body_bytes"}
    assert len(spooled) == 1 and spooled[0].closed
    for limit, outcome in ((44 + 5006, ({"fn": ["x" * 40], "args": ["y" * 5000]}, {})), (44 + 5005, "max_body_bytes")):
        with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=limit):
            assert django_read(document)[0] == outcome[0]
        assert reader_read(document, limits=UploadLimits(1000, 5, limit))[0] == outcome[0]


def test_a_text_part_with_an_unexpected_name(spooled: list[SpooledTemporaryFile[bytes]]) -> None:
    chunks = [
        part('form-data; name="f"; filename="f"', b"x"),
        part('form-data; name="other"', b"v"),
        body(part('form-data; name="fn"', b"v")),
    ]
    reader = MultipartReader(CONTENT_TYPE, ROOMY, text_names={"fn", "args"})
    index, exc = refused_at(reader, chunks)
    assert index == 1 and isinstance(exc, MalformedMultipart) and exc.reason == "unexpected text part"
    assert len(spooled) == 1 and spooled[0].closed


# --- malformed bodies: refused by the chunk that shows it ----------------------------------

FILE = 'Content-Disposition: form-data; name="f"; filename="f"'
MALFORMED = {
    "header block over 1024 bytes (a 10 KB filename)": (
        SEP + f'\r\nContent-Disposition: form-data; name="f"; filename="{"n" * 10_000}"\r\n\r\nx\r\n'.encode(),
        "part headers cut off or over 1024 bytes",
    ),
    "a part cut off before its blank line": (
        SEP + b"\r\n" + FILE.encode() + b"\r\n" + SEP,
        "part headers cut off or over 1024 bytes",
    ),
    "a header that is not UTF-8": (
        SEP + b'\r\nContent-Disposition: form-data; name="\xff"\r\n\r\n',
        "part header not UTF-8",
    ),
    "a header without a colon": (
        SEP + b"\r\n" + FILE.encode() + b"\r\nnonsense\r\n\r\n",
        "malformed or repeated part header",
    ),
    "a folded header": (
        SEP + b"\r\nContent-Disposition: form-data;\r\n name=a\r\n\r\n",
        "folded or broken part header",
    ),
    "a repeated header": (
        SEP + b"\r\n" + FILE.encode() + b"\r\n" + FILE.encode() + b"\r\n\r\n",
        "malformed or repeated part header",
    ),
    "a space before the colon": (
        SEP + b'\r\nContent-Disposition : form-data; name="a"\r\n\r\n',
        "malformed or repeated part header",
    ),
    "an unknown RFC 2231 charset": (
        SEP + b"\r\n" + FILE.encode() + b"; filename*=nope''x\r\n\r\n",
        "unreadable header parameters",
    ),
    "name* with name*0": (
        SEP + b"\r\nContent-Disposition: form-data; name*=a; name*0=b\r\n\r\n",
        "unreadable header parameters",
    ),
    "text after a boundary": (SEP + b'Content-Disposition: form-data; name="a"\r\n\r\n', "text after a boundary"),
    "a boundary inside a line": (
        body(part('form-data; name="a"', b"x" + SEP + b"\r\n")),
        "boundary not at the start of a line",
    ),
    "a boundary after a bare LF": (
        body(part('form-data; name="a"', b"x\n" + SEP + b"\r\n")),
        "boundary not at the start of a line",
    ),
    "parts after the closing delimiter": (
        body(part('form-data; name="a"', b"x"), epilogue=b"\r\n" + part('form-data; name="b"', b"y")),
        "epilogue not short whitespace",
    ),
    "a 1024-byte epilogue": (
        body(part('form-data; name="a"', b"x"), epilogue=b" " * 1030),
        "epilogue not short whitespace",
    ),
    "a preamble Django reads as a part": (
        b'Content-Disposition: form-data; name="p"\r\n\r\nv\r\n' + body(),
        "preamble Django would read as a part",
    ),
    "a 1024-byte preamble": (b"p" * 1024 + b"\r\n" + body(), "preamble too long"),
    "a 2 KB preamble": (b"p" * 2048, "preamble too long"),
    "base64 that is not": (
        body(part(FILE[21:], b"aGk!", "Content-Transfer-Encoding: base64")),
        "invalid base64",
    ),
    "base64 after padding": (
        body(part(FILE[21:], b"aGk=aGk=", "Content-Transfer-Encoding: base64")),
        "invalid base64",
    ),
    "text base64 with line breaks": (
        body(part('form-data; name="a"', b"aGVs\r\nbG8=", "Content-Transfer-Encoding: base64")),
        "invalid base64",
    ),
    "text base64 that is not": (
        body(part('form-data; name="a"', b"!!", "Content-Transfer-Encoding: base64")),
        "invalid base64",
    ),
    "truncated base64": (
        body(part(FILE[21:], b"aGk", "Content-Transfer-Encoding: base64")),
        "invalid base64",
    ),
}


@pytest.mark.parametrize("data, reason", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_bodies(spooled: list[SpooledTemporaryFile[bytes]], data: bytes, reason: str) -> None:
    reader = MultipartReader(CONTENT_TYPE, ROOMY)
    chunks = [*pieces(data, range(7, len(data), 7)), b"more body that is never read"]
    index, exc = refused_at(reader, chunks)
    assert index < len(chunks) - 1  # refused by a chunk of the body, not at its end
    assert type(exc) is MalformedMultipart and exc.reason == reason and exc.details is None
    assert all(f.closed for f in spooled)


def test_a_10kb_filename_is_refused_like_django() -> None:
    document = body(part(f'form-data; name="f"; filename="{"n" * 10_000}.txt"', b"x"))
    assert django_read(document) == "refused"
    assert reader_read(document) == "refused"


def test_the_header_block_limit() -> None:
    # Django reads a part's headers from the 1024 bytes after its boundary: the blank line
    # must end within them.
    for size in range(1018, 1030):
        prefix = b'\r\nContent-Disposition: form-data; name="a"\r\nX-Pad: '
        block = prefix + b"p" * (size - len(prefix) - 4) + b"\r\n\r\n"
        document = body(SEP + block + b"v\r\n")
        expected = ({"a": ["v"]}, {}) if size <= 1024 else "refused"
        assert django_read(document) == expected, size
        assert reader_read(document) == reader_read(document, range(1, len(document))) == expected, size


@pytest.mark.parametrize(
    "data",
    [b"", body(part('form-data; name="a"', b"x"))[:-4], body(part('form-data; name="a"', b"x"))[:-6], SEP + b"\r\n"],
    ids=["empty", "no closing --", "cut in the boundary", "no part"],
)
def test_no_closing_delimiter_is_refused_at_finish(spooled: list[SpooledTemporaryFile[bytes]], data: bytes) -> None:
    # Django binds what it read of a cut-off body; a truncated upload must not run.
    reader = MultipartReader(CONTENT_TYPE, ROOMY)
    reader.feed(data)
    with pytest.raises(MalformedMultipart, match="no closing delimiter"):
        reader.finish()
    assert all(f.closed for f in spooled)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "multipart/mixed; boundary=abc",
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=" + "a" * 71,
        'multipart/form-data; boundary="ends-in-space "',
        "multipart/form-data; boundary=not{rfc}2046",
        "multipart/form-data; boundary=ünïcode",
    ],
)
def test_content_types_without_a_valid_boundary(content_type: str) -> None:
    with pytest.raises(MalformedMultipart):
        MultipartReader(content_type, ROOMY)


def test_quoted_and_longest_boundaries() -> None:
    for boundary in ("a", "x" * 70, "with space", "'()+_,-./:=?"):
        document = body(part('form-data; name="a"', b"v", sep=b"--" + boundary.encode()), sep=b"--" + boundary.encode())
        content_type = f'Multipart/Form-Data; charset=utf-8; boundary="{boundary}"'
        assert reader_read(document, range(1, len(document)), content_type=content_type) == ({"a": ["v"]}, {})


def test_file_parts_are_returned_open_until_close(spooled: list[SpooledTemporaryFile[bytes]]) -> None:
    reader = MultipartReader(CONTENT_TYPE, ROOMY)
    reader.feed(body(part('form-data; name="f"; filename="a.txt"', b"abc")))
    _, files = reader.finish()
    assert isinstance(files[0], FilePart) and not files[0].file.closed and files[0].file.read() == b"abc"
    reader.close()
    assert files[0].file.closed and spooled[0].closed


# --- fuzz: only BadRequest escapes, and what is accepted is what Django binds --------------


def mutate(document: bytes, edits: Sequence[tuple[int, int, bytes]]) -> bytes:
    for at, drop, insert in edits:
        at %= len(document) + 1
        document = document[:at] + insert + document[at + drop :]
    return document


fragments = st.one_of(
    st.binary(max_size=6),
    st.sampled_from([b"\r\n", b"--", b"\r\n\r\n", b";", b'"', b"=", b"name=", b"filename*=", b"\xff", b"\x00", b" "]),
    st.sampled_from([b"; filename*=idna''x", b"; name*=utf-16''%ff", b"; name*0*=utf-8''%e2; name*1=x", b"\t"]),
)


@given(st.data())
def test_fuzz_mutated_documents(data: st.DataObject) -> None:
    content_type, document = data.draw(documents())
    edits = data.draw(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 8), fragments), min_size=1, max_size=4))
    mutated = mutate(document, edits)
    cuts = data.draw(chunkings(len(mutated)))
    outcome = reader_read(mutated, cuts, content_type=content_type)  # raises anything but BadRequest
    event("refused" if outcome == "refused" else "read")
    if outcome != "refused":
        assert outcome == django_read(mutated, content_type)


header_fragments = st.one_of(
    st.text(max_size=4).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.sampled_from(
        [b";", b" ", b'"', b"\\", b"=", b"'", b"%", b"%ff", b"%e2%82", b"name", b"filename", b"*", b"*0", b"*1*"]
        + [f"{charset}''".encode() for charset in ("utf-8", "UTF-8", "latin-1", "utf-16", "idna", "punycode", "rot13")]
        + [b"base64''", b"nope''", b"utf\x00''", b"\xff", b"\x00", b"\r", b"\n", b"\t"]
    ),
)


@given(st.lists(header_fragments, max_size=16).map(b"".join), st.booleans())
def test_fuzz_part_headers(parameters: bytes, as_file: bool) -> None:
    disposition = b"Content-Disposition: form-data" + (b'; name="f"; filename="x"' if as_file else b"") + parameters
    document = SEP + b"\r\n" + disposition + b"\r\n\r\nvalue\r\n" + SEP + b"--"
    outcome = reader_read(document)
    event("refused" if outcome == "refused" else "read")
    if outcome != "refused":
        assert outcome == django_read(document)


@given(st.binary(max_size=400), st.lists(st.integers(0, 400), max_size=20))
def test_fuzz_arbitrary_bytes(data: bytes, cuts: list[int]) -> None:
    outcome = reader_read(SEP + data, [cut for cut in cuts if cut <= len(data)], content_type=CONTENT_TYPE)
    if outcome != "refused":
        assert outcome == django_read(SEP + data)
