"""`GET /ctx/<name>/` through the FastAPI adapter: BND-1..7, AUTH-1 per member, ERR-3/4
(mirrors tests/django/test_context.py)."""

from __future__ import annotations

import pytest

from tests.fastapi import functions
from tests.fastapi.conftest import MizanClient, assert_error, assert_internal, assert_json, assert_validation

MSG_INT = "Input should be a valid integer, unable to parse string as an integer"
USER_5 = b'{"user_orders":{"count":50,"limit":10},"user_profile":{"name":"user_5","user_id":5}}'


def test_bnd4_flat_sorted_bundle_exact_bytes(api: MizanClient) -> None:
    """BND-4: flat, sorted, no `result` wrapper; the async member runs too (FA-4)."""
    response = api.ctx("user", "user_id=5")
    assert_json(response, 200, USER_5)
    assert "x-mizan-cache" not in response.headers  # the cache is off by default (CACHE-1)


def test_ctx2_global_context(api: MizanClient) -> None:
    assert_json(api.ctx("global"), 200, b'{"site_settings":{"site":"mizan"}}')


def test_bnd2_per_member_params_and_defaults(api: MizanClient) -> None:
    assert_json(
        api.ctx("user", "user_id=5&limit=3"),
        200,
        b'{"user_orders":{"count":50,"limit":3},"user_profile":{"name":"user_5","user_id":5}}',
    )


def test_bnd2_repeated_key_takes_last_value(api: MizanClient) -> None:
    assert_json(
        api.ctx("user", "user_id=1&limit=4&user_id=5&limit=3"),
        200,
        b'{"user_orders":{"count":50,"limit":3},"user_profile":{"name":"user_5","user_id":5}}',
    )


def test_bnd2_undeclared_query_keys_ignored(api: MizanClient) -> None:
    assert_json(api.ctx("user", "user_id=5&bogus=1&_=1700000000&limit_x=q"), 200, USER_5)


def test_json3_query_order_does_not_change_bytes(api: MizanClient) -> None:
    a, b = api.ctx("user", "user_id=5&limit=3"), api.ctx("user", "limit=3&user_id=5")
    assert a.status_code == b.status_code == 200
    assert a.content == b.content


def test_bnd2_lax_coercion_of_query_strings(api: MizanClient) -> None:
    assert_json(
        api.ctx("filters", "active=true&page=5&mode=y&color=blue"),
        200,
        b'{"filters_count":{"page":5,"tags":null},"filters_list":{"active":true,"color":"blue","mode":"y","page":5}}',
    )


@pytest.mark.parametrize(("raw", "value"), [("1", b"true"), ("false", b"false"), ("no", b"false"), ("on", b"true")])
def test_bnd2_lax_bool_spellings(api: MizanClient, raw: str, value: bytes) -> None:
    response = api.ctx("filters", f"active={raw}")
    assert response.status_code == 200
    assert b'"active":' + value in response.content


def test_bnd2_percent_decoded_value_with_spaces_coerced(api: MizanClient) -> None:
    assert_json(api.ctx("user", "user_id=%205%20"), 200, USER_5)
    assert_json(api.ctx("user", "user_id=+5"), 200, USER_5)


def test_bnd2_bad_params_are_422(api: MizanClient) -> None:
    assert_validation(api.ctx("user", "user_id=abc"), {"user_id": [MSG_INT]})
    assert_validation(api.ctx("user", "user_id=5&limit=lots"), {"limit": [MSG_INT]})
    assert_validation(api.ctx("user"), {"user_id": ["Field required"]})
    assert_validation(api.ctx("user", "user_id="), {"user_id": [MSG_INT]})


def test_bnd2_invalid_literal_and_enum(api: MizanClient) -> None:
    assert_validation(
        api.ctx("filters", "mode=z&color=green&active=maybe"),
        {
            "active": ["Input should be a valid boolean, unable to interpret input"],
            "color": ["Input should be 'red' or 'blue'"],
            "mode": ["Input should be 'x' or 'y'"],
        },
    )


