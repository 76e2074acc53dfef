"""Bad request bodies on `POST /call/` through FastAPI (ERR-8, RPC-1, ERR-3 `Invalid request
body`): every case is 400 `BAD_REQUEST` before any function runs, never a 500 (mirrors
tests/django/test_bad_input.py; the body limit is `max_body_bytes`, FA-7)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from fastapi import FastAPI

import mizan_fastapi
from tests.fastapi import functions
from tests.fastapi.conftest import MizanClient, assert_bad_request, assert_json, assert_result, assert_validation

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)


def _nested_echo(depth: int) -> bytes:
    inner = depth - 2
    return b'{"fn":"echo","args":{"text":"deep","deep":' + b"[" * inner + b"]" * inner + b"}}"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b" ",
        b"{",
        b"{not json}",
        b"{'fn':'echo'}",
        b'{"fn":"echo",}',
        b'{"fn":"echo"} trailing',
        b'{"fn":"echo"}{"fn":"echo"}',
        b'{"fn":"echo","args":{"text":"unterminated}}',
        b'{"fn":"echo","args":{"text":"a\tb"}}',
        b'{"fn":"echo","args":{"text":"\\x41"}}',
        b"\xef\xbb\xbf" + b'{"fn":"echo","args":{"text":"x"}}',
        b'{"fn":"echo","args":{"text":"x"}}\x00',
    ],
)
def test_err8_malformed_json_is_400(api: MizanClient, body: bytes) -> None:
    assert_bad_request(api.post(body))


@pytest.mark.parametrize("body", [b"[]", b'[{"fn":"echo"}]', b'"echo"', b"42", b"null", b"true", b"1.5"])
def test_rpc1_non_object_body_is_400(api: MizanClient, body: bytes) -> None:
    assert_bad_request(api.post(body))


@pytest.mark.parametrize(
    "body",
    [
        b"{}",
        b'{"args":{"text":"hi"}}',
        b'{"fn":""}',
        b'{"fn":null}',
        b'{"fn":1}',
        b'{"fn":true}',
        b'{"fn":["echo"]}',
        b'{"fn":{"name":"echo"}}',
        b'{"function":"echo","args":{"text":"hi"}}',
    ],
)
def test_rpc1_bad_fn_is_400(api: MizanClient, body: bytes) -> None:
    assert_bad_request(api.post(body))


@pytest.mark.parametrize("args", [b"[]", b'["hi"]', b'"hi"', b"0", b"false", b"1.5"])
def test_rpc1_args_not_object_is_400(api: MizanClient, args: bytes) -> None:
    assert_bad_request(api.post(b'{"fn":"echo","args":' + args + b"}"))
    assert_bad_request(api.post(b'{"fn":"nothing","args":' + args + b"}"))


@pytest.mark.parametrize(
    "body",
    [
        b'{"fn":"echo","fn":"echo","args":{"text":"a"}}',
        b'{"fn":"echo","args":{"text":"a","text":"b"}}',
        b'{"fn":"echo","args":{"text":"a","x":[{"k":1,"k":1}]}}',
        b'{"fn":"echo","args":{"text":"a","t\\u0065xt":"b"}}',
    ],
)
def test_err8_duplicate_keys_are_400(api: MizanClient, body: bytes) -> None:
    assert_bad_request(api.post(body))


def test_err8_nesting_64_accepted_65_rejected(api: MizanClient) -> None:
    assert_json(api.post(_nested_echo(64)), 200, b'{"result":{"message":"echo: deep"}}')
    assert_bad_request(api.post(_nested_echo(65)))
    objects = b'{"fn":"echo","args":' + b'{"a":' * 63 + b"{}" + b"}" * 63 + b"}"
    assert_bad_request(api.post(objects))


def test_err8_brackets_inside_strings_do_not_count(api: MizanClient) -> None:
    text = "[{" * 100
    assert_result(api.call("echo", {"text": text}), {"message": f"echo: {text}"})


def test_err8_very_deep_nesting_is_400_not_500(api: MizanClient) -> None:
    assert_bad_request(api.post(b'{"fn":"echo","args":{"x":' + b"[" * 100_000 + b"]" * 100_000 + b"}}"))


@pytest.mark.parametrize("token", [b"NaN", b"Infinity", b"-Infinity", b"nan", b"inf", b"1e400", b"-1e400"])
def test_err8_nan_infinity_tokens_are_400(api: MizanClient, token: bytes) -> None:
    assert_bad_request(api.post(b'{"fn":"echo","args":{"text":"a","x":' + token + b"}}"))


@pytest.mark.parametrize("value", [INT64_MAX + 1, INT64_MIN - 1, 10**30])
def test_err8_integers_beyond_int64_are_400(api: MizanClient, value: int) -> None:
    assert_bad_request(api.post(b'{"fn":"typed","args":{"count":%d}}' % value))


@pytest.mark.parametrize("value", [INT64_MAX, INT64_MIN, 0, -1])
def test_err8_int64_bounds_accepted(api: MizanClient, value: int) -> None:
    assert_json(api.post(b'{"fn":"count_call","args":{"n":%d}}' % value), 200, b'{"result":%d}' % value)


@pytest.mark.parametrize("raw", [b"\xff", b"\xc3", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xc0\xaf"])
def test_err8_invalid_utf8_is_400(api: MizanClient, raw: bytes) -> None:
    assert_bad_request(api.post(b'{"fn":"echo","args":{"text":"a' + raw + b'"}}'))


@pytest.mark.parametrize("escape", [b"\\ud800", b"\\udfff", b"\\ude00\\ud83d", b"\\ud83d x", b"\\ud83d\\u0041"])
def test_err8_lone_surrogate_escape_is_400(api: MizanClient, escape: bytes) -> None:
    assert_bad_request(api.post(b'{"fn":"echo","args":{"text":"' + escape + b'"}}'))


@pytest.mark.parametrize("token", [b"01", b"-", b".5", b"1.", b"+1", b"0x10", b"1e", b"--1"])
def test_err8_invalid_number_grammar_is_400(api: MizanClient, token: bytes) -> None:
    assert_bad_request(api.post(b'{"fn":"count_call","args":{"n":' + token + b"}}"))


def test_err8_body_never_reaches_function(api: MizanClient) -> None:
    assert_bad_request(api.post(b'{"fn":"count_call","args":{"n":1,"x":NaN}}'))
    assert functions.CALLS["count_call"] == 0


def test_err8_nul_in_string_value_accepted_and_in_key_rejected(api: MizanClient) -> None:
    assert_json(
        api.post(rb'{"fn":"echo","args":{"text":"a\u0000b"}}'), 200, rb'{"result":{"message":"echo: a\u0000b"}}'
    )
    assert_bad_request(api.post(rb'{"fn":"echo","args":{"text":"a","k\u0000":1}}'))


def test_err8_surrounding_whitespace_accepted(api: MizanClient) -> None:
    assert_json(api.post(b' \n\t{"fn":"echo","args":{"text":"ws"}} \r\n'), 200, b'{"result":{"message":"echo: ws"}}')


def test_upl2_json_call_cannot_fill_an_upload_parameter(api: MizanClient) -> None:
    """UPL-1/UPL-2: an `Upload` parameter in a JSON body is a 422 for that field."""
    from mizan_fastapi import Upload, client, register

    @client
    def attach(request: object, file: Upload, note: str = "") -> str:
        return file.filename

    register(attach, "attach")
    assert_validation(api.call("attach", {"file": "notes.txt"}), {"file": ["Input should be an instance of Upload"]})


# --- size (ERR-8, FA-7 `max_body_bytes`) -----------------------------------------------------

LIMIT = 1000


def _body_of_size(size: int) -> bytes:
    head, tail = b'{"fn":"echo","args":{"text":"', b'"}}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


def test_err8_body_over_the_limit_is_400(api: MizanClient) -> None:
    mizan_fastapi.configure(max_body_bytes=LIMIT)
    assert_bad_request(api.post(_body_of_size(LIMIT + 1)))
    assert_bad_request(api.post(b"[" * (LIMIT * 5)))


def test_err8_body_exactly_at_the_limit_is_accepted(api: MizanClient) -> None:
    mizan_fastapi.configure(max_body_bytes=LIMIT)
    body = _body_of_size(LIMIT)
    assert len(body) == LIMIT
    assert_result(api.post(body), {"message": "echo: " + "x" * (LIMIT - 32)})


def test_err8_oversize_body_without_content_length_is_read_no_further(app: FastAPI) -> None:
    """ERR-8: a streamed body without `Content-Length` is refused once it passes the limit,
    and the rest of the stream is never read (the ASGI app driven directly, chunk by chunk)."""
    mizan_fastapi.configure(max_body_bytes=LIMIT)
    received: list[int] = []
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        received.append(len(received))
        return {"type": "http.request", "body": b"[" * 100, "more_body": len(received) < 50}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/mizan/call/",
        "raw_path": b"/api/mizan/call/",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 400
    assert (
        b"".join(m.get("body", b"") for m in sent[1:])
        == b'{"error":{"code":"BAD_REQUEST","message":"Invalid request body"}}'
    )
    assert len(received) == LIMIT // 100 + 1


def test_err8_default_limit_accepts_a_2_mb_body(api: MizanClient) -> None:
    """ERR-8: the default `MIZAN_MAX_BODY_BYTES` is 2,621,440."""
    items = [{"id": i, "name": f"item-{i}-é"} for i in range(55_000)]
    body = json.dumps({"fn": "bulk", "args": {"items": items}}, ensure_ascii=False).encode()
    assert 2_000_000 < len(body) < 2_621_440
    assert_json(api.post(body), 200, b'{"result":55000}')
    assert_bad_request(api.post(b" " * 2_621_441))


def test_err8_no_limit_accepts_a_large_body(api: MizanClient) -> None:
    mizan_fastapi.configure(max_body_bytes=None)
    text = "y" * 3_000_000
    assert_result(api.call("echo", {"text": text}), {"message": f"echo: {text}"})
