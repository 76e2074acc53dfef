"""`POST /call/` through the Django adapter: RPC-1..7, RPC-2 order, ERR-2/3/4/5, JSON-1..3, EP-3."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from mizan import client
from mizan.core import registry
from tests.django.conftest import (
    CALL,
    SESSION,
    MizanClient,
    assert_bad_request,
    assert_error,
    assert_internal,
    assert_json,
    assert_method_not_allowed,
    assert_result,
    assert_validation,
    canonical,
    ctx_url,
)
from tests.django.project.testapp import clients as testapp

MSG_INT = "Input should be a valid integer, unable to parse string as an integer"

# --- RPC-1 / RPC-3 / SIG-7: success shapes ---------------------------------------------


def test_rpc3_echo_success_exact_bytes(mizan: MizanClient) -> None:
    """RPC-3/RPC-4, §2.3 example: the exact bytes and headers of a plain call."""
    response = mizan.call("echo", {"text": "hi"})
    assert_json(response, 200, b'{"result":{"message":"echo: hi"}}')


@pytest.mark.parametrize("body", [b'{"fn":"list_items"}', b'{"fn":"list_items","args":null}'])
def test_rpc1_args_absent_or_null_means_empty(mizan: MizanClient, body: bytes) -> None:
    """RPC-1 (GAP-55): `args` absent or `null` is `{}`."""
    assert_json(mizan.post(body), 200, b'{"result":[{"id":1,"name":"a"},{"id":2,"name":"b"}]}')


def test_rpc1_args_null_for_function_with_required_param_is_422(mizan: MizanClient) -> None:
    """RPC-1 + ERR-4: `null` args become `{}`, so a required field is missing."""
    assert_validation(mizan.post(b'{"fn":"echo","args":null}'), {"text": ["Field required"]})


def test_rpc1_unknown_top_level_keys_ignored(mizan: MizanClient) -> None:
    """RPC-1: unknown top-level keys (even the old `function` key next to `fn`) are ignored."""
    body = b'{"args":{"text":"hi"},"function":"nope","fn":"echo","id":7,"extra":{"x":[1]}}'
    assert_json(mizan.post(body), 200, b'{"result":{"message":"echo: hi"}}')


def test_rpc5_extra_args_ignored(mizan: MizanClient) -> None:
    """RPC-5: args that are not fields are ignored."""
    assert_result(mizan.call("echo", {"text": "hi", "unknown": [1, 2], "count": "x"}), {"message": "echo: hi"})


def test_rpc5_arg_named_like_the_request_parameter_is_ignored(mizan: MizanClient) -> None:
    """RPC-5/SIG-1: an arg called `request` (the first parameter) cannot clash with it."""
    assert_result(mizan.call("echo", {"text": "hi", "request": "spoofed"}), {"message": "echo: hi"})


@pytest.mark.parametrize(
    "fn", ["__class__", "__init__", "constructor", "__proto__", "echo.fn", "Echo", "echo ", "x" * 5000]
)
def test_err3_odd_function_names_are_404(mizan: MizanClient, fn: str) -> None:
    """ERR-3: only exact registered names resolve; attribute-like names are unknown (the
    404 names what was asked for, issue 15)."""
    assert_error(mizan.call(fn), 404, "NOT_FOUND", "Function not found", {"function": fn})


def test_sig4_args_to_parameterless_function_ignored(mizan: MizanClient) -> None:
    """SIG-4: a function without parameters ignores supplied args."""
    assert_json(mizan.call("nothing", {"anything": 1}), 200, b'{"result":null}')


def test_sig7_list_of_models_is_a_bare_array(mizan: MizanClient) -> None:
    """SIG-7: `list[Model]` → a bare JSON array under `result`, never wrapped."""
    assert_json(mizan.call("list_items"), 200, b'{"result":[{"id":1,"name":"a"},{"id":2,"name":"b"}]}')


@pytest.mark.parametrize(
    ("present", "body"),
    [(True, b'{"result":{"id":1,"name":"a"}}'), (False, b'{"result":null}')],
)
def test_sig7_optional_model_is_object_or_null(mizan: MizanClient, present: bool, body: bytes) -> None:
    """SIG-7: `Optional[Model]` → object or `null`."""
    assert_json(mizan.call("maybe_item", {"present": present}), 200, body)


def test_sig7_none_result_is_null(mizan: MizanClient) -> None:
    """SIG-7: a `None` return → `{"result":null}` (the key is present)."""
    assert_json(mizan.call("nothing"), 200, b'{"result":null}')


def test_sig7_dict_result_typed_lax_coercion(mizan: MizanClient) -> None:
    """SIG-5/SIG-7 + lax validation: strings coerced, enums/literals/nested models bound."""
    args = {
        "count": "5",
        "ratio": "2.5",
        "flag": "true",
        "tags": ["x", "y"],
        "mode": "b",
        "color": "blue",
        "item": {"id": "7", "name": "n"},
    }
    assert_json(
        mizan.call("typed", args),
        200,
        b'{"result":{"color":"blue","count":5,"flag":true,"item":{"id":7,"name":"n"},'
        b'"mode":"b","ratio":2.5,"tags":["x","y"]}}',
    )


def test_sig7_defaults_applied(mizan: MizanClient) -> None:
    """SIG-2: parameter defaults fill absent args."""
    assert_json(
        mizan.call("typed", {"count": 1}),
        200,
        b'{"result":{"color":"red","count":1,"flag":false,"item":null,"mode":"a","ratio":1.0,"tags":null}}',
    )


def test_sig9_async_function(mizan: MizanClient) -> None:
    """SIG-9: an `async def` function runs to completion from the sync view."""
    assert_json(mizan.call("async_echo", {"text": "hi"}), 200, b'{"result":{"async":"hi"}}')


def test_json1_sorted_keys_by_code_point_non_ascii_literal(mizan: MizanClient) -> None:
    """JSON-1: keys sorted by code point (U+FB01 before U+1F600, unlike UTF-16 order), compact,
    non-ASCII emitted literally as UTF-8."""
    expected = '{"result":{"B":2,"_":3,"a":1,"z":4,"é":5,"ﬁ":6,"😀":7}}'.encode()
    assert_json(mizan.call("keys_order"), 200, expected)


def test_json1_non_ascii_and_escapes_round_trip(mizan: MizanClient) -> None:
    """JSON-1: literal UTF-8 (incl. an astral char from a surrogate-pair escape); `"`, `\\`
    and control characters escaped."""
    body = b'{"fn":"echo","args":{"text":"J\xc3\xbcrgen \\ud83d\\ude00 \\"q\\" \\\\ a\\nb\\u0001"}}'
    expected = b'{"result":{"message":"echo: J\xc3\xbcrgen \xf0\x9f\x98\x80 \\"q\\" \\\\ a\\nb\\u0001"}}'
    assert_json(mizan.post(body), 200, expected)


def test_json3_request_key_order_does_not_change_bytes(mizan: MizanClient) -> None:
    """JSON-3: identical inputs in any key order → byte-identical responses."""
    a = mizan.post(b'{"fn":"typed","args":{"count":3,"mode":"b","flag":true}}')
    b = mizan.post(b'{"args":{"flag":true,"mode":"b","count":3},"fn":"typed"}')
    assert a.status_code == b.status_code == 200
    assert a.content == b.content


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_rpc7_other_content_types_parsed_as_json(mizan: MizanClient, content_type: str) -> None:
    """RPC-7: any content type other than multipart is parsed as JSON."""
    response = mizan.post(b'{"fn":"echo","args":{"text":"hi"}}', content_type=content_type)
    assert_json(response, 200, b'{"result":{"message":"echo: hi"}}')


# --- RPC-6 / SIG-8: view-path returns --------------------------------------------------


def test_rpc6_view_path_response_passed_through_with_no_store(mizan: MizanClient) -> None:
    """RPC-6: the function's own response, body and type untouched, `no-store` forced over
    the function's `max-age=3600`."""
    response = mizan.call("view_response")
    assert response.status_code == 200
    assert response.content == b"plain text body"
    assert response["Content-Type"] == "text/plain"
    assert response["Cache-Control"] == "no-store"
    assert "X-Mizan-Invalidate" not in response


