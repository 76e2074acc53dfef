"""Bodies whose framing is broken get the 400 envelope on both adapters, never a 500 page
and never an execution (ERR-8, RPC-7): a malformed `Content-Length`, and multipart bodies
that do not end with their closing delimiter."""

from __future__ import annotations

from typing import Any

import pytest

from mizan import client
from tests.adapters.conftest import Adapter, Answer

BAD_REQUEST = b'{"error":{"code":"BAD_REQUEST","message":"Invalid request body"}}'
CALLS: list[str] = []


@client
def framing_echo(request: Any, text: str) -> str:
    CALLS.append(text)
    return text


@pytest.fixture
def api(adapter: Adapter, register: Any) -> Adapter:
    register(framing_echo=framing_echo)
    CALLS.clear()
    return adapter


def assert_bad_request(answer: Answer) -> None:
    assert (answer.status, answer.body) == (400, BAD_REQUEST)
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["content-type"] == "application/json"
    assert CALLS == []


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", " 5", "５", "0x10"])
@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_a_malformed_content_length_is_the_400_envelope(api: Adapter, length: str, content_type: str) -> None:
    body = b'{"fn":"framing_echo","args":{"text":"x"}}'
    headers = {"Content-Type": content_type, "Content-Length": length}
    assert_bad_request(api.request("POST", "/api/mizan/call/", body, headers=headers))


def multipart(*parts: bytes, closing: bytes = b"--XyZ--\r\n") -> bytes:
    return b"".join(parts) + closing


FN = b'--XyZ\r\nContent-Disposition: form-data; name="fn"\r\n\r\nframing_echo\r\n'
ARGS = b'--XyZ\r\nContent-Disposition: form-data; name="args"\r\n\r\n{"text":"hi"}\r\n'


def post_form(api: Adapter, body: bytes) -> Answer:
    return api.request("POST", "/api/mizan/call/", body, headers={"Content-Type": "multipart/form-data; boundary=XyZ"})


def test_a_complete_multipart_call_runs(api: Adapter) -> None:
    answer = post_form(api, multipart(FN, ARGS))
    assert (answer.status, answer.body, CALLS) == (200, b'{"result":"hi"}', ["hi"])
    assert post_form(api, multipart(FN, ARGS, closing=b"--XyZ--")).status == 200  # no final CRLF
    assert post_form(api, multipart(FN, ARGS, closing=b"--XyZ--\r\n\r\n  \r\n")).status == 200


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(multipart(FN, ARGS, closing=b""), id="no-closing-delimiter"),
        pytest.param(multipart(FN, ARGS, closing=b"--XyZ"), id="closing-without-dashes"),
        pytest.param(FN + ARGS[:-2], id="truncated-in-a-value"),
        pytest.param(FN[:-2], id="truncated-after-fn"),
        pytest.param(multipart(FN, ARGS, closing=b"--XyZ--\r\nepilogue"), id="text-after-the-closing-delimiter"),
        pytest.param(
            multipart(FN, closing=b"--XyZ--\r\n" + ARGS + b"--XyZ--\r\n"), id="a-part-after-the-closing-delimiter"
        ),
    ],
)
def test_a_multipart_body_without_its_closing_delimiter_is_refused(api: Adapter, body: bytes) -> None:
    assert_bad_request(post_form(api, body))
