"""`POST /call/` through the FastAPI adapter: RPC-1..7, RPC-2 order, ERR-2/3/4/5, JSON-1..3,
EP-3, FA-2, FA-4 (mirrors tests/django/test_call.py)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from mizan_fastapi import client, register
from tests.fastapi import functions
from tests.fastapi.conftest import (
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
)

MSG_INT = "Input should be a valid integer, unable to parse string as an integer"


def not_found(fn: str) -> bytes:
    """ERR-3's unknown-function 404, naming the function (issue 15)."""
    return canonical({"error": {"code": "NOT_FOUND", "message": "Function not found", "details": {"function": fn}}})


# --- RPC-1 / RPC-3 / SIG-7: success shapes ---------------------------------------------


def test_rpc3_echo_success_exact_bytes(api: MizanClient) -> None:
    """RPC-3/RPC-4, §2.3 example: the exact bytes and headers of a plain call."""
    assert_json(api.call("echo", {"text": "hi"}), 200, b'{"result":{"message":"echo: hi"}}')


@pytest.mark.parametrize("body", [b'{"fn":"list_items"}', b'{"fn":"list_items","args":null}'])
def test_rpc1_args_absent_or_null_means_empty(api: MizanClient, body: bytes) -> None:
    """RPC-1 (GAP-55): `args` absent or `null` is `{}`."""
    assert_json(api.post(body), 200, b'{"result":[{"id":1,"name":"a"},{"id":2,"name":"b"}]}')


def test_rpc1_args_null_for_function_with_required_param_is_422(api: MizanClient) -> None:
    assert_validation(api.post(b'{"fn":"echo","args":null}'), {"text": ["Field required"]})


def test_rpc1_unknown_top_level_keys_ignored(api: MizanClient) -> None:
    body = b'{"args":{"text":"hi"},"function":"nope","fn":"echo","id":7,"extra":{"x":[1]}}'
    assert_json(api.post(body), 200, b'{"result":{"message":"echo: hi"}}')


def test_rpc5_extra_args_ignored(api: MizanClient) -> None:
    """RPC-5: args that are not fields are ignored, `request` included (SIG-1)."""
    args = {"text": "hi", "unknown": [1, 2], "count": "x", "request": "spoofed"}
    assert_result(api.call("echo", args), {"message": "echo: hi"})


@pytest.mark.parametrize(
    "fn", ["__class__", "__init__", "constructor", "__proto__", "echo.fn", "Echo", "echo ", "x" * 5000]
)
def test_err3_odd_function_names_are_404(api: MizanClient, fn: str) -> None:
    assert_json(api.call(fn), 404, not_found(fn))


def test_sig4_args_to_parameterless_function_ignored(api: MizanClient) -> None:
    assert_json(api.call("nothing", {"anything": 1}), 200, b'{"result":null}')


@pytest.mark.parametrize(("present", "body"), [(True, b'{"result":{"id":1,"name":"a"}}'), (False, b'{"result":null}')])
def test_sig7_optional_model_is_object_or_null(api: MizanClient, present: bool, body: bytes) -> None:
    assert_json(api.call("maybe_item", {"present": present}), 200, body)


def test_sig7_dict_result_typed_lax_coercion(api: MizanClient) -> None:
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
        api.call("typed", args),
        200,
        b'{"result":{"color":"blue","count":5,"flag":true,"item":{"id":7,"name":"n"},'
        b'"mode":"b","ratio":2.5,"tags":["x","y"]}}',
    )


def test_sig7_defaults_applied(api: MizanClient) -> None:
    assert_json(
        api.call("typed", {"count": 1}),
        200,
        b'{"result":{"color":"red","count":1,"flag":false,"item":null,"mode":"a","ratio":1.0,"tags":null}}',
    )