def test_rpc6_view_path_decided_at_run_time(mizan: MizanClient) -> None:
    """SIG-8: a returned framework response takes the view path although annotated `dict`;
    its status and own headers are kept."""
    response = mizan.call("sneaky_view")
    assert response.status_code == 202
    assert response.content == b"sneaky"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["X-Custom"] == "kept"
    assert response["Cache-Control"] == "no-store"


def test_rpc6_redirect_passed_through(mizan: MizanClient) -> None:
    """RPC-6: a redirect keeps status and `Location`; `Cache-Control` overwritten."""
    response = mizan.call("view_redirect")
    assert response.status_code == 302
    assert response["Location"] == "/somewhere/"
    assert response["Cache-Control"] == "no-store"


def test_rpc6_async_view_path_function(mizan: MizanClient) -> None:
    """RPC-6 + SIG-9: an async function returning a JsonResponse is passed through as-is
    (Django's own encoding, not Mizan's envelope)."""
    response = mizan.call("async_view")
    assert response.status_code == 200
    assert response.content == b'{"z": 1, "a": 2}'
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"


# --- ERR-4: 422 details ----------------------------------------------------------------


def test_err4_missing_required_field(mizan: MizanClient) -> None:
    """ERR-4: a missing required field → `Field required`."""
    assert_json(
        mizan.call("echo", {}),
        422,
        b'{"error":{"code":"VALIDATION_ERROR","details":{"fields":{"text":["Field required"]}},'
        b'"message":"Input validation failed"}}',
    )


