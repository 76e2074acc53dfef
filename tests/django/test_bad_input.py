"""Bad request bodies on `POST /call/` (ERR-8, RPC-1, ERR-3 `Invalid request body`).

Every case is 400 `BAD_REQUEST` decided before any function runs, identical in C and pure
mode, never a 500.
"""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from tests.django.conftest import MizanClient, assert_bad_request, assert_json, assert_result
from tests.django.project.testapp import clients as testapp

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)


def _nested_echo(depth: int) -> bytes:
    """A call body whose total nesting is `depth`: the body object (1), `args` (2), then
    `depth - 2` levels of arrays in an ignored extra argument."""
    inner = depth - 2
    return b'{"fn":"echo","args":{"text":"deep","deep":' + b"[" * inner + b"]" * inner + b"}}"


# --- malformed JSON and non-object bodies ----------------------------------------------


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
        b'{"fn":"echo","args":{"text":"a\tb"}}',  # raw control character in a string
        b'{"fn":"echo","args":{"text":"\\x41"}}',  # invalid escape
    ],
    ids=[
        "empty",
        "whitespace",
        "truncated",
        "garbage",
        "single-quotes",
        "trailing-comma",
        "trailing-data",
        "two-documents",
        "unterminated-string",
        "raw-control-char",
        "invalid-escape",
    ],
)
def test_err8_malformed_json_is_400(mizan: MizanClient, body: bytes) -> None:
    """ERR-8/ERR-3: not JSON → 400 `Invalid request body`."""
    assert_bad_request(mizan.post(body))


@pytest.mark.parametrize("body", [b"[]", b'[{"fn":"echo"}]', b'"echo"', b"42", b"null", b"true", b"1.5"])
def test_rpc1_non_object_body_is_400(mizan: MizanClient, body: bytes) -> None:
    """RPC-1: the body must be a JSON object."""
    assert_bad_request(mizan.post(body))


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
    ids=["no-fn", "args-only", "empty", "null", "int", "bool", "array", "object", "old-function-key"],
)
def test_rpc1_bad_fn_is_400(mizan: MizanClient, body: bytes) -> None:
    """RPC-1: `fn` must be a non-empty string; the early `function` key is not accepted."""
    assert_bad_request(mizan.post(body))


@pytest.mark.parametrize("args", [b"[]", b'["hi"]', b'"hi"', b"0", b"false", b"1.5"])
def test_rpc1_args_not_object_is_400(mizan: MizanClient, args: bytes) -> None:
    """RPC-1: `args` must be an object (or null/absent)."""
    assert_bad_request(mizan.post(b'{"fn":"echo","args":' + args + b"}"))


def test_rpc1_args_not_object_for_parameterless_function_is_400(mizan: MizanClient) -> None:
    """RPC-1: the envelope is checked even when the function takes no arguments."""
    assert_bad_request(mizan.post(b'{"fn":"nothing","args":[1]}'))


# --- duplicate keys ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"fn":"echo","fn":"echo","args":{"text":"a"}}',
        b'{"fn":"echo","args":{"text":"a","text":"b"}}',
        b'{"fn":"echo","args":{"text":"a","x":[{"k":1,"k":1}]}}',
        b'{"fn":"echo","args":{"text":"a"},"args":{"text":"a"}}',
    ],
    ids=["fn", "arg", "nested-ignored-arg", "args"],
)
def test_err8_duplicate_keys_are_400(mizan: MizanClient, body: bytes) -> None:
    """ERR-8: duplicate keys in any request object are rejected, even where ignored."""
    assert_bad_request(mizan.post(body))


def test_err8_keys_differing_only_by_escape_are_duplicates(mizan: MizanClient) -> None:
    """ERR-8: `"text"` and `"t\\u0065xt"` are the same key."""
    assert_bad_request(mizan.post(b'{"fn":"echo","args":{"text":"a","t\\u0065xt":"b"}}'))


# --- depth -------------------------------------------------------------------------------


def test_err8_nesting_64_accepted(mizan: MizanClient) -> None:
    """ERR-8: 64 levels of nesting are allowed."""
    assert_json(mizan.post(_nested_echo(64)), 200, b'{"result":{"message":"echo: deep"}}')


def test_err8_nesting_65_rejected(mizan: MizanClient) -> None:
    """ERR-8: 65 levels → 400 (even inside an ignored argument)."""
    assert_bad_request(mizan.post(_nested_echo(65)))


def test_err8_nesting_with_objects_65_rejected(mizan: MizanClient) -> None:
    """ERR-8: objects count as levels just like arrays."""
    inner = 63
    body = b'{"fn":"echo","args":' + b'{"a":' * inner + b"{}" + b"}" * inner + b"}"
    assert_bad_request(mizan.post(body))