def test_bnd2_list_params_unsupported_in_bundles(api: MizanClient) -> None:
    assert_validation(api.ctx("filters", "tags=a&tags=b"), {"tags": ["Input should be a valid list"]})


def test_bnd2_many_query_fields_still_answer_in_mizan_format(api: MizanClient) -> None:
    """BND-2/BND-6: 1001 undeclared keys are ignored; the answer is Mizan's."""
    noise = "&".join(f"k{i}=1" for i in range(1001))
    assert_json(api.ctx("user", f"user_id=5&{noise}"), 200, USER_5)


def test_bnd1_unknown_context_is_404(api: MizanClient) -> None:
    assert_json(api.ctx("nope"), 404, b'{"error":{"code":"NOT_FOUND","message":"Context \'nope\' not found"}}')
    assert_error(api.ctx("user_profile", "user_id=5"), 404, "NOT_FOUND", "Context 'user_profile' not found")


def test_bnd1_unknown_context_name_non_ascii_and_quote(api: MizanClient) -> None:
    assert_json(
        api.ctx("j%C3%BCrgen%22x"),
        404,
        '{"error":{"code":"NOT_FOUND","message":"Context \'jürgen\\"x\' not found"}}'.encode(),
    )


def test_bnd3_view_path_member_excluded(api: MizanClient) -> None:
    assert_json(api.ctx("pages"), 200, b'{"page_data":{"title":"Home"}}')
    assert functions.CALLS["page_html"] == 0


def test_bnd5_validation_before_execution(api: MizanClient) -> None:
    assert_validation(api.ctx("phased", "n=x"), {"n": [MSG_INT]})
    assert functions.CALLS["phased_a_runs"] == functions.CALLS["phased_b_strict"] == 0
    assert_json(api.ctx("phased", "n=2"), 200, b'{"phased_a_runs":1,"phased_b_strict":2}')


def test_bnd5_guards_before_validation_across_names(api: MizanClient) -> None:
    assert_error(api.ctx("guarded", "n=x"), 401, "UNAUTHORIZED", "Authentication required")
    assert functions.CALLS["guarded_a_needs_int"] == functions.CALLS["guarded_z_secure"] == 0


def test_bnd5_authenticated_bundle(as_user: object) -> None:
    alice = as_user("alice")  # type: ignore[operator]
    assert_validation(alice.ctx("guarded", "n=x"), {"n": [MSG_INT]})
    assert_json(alice.ctx("guarded", "n=3"), 200, b'{"guarded_a_needs_int":3,"guarded_z_secure":"alice"}')


def test_bnd5_first_execution_failure_in_name_order(api: MizanClient) -> None:
    assert_error(api.ctx("exploding"), 403, "FORBIDDEN", "member b refused")


def test_bnd5_unexpected_member_exception_is_generic_500(api: MizanClient) -> None:
    response = api.ctx("crashing")
    assert_internal(response)
    assert b"secret" not in response.content


@pytest.mark.parametrize(
    ("user", "status", "body"),
    [
        ("alice", 403, b'{"error":{"code":"FORBIDDEN","message":"Staff access required"}}'),
        ("staff", 403, b'{"error":{"code":"FORBIDDEN","message":"Superuser access required"}}'),
        ("super", 403, b'{"error":{"code":"FORBIDDEN","message":"Staff access required"}}'),
        ("root", 200, b'{"levels_a_staff":"staff","levels_b_super":"superuser"}'),
        ("ghost", 401, b'{"error":{"code":"UNAUTHORIZED","message":"Authentication required"}}'),
        (None, 401, b'{"error":{"code":"UNAUTHORIZED","message":"Authentication required"}}'),
    ],
)
def test_bnd5_guards_in_name_order(api: MizanClient, user: str | None, status: int, body: bytes) -> None:
    assert_json(api.as_user(user).ctx("levels"), status, body)


def test_bnd7_repeated_fetches_identical(api: MizanClient) -> None:
    assert len({api.ctx("filters", "page=2&active=1&mode=y").content for _ in range(5)}) == 1