def test_err4_all_failures_nested_paths_and_list_indices(mizan: MizanClient) -> None:
    """ERR-4: every failing field, list indices (`tags.1`) and nested model paths
    (`item.id`, `item.name`) joined with `.`, Pydantic messages, nothing else."""
    args = {"count": "x", "tags": ["a", 1], "mode": "c", "color": "green", "item": {"id": "z"}}
    assert_validation(
        mizan.call("typed", args),
        {
            "count": [MSG_INT],
            "tags.1": ["Input should be a valid string"],
            "mode": ["Input should be 'a' or 'b'"],
            "color": ["Input should be 'red' or 'blue'"],
            "item.id": [MSG_INT],
            "item.name": ["Field required"],
        },
    )


def test_err4_list_of_models_path(mizan: MizanClient) -> None:
    """ERR-4: `items.1.id` for a field inside the second model of a list."""
    response = mizan.call("bulk", {"items": [{"id": 1, "name": "a"}, {"id": "q", "name": "b"}, {"id": 3}]})
    assert_validation(response, {"items.1.id": [MSG_INT], "items.2.name": ["Field required"]})


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1.5, "Input should be a valid integer, got a number with a fractional part"),
        (None, "Input should be a valid integer"),
        ("1e3", MSG_INT),
        ([1], "Input should be a valid integer"),
    ],
)
def test_err4_integer_messages(mizan: MizanClient, value: Any, message: str) -> None:
    """ERR-4: Pydantic's own messages for rejected integers."""
    assert_validation(mizan.call("count_call", {"n": value}), {"n": [message]})
    assert testapp.CALLS["count_call"] == 0


def test_err4_model_field_not_an_object(mizan: MizanClient) -> None:
    """ERR-4: a nested model given a scalar reports the model field itself."""
    assert_validation(
        mizan.call("typed", {"count": 1, "item": "nope"}),
        {"item": ["Input should be a valid dictionary or instance of Item"]},
    )


def test_err4_no_raw_pydantic_errors_leak(mizan: MizanClient) -> None:
    """ERR-4: no URLs, inputs or contexts from Pydantic's `errors()`."""
    response = mizan.call("typed", {"count": "secret-input-value"})
    assert response.status_code == 422
    assert b"secret-input-value" not in response.content
    assert b"errors.pydantic.dev" not in response.content
    assert set(json.loads(response.content)["error"]["details"]) == {"fields"}


# --- ERR-3 / ERR-5: exceptions raised by functions ------------------------------------


def test_err5_unexpected_exception_is_generic_500_and_logged(
    mizan: MizanClient, caplog: pytest.LogCaptureFixture
) -> None:
    """ERR-5: the text of an unexpected exception is never sent, but logged with a traceback."""
    with caplog.at_level(logging.ERROR, logger="mizan"):
        response = mizan.call("raises_unexpected")
    assert_internal(response)
    assert b"secret" not in response.content
    logged = [r for r in caplog.records if r.name == "mizan" and r.exc_info]
    assert logged and "secret internals must not leak" in str(logged[0].exc_info[1])


def test_err5_async_unexpected_exception_is_generic_500(mizan: MizanClient) -> None:
    """ERR-5 + SIG-9: the same for an async body."""
    response = mizan.call("async_raises")
    assert_internal(response)
    assert b"secret" not in response.content


@pytest.mark.parametrize(
    ("text", "message"),
    [("Feature X is coming", "Feature X is coming"), ("", "Not implemented")],
)
def test_err3_not_implemented_error_is_501(mizan: MizanClient, text: str, message: str) -> None:
    """ERR-3: `NotImplementedError` → 501 with its text, or `Not implemented` if empty."""
    assert_error(mizan.call("raises_not_implemented", {"text": text}), 501, "NOT_IMPLEMENTED", message)