def test_json1_sorted_keys_by_code_point_non_ascii_literal(api: MizanClient) -> None:
    expected = '{"result":{"B":2,"_":3,"a":1,"z":4,"é":5,"ﬁ":6,"😀":7}}'.encode()
    assert_json(api.call("keys_order"), 200, expected)


def test_json1_non_ascii_and_escapes_round_trip(api: MizanClient) -> None:
    body = b'{"fn":"echo","args":{"text":"J\xc3\xbcrgen \\ud83d\\ude00 \\"q\\" \\\\ a\\nb\\u0001"}}'
    expected = b'{"result":{"message":"echo: J\xc3\xbcrgen \xf0\x9f\x98\x80 \\"q\\" \\\\ a\\nb\\u0001"}}'
    assert_json(api.post(body), 200, expected)


def test_json3_request_key_order_does_not_change_bytes(api: MizanClient) -> None:
    a = api.post(b'{"fn":"typed","args":{"count":3,"mode":"b","flag":true}}')
    b = api.post(b'{"args":{"flag":true,"mode":"b","count":3},"fn":"typed"}')
    assert a.status_code == b.status_code == 200
    assert a.content == b.content


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_rpc7_other_content_types_parsed_as_json(api: MizanClient, content_type: str) -> None:
    """RPC-7: any content type other than multipart is parsed as JSON."""
    response = api.post(b'{"fn":"echo","args":{"text":"hi"}}', content_type=content_type)
    assert_json(response, 200, b'{"result":{"message":"echo: hi"}}')


# --- FA-4 / SIG-9: async and sync functions ---------------------------------------------


def test_fa4_async_function(api: MizanClient) -> None:
    assert_json(api.call("async_echo", {"text": "hi"}), 200, b'{"result":{"async":"hi"}}')


def test_fa4_async_body_runs_on_the_event_loop_with_the_starlette_request(api: MizanClient) -> None:
    """FA-4: an async body is awaited on the event loop and receives the Starlette request."""
    assert_result(api.call("where_async"), {"is_request": True, "on_loop": True})


def test_fa4_sync_body_runs_in_a_worker_thread(api: MizanClient) -> None:
    """FA-4: a sync body runs in the threadpool: no event loop in its thread."""
    assert_result(api.call("where_sync"), {"main": False, "on_loop": False})


def test_dec6_hand_written_server_function_class(api: MizanClient) -> None:
    """DEC-6/SF-2: a ServerFunction subclass with an async `call`."""
    assert_result(api.call("doubler", {"n": "21"}), 42)


# --- RPC-6 / SIG-8 / FA-10: view-path returns ---------------------------------------------


def test_rpc6_view_path_response_passed_through_with_no_store(api: MizanClient) -> None:
    """RPC-6/FA-10: the function's own Starlette response, `no-store` forced over its
    `max-age=3600`."""
    response = api.call("view_response")
    assert response.status_code == 200
    assert response.content == b"plain text body"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert "x-mizan-invalidate" not in response.headers


def test_rpc6_view_path_decided_at_run_time(api: MizanClient) -> None:
    """SIG-8: a returned Starlette response takes the view path although annotated `dict`."""
    response = api.call("sneaky_view")
    assert (response.status_code, response.content) == (202, b"sneaky")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["x-custom"] == "kept"
    assert response.headers["cache-control"] == "no-store"


def test_rpc6_redirect_passed_through(api: MizanClient) -> None:
    response = api.call("view_redirect")
    assert response.status_code == 302
    assert response.headers["location"] == "/somewhere/"
    assert response.headers.get_list("cache-control") == ["no-store"]


def test_rpc6_async_view_path_function(api: MizanClient) -> None:
    """RPC-6 + FA-4: an async function's JSONResponse is passed through (Starlette's bytes)."""
    response = api.call("async_view")
    assert (response.status_code, response.content) == (200, b'{"z":1,"a":2}')
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"


