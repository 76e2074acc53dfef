"""File uploads on `/call/`, one test body for both adapters (PROTOCOL §10.5, UPL-1..6).

Well-formed bodies are encoded by httpx (`Adapter.upload`); broken ones are written out
byte by byte. Each function records what it saw, so a refusal is also proven to have run
nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from mizan import ReactContext, Upload, client
from mizan.core.errors import MizanRegistrationError
from tests.adapters.conftest import API, Adapter, Answer

pytestmark = pytest.mark.capability("Uploads", "django", "fastapi")

SEEN: list[Upload] = []
DOCS = ReactContext("upload_docs")


def describe(upload: Upload) -> dict[str, Any]:
    digest = hashlib.sha256()
    for piece in upload.chunks(4096):
        digest.update(piece)
    return {
        "filename": upload.filename,
        "content_type": upload.content_type,
        "size": upload.size,
        "sha256": digest.hexdigest(),
        "on_disk": hasattr(upload.source, "temporary_file_path") or getattr(upload.file, "_rolled", False),
    }


@client
def up_one(request: Any, file: Upload, title: str = "") -> dict[str, Any]:
    SEEN.append(file)
    return {"title": title, "head": file.read(5).decode("latin-1"), **describe(file)}


@client
def up_many(request: Any, files: list[Upload], note: Upload | None = None) -> dict[str, Any]:
    SEEN.extend(files)
    return {"files": [describe(f) for f in files], "note": None if note is None else note.filename}


@client
async def up_async(request: Any, file: Upload) -> dict[str, Any]:
    SEEN.append(file)
    data = await file.aread()
    return {"size": len(data), "first": data[:3].decode()}


@client
def up_raises(request: Any, file: Upload) -> None:
    SEEN.append(file)
    raise RuntimeError("the function failed after the upload was read")


@client(context=DOCS)
def upload_docs(request: Any, folder: int, attachment: str = "") -> list[str]:
    return []


@client(affects=DOCS)
def up_scoped(request: Any, folder: int, attachment: Upload) -> int:
    SEEN.append(attachment)
    return attachment.size


@client(auth=True)
def up_guarded(request: Any, file: Upload) -> int:
    return file.size


@client(private=True)
def up_private(request: Any, file: Upload) -> int:
    return file.size


@client
def up_text(request: Any, text: str) -> str:
    return text


@pytest.fixture
def api(adapter: Adapter, register: Any) -> Adapter:
    register(
        up_one=up_one,
        up_many=up_many,
        up_async=up_async,
        up_raises=up_raises,
        upload_docs=upload_docs,
        up_scoped=up_scoped,
        up_guarded=up_guarded,
        up_private=up_private,
        up_text=up_text,
    )
    SEEN.clear()
    return adapter


def error(answer: Answer) -> dict[str, Any]:
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["cache-control"] == "no-store"
    body: dict[str, Any] = answer.json()["error"]
    return body


def assert_refused(answer: Answer, status: int = 400, **details: Any) -> None:
    found = error(answer)
    assert (answer.status, found["code"]) == (status, "BAD_REQUEST" if status == 400 else found["code"])
    if details:
        assert found.get("details") == details
    assert SEEN == []


def set_limits(
    adapter: Adapter, *, files: int | None = None, spool: int | None = None, tmp: Path | None = None
) -> None:
    """The framework-named settings of one limits story (UPL-4): Django's own names where
    Django has them, `configure()` names on FastAPI."""
    if adapter.name == "django":
        extra: dict[str, Any] = {}
        if files is not None:
            extra["DATA_UPLOAD_MAX_NUMBER_FILES"] = files
        if spool is not None:
            extra["FILE_UPLOAD_MAX_MEMORY_SIZE"] = spool
            extra["FILE_UPLOAD_TEMP_DIR"] = str(tmp)
        adapter.configure(**extra)
    else:
        if files is not None:
            adapter.configure(MIZAN_MAX_UPLOAD_FILES=files)
        if spool is not None:
            adapter.configure(MIZAN_UPLOAD_SPOOL_BYTES=spool)


# --- binding (UPL-1..3) ------------------------------------------------------------------


def test_one_file_binds_with_its_name_type_size_and_bytes(api: Adapter) -> None:
    content = bytes(range(256)) * 40
    answer = api.upload("up_one", {"title": "t"}, [("file", ("report.bin", content, "application/x-thing"))])
    assert answer.status == 200, answer.body
    assert answer.json()["result"] == {
        "title": "t",
        "head": content[:5].decode("latin-1"),
        "filename": "report.bin",
        "content_type": "application/x-thing",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "on_disk": False,
    }


def test_repeated_parts_bind_to_a_list_in_order_and_an_absent_optional_is_none(api: Adapter) -> None:
    files = [("files", (f"{n}.txt", b"x" * n, "text/plain")) for n in (3, 0, 7)]
    answer = api.upload("up_many", None, files)
    assert answer.status == 200, answer.body
    result = answer.json()["result"]
    assert [(f["filename"], f["size"]) for f in result["files"]] == [("3.txt", 3), ("0.txt", 0), ("7.txt", 7)]
    assert result["note"] is None
    with_note = api.upload("up_many", None, [*files[:1], ("note", ("n.md", b"#", "text/markdown"))])
    assert with_note.json()["result"]["note"] == "n.md"


def test_an_async_function_reads_with_aread(api: Adapter) -> None:
    answer = api.upload("up_async", None, [("file", ("a.txt", b"abcdef", "text/plain"))])
    assert (answer.status, answer.json()) == (200, {"result": {"size": 6, "first": "abc"}})


def test_a_missing_required_upload_is_422_naming_the_field(api: Adapter) -> None:
    answer = api.upload("up_one", {"title": "no file"})
    assert answer.status == 422
    assert error(answer)["details"] == {"fields": {"file": ["Field required"]}}


def test_an_upload_over_json_is_422(api: Adapter) -> None:
    answer = api.call("up_one", {"file": "x.txt"})
    assert answer.status == 422
    assert error(answer)["details"] == {"fields": {"file": ["Input should be an instance of Upload"]}}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("résumé 履歴書.pdf", "résumé 履歴書.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
    ],
)
def test_filenames_are_text_never_a_path(api: Adapter, name: str, expected: str) -> None:
    answer = api.upload("up_one", None, [("file", (name, b"data", "text/plain"))])
    assert answer.status == 200, answer.body
    assert answer.json()["result"]["filename"] == expected


def test_control_characters_leave_a_filename_sent_raw(api: Adapter) -> None:
    """A NUL sent as a raw byte (httpx would percent-encode it) is dropped, as Django does."""
    answer = raw_form(api, text_part("fn", "up_one"), file_part("file", "nul\x00by\x07te.txt", b"abc"))
    assert (answer.status, answer.json()["result"]["filename"]) == (200, "nulbyte.txt")


def empty_file_input(name: str) -> bytes:
    """What a browser sends for a file input left empty: `filename=""`, no bytes."""
    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename=""\r\n'
    return (head + "Content-Type: application/octet-stream\r\n\r\n\r\n").encode()


def test_a_file_input_left_empty_means_no_file(api: Adapter) -> None:
    files = file_part("files", "a.txt", b"abc")
    answer = raw_form(api, text_part("fn", "up_many"), files, empty_file_input("note"))
    assert (answer.status, answer.json()["result"]["note"]) == (200, None)
    required = raw_form(api, text_part("fn", "up_one"), empty_file_input("file"))
    assert (required.status, error(required)["details"]) == (422, {"fields": {"file": ["Field required"]}})


def test_a_text_part_named_like_an_upload_is_400_unless_empty(api: Adapter) -> None:
    answer = raw_form(api, text_part("fn", "up_one"), text_part("file", "not a file"))
    assert_refused(answer, part="file", reason="a text part other than fn and args")


def test_a_filename_of_10_kb_is_refused(api: Adapter) -> None:
    assert_refused(api.upload("up_one", None, [("file", ("n" * 10_240 + ".txt", b"data", "text/plain"))]))


def test_a_zero_byte_file_binds(api: Adapter) -> None:
    answer = api.upload("up_one", None, [("file", ("empty", b"", "application/octet-stream"))])
    assert (answer.status, answer.json()["result"]["size"]) == (200, 0)


# --- what the form may contain (UPL-2) ---------------------------------------------------


def test_a_file_part_for_a_parameter_that_is_not_an_upload_is_400(api: Adapter) -> None:
    answer = api.upload("up_one", None, [("file", ("a", b"1", "text/plain")), ("title", ("t", b"2", "text/plain"))])
    assert_refused(answer, part="title", reason="no Upload parameter has this name")


def test_a_file_for_a_function_without_uploads_is_400(api: Adapter) -> None:
    answer = api.upload("up_text", {"text": "x"}, [("text", ("a", b"1", "text/plain"))])
    assert_refused(answer, part="text", reason="no Upload parameter has this name")


def test_two_files_for_one_upload_are_400(api: Adapter) -> None:
    files = [("file", ("a", b"1", "text/plain")), ("file", ("b", b"2", "text/plain"))]
    assert_refused(api.upload("up_one", None, files), part="file", reason="this parameter takes one file")


def test_an_upload_named_in_args_too_is_400(api: Adapter) -> None:
    answer = api.upload("up_one", {"file": "x"}, [("file", ("a", b"1", "text/plain"))])
    assert_refused(answer, part="file", reason="sent both as a file part and in args")


BOUNDARY = "b0undary"


def raw_form(api: Adapter, *parts: bytes, closing: bytes = b"--b0undary--\r\n") -> Answer:
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    return api.request("POST", f"{API}/call/", b"".join(parts) + closing, headers=headers)


def text_part(name: str, value: str) -> bytes:
    return f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()


def file_part(name: str, filename: str, content: bytes, *extra: str) -> bytes:
    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
    head += "".join(f"{line}\r\n" for line in extra) + "Content-Type: text/plain\r\n\r\n"
    return head.encode() + content + b"\r\n"


FN = text_part("fn", "up_text")


@pytest.mark.parametrize(
    "parts",
    [
        pytest.param([FN, text_part("args", '{"text":"x"}'), text_part("extra", "1")], id="unknown text part"),
        pytest.param([text_part("bogus", "1")], id="only an unknown part"),
        pytest.param([FN, FN, text_part("args", '{"text":"x"}')], id="two fn parts"),
        pytest.param([text_part("fn", ""), text_part("args", '{"text":"x"}')], id="empty fn"),
        pytest.param([text_part("args", '{"text":"x"}')], id="no fn part"),
        pytest.param([FN, text_part("args", "[1]")], id="args not an object"),
        pytest.param([FN, text_part("args", "{not json")], id="args not JSON"),
        pytest.param([FN, text_part("args", '{"a":1,"a":2}')], id="args with a duplicate key"),
        pytest.param([FN, text_part("args", '{"text":"a"}'), text_part("args", '{"text":"b"}')], id="two args"),
        pytest.param([], id="no parts"),
    ],
)
def test_malformed_text_parts_are_400(api: Adapter, parts: list[bytes]) -> None:
    assert_refused(raw_form(api, *parts))


def test_args_null_or_absent_mean_no_arguments(api: Adapter, register: Any) -> None:
    """RPC-1 holds for the form too."""

    @client
    def up_nothing(request: Any, text: str = "none") -> str:
        return text

    register(up_nothing=up_nothing)
    for parts in ([text_part("fn", "up_nothing")], [text_part("fn", "up_nothing"), text_part("args", "null")]):
        assert raw_form(api, *parts).json() == {"result": "none"}


def test_a_base64_text_part_is_decoded_and_invalid_utf8_replaced(api: Adapter) -> None:
    """As Django reads a form: a base64 transfer encoding is decoded; invalid UTF-8 in a
    text part becomes U+FFFD."""
    encoded = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="args"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\neyJ0ZXh0IjoiYjY0In0=\r\n"
    ).encode()
    assert raw_form(api, FN, encoded).json() == {"result": "b64"}
    invalid = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="args"\r\n\r\n'.encode()
    assert raw_form(api, FN, invalid + b'{"text":"a\xffb"}\r\n').json() == {"result": "a\ufffdb"}


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b'{"fn":"up_text","args":{"text":"x"}}'),
        ("multipart/form-data; boundary=zz", b'{"fn":"up_text","args":{"text":"x"}}'),
        ("multipart/form-data; boundary=zz", b'--zz\r\nContent-Disposition: form-data; name="fn"\r\n\r\nup_text'),
        ("Multipart/Form-Data; boundary=zz", b""),
    ],
    ids=["no boundary", "no parts", "unterminated", "empty"],
)
def test_malformed_multipart_is_400(api: Adapter, content_type: str, body: bytes) -> None:
    assert_refused(api.request("POST", f"{API}/call/", body, headers={"Content-Type": content_type}))


def test_a_body_without_its_closing_delimiter_is_400(api: Adapter) -> None:
    assert_refused(raw_form(api, text_part("fn", "up_one"), file_part("file", "a.txt", b"abc"), closing=b""))


def test_a_declared_part_size_that_lies_is_ignored(api: Adapter) -> None:
    answer = raw_form(api, text_part("fn", "up_one"), file_part("file", "a.txt", b"0123456789", "Content-Length: 2"))
    assert (answer.status, answer.json()["result"]["size"]) == (200, 10)


# --- limits (UPL-4) ----------------------------------------------------------------------


def test_a_file_over_the_upload_limit_is_400_and_one_at_it_is_accepted(api: Adapter) -> None:
    api.configure(MIZAN_MAX_UPLOAD_BYTES=1000)
    over = api.upload("up_one", None, [("file", ("big", b"x" * 1001, "text/plain"))])
    assert_refused(over, limit="max_upload_bytes")
    at = api.upload("up_one", None, [("file", ("big", b"x" * 1000, "text/plain"))])
    assert (at.status, at.json()["result"]["size"]) == (200, 1000)


def test_more_files_than_allowed_is_400(api: Adapter) -> None:
    set_limits(api, files=2)
    files = [("files", (f"{n}", b"x", "text/plain")) for n in range(3)]
    assert_refused(api.upload("up_many", None, files), limit="max_upload_files")
    assert api.upload("up_many", None, files[:2]).status == 200


def test_the_body_limit_counts_text_parts_not_files(api: Adapter) -> None:
    """One story on both adapters: files count against the upload limit only; the text
    parts against the body limit (Django's DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    limit = "DATA_UPLOAD_MAX_MEMORY_SIZE" if api.name == "django" else "MIZAN_MAX_BODY_BYTES"
    api.configure(**{limit: 2000})
    big_file = api.upload("up_one", {"title": "t"}, [("file", ("f", b"x" * 5000, "text/plain"))])
    assert (big_file.status, big_file.json()["result"]["size"]) == (200, 5000)
    SEEN.clear()
    big_text = api.upload("up_one", {"title": "t" * 3000}, [("file", ("f", b"x", "text/plain"))])
    assert_refused(big_text, limit="max_body_bytes")


def test_files_over_the_memory_threshold_are_spooled_and_closed_after_the_response(
    api: Adapter, tmp_path: Path
) -> None:
    set_limits(api, spool=1000, tmp=tmp_path)
    answer = api.upload("up_one", None, [("file", ("big", b"y" * 50_000, "text/plain"))])
    assert (answer.status, answer.json()["result"]["on_disk"]) == (200, True)
    assert SEEN[0].file.closed
    assert list(tmp_path.iterdir()) == []


def test_files_are_closed_when_the_function_raises(api: Adapter, tmp_path: Path) -> None:
    set_limits(api, spool=1000, tmp=tmp_path)
    answer = api.upload("up_raises", None, [("file", ("big", b"z" * 50_000, "text/plain"))])
    assert (answer.status, error(answer)["code"]) == (500, "INTERNAL_ERROR")
    assert SEEN[0].file.closed
    assert list(tmp_path.iterdir()) == []


def test_a_refused_upload_leaves_no_temporary_file(api: Adapter, tmp_path: Path) -> None:
    set_limits(api, spool=1000, tmp=tmp_path)
    api.configure(MIZAN_MAX_UPLOAD_BYTES=20_000)
    files = [("files", ("ok", b"a" * 5000, "text/plain")), ("files", ("big", b"b" * 30_000, "text/plain"))]
    assert_refused(api.upload("up_many", None, files), limit="max_upload_bytes")
    assert list(tmp_path.iterdir()) == []


# --- the rules of JSON /call/ (UPL-5, UPL-6) ---------------------------------------------


def test_an_upload_never_scopes_an_invalidation(api: Adapter) -> None:
    """UPL-5: `attachment` is also a param of the context, yet only `folder` scopes it."""
    answer = api.upload("up_scoped", {"folder": 4}, [("attachment", ("a.txt", b"abc", "text/plain"))])
    assert answer.status == 200, answer.body
    assert answer.json() == {"result": 3, "invalidate": [{"context": "upload_docs", "params": {"folder": 4}}]}


def test_guards_and_private_apply(api: Adapter) -> None:
    files = [("file", ("a", b"abc", "text/plain"))]
    assert api.upload("up_guarded", None, files).status == 401
    assert api.upload("up_guarded", None, files, identity="alice").json() == {"result": 3}
    assert (api.upload("up_private", None, files).status, SEEN) == (403, [])


def test_upload_declarations_a_form_cannot_bind_are_refused() -> None:
    with pytest.raises(MizanRegistrationError, match="Upload"):

        @client
        def nested(request: Any, files: dict[str, Upload]) -> None: ...

    with pytest.raises(MizanRegistrationError, match="DEC-5"):

        @client(websocket=True)
        def over_socket(request: Any, file: Upload) -> None: ...


def test_a_part_header_the_standard_library_cannot_parse_is_400(api: Adapter) -> None:
    """`name*=a; name*0=b` raises TypeError in the standard library's parameter parsing,
    which Django's parser lets through: the 400 envelope, never Django's 500 page."""
    part = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name*=a; name*0=b; filename="a.txt"\r\n\r\nabc\r\n'
    assert_refused(raw_form(api, text_part("fn", "up_one"), part.encode()))