@pytest.mark.parametrize(("text", "message"), [("Not your order", "Not your order"), ("", "Permission denied")])
def test_err3_permission_error_is_403(mizan: MizanClient, text: str, message: str) -> None:
    """ERR-3: `PermissionError` → 403 with its text, or `Permission denied` if empty."""
    assert_error(mizan.call("raises_permission", {"text": text}), 403, "FORBIDDEN", message)


def test_err3_mizan_error_with_details(mizan: MizanClient) -> None:
    """ERR-3/ERR-7: a raised `ValidationFailed` keeps its code, message and details."""
    assert_json(
        mizan.call("raises_mizan_error"),
        422,
        b'{"error":{"code":"VALIDATION_ERROR","details":{"fields":{"x":["bad"]}},"message":"Custom validation"}}',
    )


@pytest.mark.parametrize(
    ("kind", "status", "body"),
    [
        ("bad_request", 400, b'{"error":{"code":"BAD_REQUEST","message":"Order is closed"}}'),
        ("unauthorized", 401, b'{"error":{"code":"UNAUTHORIZED","message":"Authentication required"}}'),
        (
            "forbidden",
            403,
            b'{"error":{"code":"FORBIDDEN","details":{"order_id":7},"message":"Not your order"}}',
        ),
        ("not_found", 404, b'{"error":{"code":"NOT_FOUND","message":"No such order"}}'),
        ("not_implemented", 501, b'{"error":{"code":"NOT_IMPLEMENTED","message":"Not implemented"}}'),
        ("internal", 500, b'{"error":{"code":"INTERNAL_ERROR","message":"Internal server error"}}'),
        ("teapot", 500, b'{"error":{"code":"INTERNAL_ERROR","message":"I am a teapot"}}'),
    ],
)
def test_err7_raised_protocol_errors(mizan: MizanClient, kind: str, status: int, body: bytes) -> None:
    """ERR-7: each protocol exception class answers with its code, status, message, details."""
    assert_json(mizan.call("raises_protocol_error", {"kind": kind}), status, body)


@pytest.mark.parametrize("fn", ["returns_nan", "returns_infinity"])
def test_json1_nan_or_infinity_result_is_500(mizan: MizanClient, fn: str) -> None:
    """JSON-1: NaN/Infinity cannot be emitted → 500 `Internal server error`."""
    assert_internal(mizan.call(fn))


def test_json1_nan_string_input_validates_but_nan_result_is_500(mizan: MizanClient) -> None:
    """JSON-1: `"nan"` is a valid lax float input, but the NaN result cannot be encoded."""
    assert_internal(mizan.call("typed", {"count": 1, "ratio": "nan"}))


@pytest.mark.parametrize("fn", ["returns_lone_surrogate", "returns_unserializable"])
def test_json1_unencodable_result_is_500(mizan: MizanClient, fn: str) -> None:
    """JSON-1/SIG-7: a lone surrogate or an object with no JSON form → 500, never a crash."""
    assert_internal(mizan.call(fn))


# --- ERR-3: lookup, private ------------------------------------------------------------


def test_err3_unknown_function_is_404(mizan: MizanClient) -> None:
    """ERR-3/A.5: unknown `fn` → 404 `Function not found`, with the name in `details`."""
    assert_json(
        mizan.call("no_such_fn"),
        404,
        b'{"error":{"code":"NOT_FOUND","details":{"function":"no_such_fn"},"message":"Function not found"}}',
    )


def test_err3_private_function_is_403(mizan: MizanClient) -> None:
    """ERR-3/A.5: a `private=True` function is not client-callable."""
    assert_json(
        mizan.call("internal_job"),
        403,
        b'{"error":{"code":"FORBIDDEN","message":"Function is not client-callable"}}',
    )


def test_err3_unregistered_function_name_is_404(mizan: MizanClient) -> None:
    """REG-1: only registered names are callable; an imported, unregistered class is not."""
    assert_error(mizan.call("imported_ping"), 404, "NOT_FOUND", "Function not found", {"function": "imported_ping"})


# --- RPC-2: processing order ----------------------------------------------------------


def test_rpc2_csrf_beats_bad_body(mizan: MizanClient) -> None:
    """RPC-2 step 2 before 3: no CSRF token and a malformed body → 403 CSRF."""
    mizan.session()
    assert_error(mizan.post(b"{not json", csrf=False), 403, "FORBIDDEN", "CSRF verification failed")