def test_fa10_view_path_function_is_marked_at_declaration() -> None:
    """FA-10/DEC-3: a Starlette `Response` return annotation makes a view-path function
    (so it is left out of the IR and marked `view` in the manifest)."""
    assert functions.view_response._meta.get("view_path") is True
    assert functions.profile_update._meta.get("view_path") is True
    assert not functions.echo._meta.get("view_path")


# --- ERR-4: 422 details ----------------------------------------------------------------


def test_err4_missing_required_field(api: MizanClient) -> None:
    assert_json(
        api.call("echo", {}),
        422,
        b'{"error":{"code":"VALIDATION_ERROR","details":{"fields":{"text":["Field required"]}},'
        b'"message":"Input validation failed"}}',
    )


def test_err4_all_failures_nested_paths_and_list_indices(api: MizanClient) -> None:
    args = {"count": "x", "tags": ["a", 1], "mode": "c", "color": "green", "item": {"id": "z"}}
    assert_validation(
        api.call("typed", args),
        {
            "count": [MSG_INT],
            "tags.1": ["Input should be a valid string"],
            "mode": ["Input should be 'a' or 'b'"],
            "color": ["Input should be 'red' or 'blue'"],
            "item.id": [MSG_INT],
            "item.name": ["Field required"],
        },
    )


def test_err4_list_of_models_path(api: MizanClient) -> None:
    response = api.call("bulk", {"items": [{"id": 1, "name": "a"}, {"id": "q", "name": "b"}, {"id": 3}]})
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
def test_err4_integer_messages(api: MizanClient, value: Any, message: str) -> None:
    assert_validation(api.call("count_call", {"n": value}), {"n": [message]})
    assert functions.CALLS["count_call"] == 0


def test_err4_no_raw_pydantic_errors_leak(api: MizanClient) -> None:
    response = api.call("typed", {"count": "secret-input-value"})
    assert response.status_code == 422
    assert b"secret-input-value" not in response.content
    assert b"errors.pydantic.dev" not in response.content
    assert set(json.loads(response.content)["error"]["details"]) == {"fields"}


# --- ERR-3 / ERR-5 / ERR-7: exceptions raised by functions ----------------------------


def test_err5_unexpected_exception_is_generic_500_and_logged(
    api: MizanClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="mizan"):
        response = api.call("raises_unexpected")
    assert_internal(response)
    assert b"secret" not in response.content
    logged = [r for r in caplog.records if r.name == "mizan" and r.exc_info]
    assert logged and "secret internals must not leak" in str(logged[0].exc_info[1])  # type: ignore[index]


def test_err5_async_unexpected_exception_is_generic_500(api: MizanClient) -> None:
    response = api.call("async_raises")
    assert_internal(response)
    assert b"secret" not in response.content


@pytest.mark.parametrize(("text", "message"), [("Feature X is coming", "Feature X is coming"), ("", "Not implemented")])
def test_err3_not_implemented_error_is_501(api: MizanClient, text: str, message: str) -> None:
    assert_error(api.call("raises_not_implemented", {"text": text}), 501, "NOT_IMPLEMENTED", message)


@pytest.mark.parametrize(("text", "message"), [("Not your order", "Not your order"), ("", "Permission denied")])
def test_err3_permission_error_is_403(api: MizanClient, text: str, message: str) -> None:
    assert_error(api.call("raises_permission", {"text": text}), 403, "FORBIDDEN", message)


def test_err3_mizan_error_with_details(api: MizanClient) -> None:
    assert_json(
        api.call("raises_mizan_error"),
        422,
        b'{"error":{"code":"VALIDATION_ERROR","details":{"fields":{"x":["bad"]}},"message":"Custom validation"}}',
    )