def test_err8_brackets_inside_strings_do_not_count(mizan: MizanClient) -> None:
    """ERR-8: `[` and `{` inside string values are not nesting."""
    text = "[{" * 100
    assert_result(mizan.call("echo", {"text": text}), {"message": f"echo: {text}"})


def test_err8_very_deep_nesting_is_400_not_500(mizan: MizanClient) -> None:
    """ERR-8: 100 000 levels (a recursion bomb) → 400, never a crash."""
    assert_bad_request(mizan.post(b'{"fn":"echo","args":{"x":' + b"[" * 100_000 + b"]" * 100_000 + b"}}"))


# --- numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize("token", [b"NaN", b"Infinity", b"-Infinity", b"nan", b"inf", b"1e400", b"-1e400"])
def test_err8_nan_infinity_tokens_are_400(mizan: MizanClient, token: bytes) -> None:
    """ERR-8: NaN/Infinity tokens (and numbers that overflow to infinity) → 400, even in an
    ignored argument."""
    assert_bad_request(mizan.post(b'{"fn":"echo","args":{"text":"a","x":' + token + b"}}"))


@pytest.mark.parametrize("value", [INT64_MAX + 1, INT64_MIN - 1, 10**30, -(10**30)])
def test_err8_integers_beyond_int64_are_400(mizan: MizanClient, value: int) -> None:
    """ERR-8: an integer outside the signed 64-bit range → 400."""
    assert_bad_request(mizan.post(b'{"fn":"typed","args":{"count":%d}}' % value))
    assert_bad_request(mizan.post(b'{"fn":"echo","args":{"text":"a","ignored":[%d]}}' % value))


@pytest.mark.parametrize("value", [INT64_MAX, INT64_MIN, 0, -1])
def test_err8_int64_bounds_accepted(mizan: MizanClient, value: int) -> None:
    """ERR-8: the int64 bounds themselves are valid and round-trip exactly."""
    response = mizan.post(b'{"fn":"count_call","args":{"n":%d}}' % value)
    assert_json(response, 200, b'{"result":%d}' % value)


def test_err8_float_large_but_finite_accepted(mizan: MizanClient) -> None:
    """ERR-8: a finite large float is fine (only overflow to infinity is refused)."""
    response = mizan.post(b'{"fn":"typed","args":{"count":1,"ratio":1e308}}')
    assert response.status_code == 200
    assert b'"ratio":1e+308' in response.content


# --- encoding -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [b"\xff", b"\xc3", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xc0\xaf"],
    ids=["ff", "truncated", "bad-continuation", "encoded-surrogate", "5-byte", "overlong"],
)
def test_err8_invalid_utf8_is_400(mizan: MizanClient, raw: bytes) -> None:
    """ERR-8: invalid UTF-8 anywhere in the body → 400."""
    assert_bad_request(mizan.post(b'{"fn":"echo","args":{"text":"a' + raw + b'"}}'))


@pytest.mark.parametrize(
    "escape",
    [b"\\ud800", b"\\udfff", b"\\ude00\\ud83d", b"\\ud83d x", b"\\ud83d\\u0041"],
    ids=["high", "low", "reversed-pair", "high-then-text", "high-then-bmp"],
)
def test_err8_lone_surrogate_escape_is_400(mizan: MizanClient, escape: bytes) -> None:
    """ERR-8: a lone surrogate escape → 400."""
    assert_bad_request(mizan.post(b'{"fn":"echo","args":{"text":"' + escape + b'"}}'))


def test_err8_lone_surrogate_in_key_is_400(mizan: MizanClient) -> None:
    """ERR-8: also in an (ignored) object key."""
    assert_bad_request(mizan.post(b'{"fn":"echo","args":{"text":"a","\\udc00":1}}'))


def test_err8_body_never_reaches_function(mizan: MizanClient) -> None:
    """ERR-8: "decided before any function runs"."""
    assert_bad_request(mizan.post(b'{"fn":"count_call","args":{"n":1,"x":NaN}}'))
    assert testapp.CALLS["count_call"] == 0


# --- size --------------------------------------------------------------------------------

LIMIT = 1000


def _body_of_size(size: int) -> bytes:
    """A valid echo call of exactly `size` bytes."""
    head, tail = b'{"fn":"echo","args":{"text":"', b'"}}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=LIMIT)