def test_rpc2_bad_body_beats_unknown_function(mizan: MizanClient) -> None:
    """RPC-2 step 3 before 5: bad `args` for an unknown function → 400."""
    assert_bad_request(mizan.post(b'{"fn":"no_such_fn","args":[]}'))


def test_rpc2_bad_body_beats_private(mizan: MizanClient) -> None:
    """RPC-2 step 3 before 6."""
    assert_bad_request(mizan.post(b'{"fn":"internal_job","args":"x"}'))


def test_rpc2_private_beats_auth(mizan: MizanClient) -> None:
    """RPC-2 step 6 before 7: a private `auth=True` function called anonymously → 403 private."""
    assert_error(mizan.call("private_secure"), 403, "FORBIDDEN", "Function is not client-callable")
    assert testapp.CALLS["private_secure"] == 0


def test_rpc2_auth_beats_validation(mizan: MizanClient) -> None:
    """RPC-2 step 7 before 8 (AUTH-1): anonymous + invalid args to `auth=True` → 401, not 422."""
    assert_error(mizan.call("secure_add", {"a": "x"}), 401, "UNAUTHORIZED", "Authentication required")
    assert testapp.CALLS["secure_add"] == 0


def test_rpc2_callable_guard_beats_validation(mizan: MizanClient) -> None:
    """RPC-2 step 7 before 8: a denying callable guard → 403 even with invalid args."""
    assert_error(mizan.call("vip_add", {"a": "x"}), 403, "FORBIDDEN", "Permission denied")
    assert testapp.CALLS["vip_add"] == 0


def test_rpc2_validation_beats_execution(mizan: MizanClient) -> None:
    """RPC-2 step 8 before 9: the body never runs on invalid input."""
    assert_validation(mizan.call("count_call", {"n": "x"}), {"n": [MSG_INT]})
    assert testapp.CALLS["count_call"] == 0
    assert_result(mizan.call("count_call", {"n": "3"}), 3)
    assert testapp.CALLS["count_call"] == 1


def test_auth1_callable_guard_sees_request_before_body(mizan: MizanClient) -> None:
    """AUTH-1: the guard is called with the request, before the body runs."""
    assert_result(mizan.call("guarded_record", {"text": "t"}), "t")
    assert testapp.EVENTS == [("guard", "POST", CALL, 0), ("body", "t")]


def test_auth1_guard_runs_before_validation(mizan: MizanClient) -> None:
    """AUTH-1: the guard runs even when validation then fails (and the body does not)."""
    assert_validation(mizan.call("guarded_record", {}), {"text": ["Field required"]})
    assert testapp.EVENTS == [("guard", "POST", CALL, 0)]


# --- REG-9 (c): invalid registry --------------------------------------------------------


@pytest.fixture
def invalid_registry(mizan: MizanClient) -> Iterator[None]:
    """A mutation whose `affects=` names a context nobody declares (REG-9); the autouse
    fixture restores the registry afterwards. The CSRF token is fetched first, because
    `/session/` answers 500 too while the registry is invalid."""
    assert mizan.token

    @client(affects="no_such_context")
    def broken_mutation(request: Any) -> None:
        return None

    registry.register(broken_mutation, "broken_mutation")
    yield


@pytest.mark.usefixtures("invalid_registry")
def test_reg9_invalid_registry_call_is_500(mizan: MizanClient) -> None:
    """REG-9: while the registry is invalid `/call/` answers 500 `Mizan registry is invalid`,
    even for a valid function."""
    assert_json(
        mizan.call("echo", {"text": "hi"}),
        500,
        b'{"error":{"code":"INTERNAL_ERROR","message":"Mizan registry is invalid"}}',
    )


@pytest.mark.usefixtures("invalid_registry")
def test_reg9_invalid_registry_ctx_is_500(mizan: MizanClient) -> None:
    """REG-9: the same for `/ctx/`, also for an unknown context."""
    assert_internal(mizan.ctx("user", "user_id=5"), "Mizan registry is invalid")
    assert_internal(mizan.ctx("no_such_context"), "Mizan registry is invalid")


@pytest.mark.usefixtures("invalid_registry")
def test_reg9_invalid_registry_session_is_500(mizan: MizanClient) -> None:
    """REG-9: "while invalid, every Mizan endpoint answers 500" — `/session/` included."""
    assert_internal(mizan.session(), "Mizan registry is invalid")