@pytest.mark.parametrize(
    ("kind", "status", "body"),
    [
        ("bad_request", 400, b'{"error":{"code":"BAD_REQUEST","message":"Order is closed"}}'),
        ("unauthorized", 401, b'{"error":{"code":"UNAUTHORIZED","message":"Authentication required"}}'),
        ("forbidden", 403, b'{"error":{"code":"FORBIDDEN","details":{"order_id":7},"message":"Not your order"}}'),
        ("not_found", 404, b'{"error":{"code":"NOT_FOUND","message":"No such order"}}'),
        ("not_implemented", 501, b'{"error":{"code":"NOT_IMPLEMENTED","message":"Not implemented"}}'),
        ("internal", 500, b'{"error":{"code":"INTERNAL_ERROR","message":"Internal server error"}}'),
        ("teapot", 500, b'{"error":{"code":"INTERNAL_ERROR","message":"I am a teapot"}}'),
    ],
)
def test_err7_raised_protocol_errors(api: MizanClient, kind: str, status: int, body: bytes) -> None:
    assert_json(api.call("raises_protocol_error", {"kind": kind}), status, body)


@pytest.mark.parametrize("fn", ["returns_nan", "returns_unserializable"])
def test_json1_unencodable_result_is_500(api: MizanClient, fn: str) -> None:
    assert_internal(api.call(fn))


def test_json1_nan_string_input_validates_but_nan_result_is_500(api: MizanClient) -> None:
    assert_internal(api.call("typed", {"count": 1, "ratio": "nan"}))


# --- ERR-3: lookup, private ------------------------------------------------------------


def test_err3_unknown_function_is_404(api: MizanClient) -> None:
    assert_json(
        api.call("no_such_fn"),
        404,
        b'{"error":{"code":"NOT_FOUND","details":{"function":"no_such_fn"},"message":"Function not found"}}',
    )


def test_err3_private_function_is_403(api: MizanClient) -> None:
    assert_json(
        api.call("internal_job"), 403, b'{"error":{"code":"FORBIDDEN","message":"Function is not client-callable"}}'
    )


def test_err3_jwt_functions_do_not_exist_on_fastapi(api: MizanClient) -> None:
    """JWT-5: the session-bound JWT functions are Django-only; FastAPI registers only
    `mwt_obtain`."""
    assert_json(api.call("jwt_obtain"), 404, not_found("jwt_obtain"))
    assert_json(api.call("jwt_refresh", {"refresh_token": "x"}), 404, not_found("jwt_refresh"))


# --- RPC-2: processing order ----------------------------------------------------------


def test_rpc2_bad_body_beats_unknown_function(api: MizanClient) -> None:
    assert_bad_request(api.post(b'{"fn":"no_such_fn","args":[]}'))


def test_rpc2_bad_body_beats_private(api: MizanClient) -> None:
    assert_bad_request(api.post(b'{"fn":"internal_job","args":"x"}'))


def test_rpc2_private_beats_auth(api: MizanClient) -> None:
    assert_error(api.call("private_secure"), 403, "FORBIDDEN", "Function is not client-callable")
    assert functions.CALLS["private_secure"] == 0


def test_rpc2_auth_beats_validation(api: MizanClient) -> None:
    assert_error(api.call("secure_add", {"a": "x"}), 401, "UNAUTHORIZED", "Authentication required")
    assert functions.CALLS["secure_add"] == 0


def test_rpc2_callable_guard_beats_validation(api: MizanClient) -> None:
    assert_error(api.call("vip_add", {"a": "x"}), 403, "FORBIDDEN", "Permission denied")
    assert functions.CALLS["vip_add"] == 0


def test_rpc2_validation_beats_execution(api: MizanClient) -> None:
    assert_validation(api.call("count_call", {"n": "x"}), {"n": [MSG_INT]})
    assert functions.CALLS["count_call"] == 0
    assert_result(api.call("count_call", {"n": "3"}), 3)
    assert functions.CALLS["count_call"] == 1


def test_rpc2_token_beats_bad_body(api: MizanClient) -> None:
    """RPC-2 step 1 before 3: an invalid token with a malformed body is the 401."""
    response = api.post(b"{not json", headers={"x-mizan-token": "garbage"})
    assert_error(response, 401, "UNAUTHORIZED", "Invalid or expired MWT")