def test_err8_body_over_django_limit_is_400(mizan: MizanClient) -> None:
    """ERR-8: a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE → 400, never 500."""
    assert_bad_request(mizan.post(_body_of_size(LIMIT + 1)))


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=LIMIT)
def test_err8_body_exactly_at_limit_is_accepted(mizan: MizanClient) -> None:
    """ERR-8: a body of exactly the limit is accepted."""
    body = _body_of_size(LIMIT)
    assert len(body) == LIMIT
    response = mizan.post(body)
    assert_result(response, {"message": "echo: " + "x" * (LIMIT - 32)})


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=LIMIT)
def test_err8_oversize_garbage_is_400(mizan: MizanClient) -> None:
    """ERR-8: an oversized body is refused whatever it contains."""
    assert_bad_request(mizan.post(b"[" * (LIMIT * 5)))


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=LIMIT)
def test_err8_oversize_form_encoded_is_400(mizan: MizanClient) -> None:
    """ERR-8: also when Django's CSRF check reads a form-encoded body first."""
    assert_bad_request(mizan.post(b"a=" + b"x" * (LIMIT * 2), content_type="application/x-www-form-urlencoded"))


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=None)
def test_err8_no_django_limit_accepts_large_body(mizan: MizanClient) -> None:
    """ERR-8: with DATA_UPLOAD_MAX_MEMORY_SIZE=None there is no size limit."""
    text = "y" * 3_000_000
    assert_result(mizan.call("echo", {"text": text}), {"message": f"echo: {text}"})


def test_err8_huge_valid_json_under_default_limit(mizan: MizanClient) -> None:
    """ERR-8: a ~2 MB valid body under the default 2.5 MB limit works."""
    items = [{"id": i, "name": f"item-{i}-é"} for i in range(55_000)]
    body = json.dumps({"fn": "bulk", "args": {"items": items}}, ensure_ascii=False).encode()
    assert 2_000_000 < len(body) < 2_621_440
    assert_json(mizan.post(body), 200, b'{"result":55000}')


# --- Django's own request-parsing limits -------------------------------------------------


def test_err8_form_encoded_body_with_too_many_fields_is_400_envelope(mizan: MizanClient) -> None:
    """RPC-7/ERR-8: a form-encoded body is parsed as JSON; one with more fields than
    DATA_UPLOAD_MAX_NUMBER_FIELDS (which Django's CSRF check trips over while looking for
    `csrfmiddlewaretoken`) is still Mizan's 400 envelope with `no-store`, not Django's
    HTML 400 page."""
    body = "&".join(f"k{i}=1" for i in range(1001))
    assert_bad_request(mizan.post(body, content_type="application/x-www-form-urlencoded"))


def test_err8_nul_in_string_value_accepted(mizan: MizanClient) -> None:
    """ERR-8: `\\u0000` inside a string value is valid JSON and round-trips escaped."""
    assert_json(
        mizan.post(rb'{"fn":"echo","args":{"text":"a\u0000b"}}'), 200, rb'{"result":{"message":"echo: a\u0000b"}}'
    )


def test_err8_nul_in_object_key_rejected_in_both_modes(mizan: MizanClient) -> None:
    """ERR-8 (as decided in mizan/core/_py/json.py, mirroring jansson): `\\u0000` in an
    object key is refused with 400 in C and pure mode alike."""
    assert_bad_request(mizan.post(rb'{"fn":"echo","args":{"text":"a","k\u0000":1}}'))


@pytest.mark.parametrize(
    "body", [b"\xef\xbb\xbf" + b'{"fn":"echo","args":{"text":"x"}}', b'{"fn":"echo","args":{"text":"x"}}\x00']
)
def test_err8_bom_and_trailing_nul_are_400(mizan: MizanClient, body: bytes) -> None:
    """ERR-8: a UTF-8 BOM or a trailing NUL byte is not part of a JSON text → 400."""
    assert_bad_request(mizan.post(body))


@pytest.mark.parametrize("token", [b"01", b"-", b".5", b"1.", b"+1", b"0x10", b"1e", b"--1"])
def test_err8_invalid_number_grammar_is_400(mizan: MizanClient, token: bytes) -> None:
    """ERR-8: numbers outside JSON's grammar → 400."""
    assert_bad_request(mizan.post(b'{"fn":"count_call","args":{"n":' + token + b"}}"))


def test_err8_surrounding_whitespace_accepted(mizan: MizanClient) -> None:
    """JSON whitespace around the document is fine."""
    assert_json(mizan.post(b' \n\t{"fn":"echo","args":{"text":"ws"}} \r\n'), 200, b'{"result":{"message":"echo: ws"}}')


def test_upl2_json_call_cannot_fill_an_upload_parameter(mizan: MizanClient) -> None:
    """UPL-1/UPL-2: an `Upload` parameter sent in a JSON body is a 422 for that field (only
    the multipart form binds files), never a 500."""
    from mizan import Upload, client
    from mizan.core import registry
    from tests.django.conftest import assert_validation

    @client
    def attach(request: object, file: Upload, note: str = "") -> str:
        return file.filename

    registry.register(attach, "attach")
    assert_validation(mizan.call("attach", {"file": "notes.txt"}), {"file": ["Input should be an instance of Upload"]})
    assert_validation(mizan.call("attach", {}), {"file": ["Field required"]})