@pytest.mark.usefixtures("invalid_registry")
def test_rpc2_bad_body_beats_invalid_registry(mizan: MizanClient) -> None:
    """RPC-2 step 3 before 4: a malformed body is still 400."""
    assert_bad_request(mizan.post(b"[]"))


@pytest.mark.usefixtures("invalid_registry")
def test_rpc2_invalid_registry_beats_unknown_function(mizan: MizanClient) -> None:
    """RPC-2 step 4 before 5."""
    assert_internal(mizan.call("no_such_fn"), "Mizan registry is invalid")


@pytest.mark.usefixtures("invalid_registry")
def test_rpc2_csrf_beats_invalid_registry(mizan: MizanClient) -> None:
    """RPC-2 step 2 before 4."""
    mizan.session()
    assert_error(mizan.call("echo", {"text": "x"}, csrf=False), 403, "FORBIDDEN", "CSRF verification failed")


def test_reg9_registry_valid_again_after_fix(mizan: MizanClient) -> None:
    """REG-9: validity is re-evaluated when the registry changes (the cache follows it)."""
    assert mizan.token  # fetched while the registry is still valid

    @client(affects="late_context")
    def late_mutation(request: Any) -> str:
        return "done"

    registry.register(late_mutation, "late_mutation")
    assert_internal(mizan.call("late_mutation"), "Mizan registry is invalid")

    @client(context="late_context")
    def late_member(request: Any) -> int:
        return 1

    registry.register(late_member, "late_member")
    response = mizan.call("late_mutation")
    assert response.status_code == 200
    assert json.loads(response.content)["result"] == "done"


# --- EP-3: methods ---------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete", "options"])
def test_ep3_call_wrong_method_is_405(mizan: MizanClient, method: str) -> None:
    """EP-3: `/call/` accepts only POST; others → 405 envelope, `Allow: POST`, `no-store`."""
    response = getattr(mizan.django, method)(CALL)
    assert_method_not_allowed(response, "POST")


def test_ep3_call_head_is_405(mizan: MizanClient) -> None:
    """EP-3/GAP-54: HEAD is "other" too."""
    assert_method_not_allowed(mizan.django.head(CALL), "POST", head=True)


def test_ep3_method_checked_before_csrf_and_body(mizan: MizanClient) -> None:
    """EP-3: a PUT with a body and no CSRF token is still 405 (not 403/400)."""
    response = mizan.django.put(CALL, b'{"fn":"echo"}', content_type="application/json")
    assert_method_not_allowed(response, "POST")


@pytest.mark.parametrize("path", [SESSION, ctx_url("user"), ctx_url("no_such_context")])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_ep3_get_endpoints_wrong_method_is_405(mizan: MizanClient, path: str, method: str) -> None:
    """EP-3: `/ctx/…/` and `/session/` accept only GET → 405 with `Allow: GET` (method first,
    before context lookup)."""
    response = getattr(mizan.django, method)(path, b"{}", content_type="application/json")
    assert_method_not_allowed(response, "GET")


@pytest.mark.parametrize("path", [SESSION, ctx_url("user")])
def test_ep3_get_endpoints_head_is_405(mizan: MizanClient, path: str) -> None:
    """EP-3/GAP-54: HEAD on the GET endpoints → 405 `Allow: GET`."""
    assert_method_not_allowed(mizan.django.head(path), "GET", head=True)


def test_err1_every_envelope_has_only_code_message_details(mizan: MizanClient) -> None:
    """ERR-1: the nested shape only, no `error: true` flag, `details` omitted when empty."""
    response = mizan.call("internal_job")
    assert json.loads(response.content) == {
        "error": {"code": "FORBIDDEN", "message": "Function is not client-callable"}
    }
    assert canonical(json.loads(response.content)) == response.content


def test_client_without_session_cookie_still_gets_json(mizan: MizanClient) -> None:
    """AUTH-6: a POST with neither cookie nor token is a CSRF failure in the JSON envelope."""
    response = Client(enforce_csrf_checks=True).post(CALL, b'{"fn":"echo"}', content_type="application/json")
    assert_error(response, 403, "FORBIDDEN", "CSRF verification failed")


def test_auth6_multipart_needs_csrf_too(mizan: MizanClient) -> None:
    """AUTH-6: the multipart form is a session POST like any other."""
    response = mizan.django.post(CALL, {"fn": "echo", "args": '{"text":"hi"}'})
    assert_json(response, 403, b'{"error":{"code":"FORBIDDEN","message":"CSRF verification failed"}}')