def test_auth1_callable_guard_sees_request_before_body(api: MizanClient) -> None:
    assert_result(api.call("guarded_record", {"text": "t"}), "t")
    assert functions.EVENTS == [("guard", "POST", CALL, 0), ("body", "t")]


def test_auth1_guard_runs_before_validation(api: MizanClient) -> None:
    assert_validation(api.call("guarded_record", {}), {"text": ["Field required"]})
    assert functions.EVENTS == [("guard", "POST", CALL, 0)]


# --- REG-9: invalid registry --------------------------------------------------------------


@pytest.fixture
def invalid_registry() -> Iterator[None]:
    @client(affects="no_such_context")
    def broken_mutation(request: Any) -> None:
        return None

    register(broken_mutation, "broken_mutation")
    yield


@pytest.mark.usefixtures("invalid_registry")
@pytest.mark.parametrize("path", [CALL, SESSION, "/api/mizan/ctx/user/?user_id=5", "/api/mizan/ctx/nope/"])
def test_reg9_invalid_registry_is_500_everywhere(api: MizanClient, path: str) -> None:
    """REG-9: while the registry is invalid every Mizan endpoint answers 500."""
    if path == CALL:
        response = api.call("echo", {"text": "hi"})
    else:
        response = api.request("GET", path)
    assert_internal(response, "Mizan registry is invalid")


@pytest.mark.usefixtures("invalid_registry")
def test_rpc2_bad_body_beats_invalid_registry(api: MizanClient) -> None:
    assert_bad_request(api.post(b"[]"))


def test_reg9_registry_valid_again_after_fix(api: MizanClient) -> None:
    @client(affects="late_context")
    def late_mutation(request: Any) -> str:
        return "done"

    register(late_mutation, "late_mutation")
    assert_internal(api.call("late_mutation"), "Mizan registry is invalid")

    @client(context="late_context")
    def late_member(request: Any) -> int:
        return 1

    register(late_member, "late_member")
    response = api.call("late_mutation")
    assert (response.status_code, response.content) == (200, b'{"invalidate":["late_context"],"result":"done"}')


# --- EP-3: methods ---------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"])
def test_ep3_call_wrong_method_is_405(api: MizanClient, method: str) -> None:
    assert_method_not_allowed(api.request(method, CALL), "POST")


def test_ep3_call_head_is_405(api: MizanClient) -> None:
    assert_method_not_allowed(api.request("HEAD", CALL), "POST", head=True)


def test_ep3_method_checked_before_token_and_body(api: MizanClient) -> None:
    response = api.request("PUT", CALL, content=b"{", headers={"x-mizan-token": "garbage"})
    assert_method_not_allowed(response, "POST")


@pytest.mark.parametrize("path", [SESSION, "/api/mizan/ctx/user/", "/api/mizan/ctx/no_such_context/"])
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_ep3_get_endpoints_wrong_method_is_405(api: MizanClient, path: str, method: str) -> None:
    assert_method_not_allowed(api.request(method, path, content=b"{}"), "GET")


@pytest.mark.parametrize("path", [SESSION, "/api/mizan/ctx/user/"])
def test_ep3_get_endpoints_head_is_405(api: MizanClient, path: str) -> None:
    assert_method_not_allowed(api.request("HEAD", path), "GET", head=True)


def test_err1_every_envelope_has_only_code_message_details(api: MizanClient) -> None:
    response = api.call("internal_job")
    assert json.loads(response.content) == {
        "error": {"code": "FORBIDDEN", "message": "Function is not client-callable"}
    }
    assert canonical(json.loads(response.content)) == response.content


def test_ep1_no_openapi_operations_for_the_protocol(app: Any) -> None:
    """EP-1/GEN-3: Mizan's endpoints are not an OpenAPI surface."""
    assert app.openapi()["paths"] == {}
