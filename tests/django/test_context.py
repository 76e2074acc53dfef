"""`GET /ctx/<name>/` through the Django adapter: BND-1..7, AUTH-1 per member, ERR-3/4."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mizan import client
from mizan.core.errors import MizanRegistrationError
from tests.django.conftest import (
    MizanClient,
    assert_error,
    assert_internal,
    assert_json,
    assert_validation,
)
from tests.django.project.testapp import clients as testapp

MSG_INT = "Input should be a valid integer, unable to parse string as an integer"
USER_5 = b'{"user_orders":{"count":50,"limit":10},"user_profile":{"name":"user_5","user_id":5}}'

# --- BND-4: success --------------------------------------------------------------------


def test_bnd4_flat_sorted_bundle_exact_bytes(mizan: MizanClient) -> None:
    """BND-4/§2.4 example: a flat object of member results, sorted keys, no `result`
    wrapper, no `invalidate`; the async member (user_orders) runs too (SIG-9)."""
    assert_json(mizan.ctx("user", "user_id=5"), 200, USER_5)


def test_bnd6_no_vary_header(mizan: MizanClient) -> None:
    """BND-6/GAP-64: Mizan emits no `Vary` (no session/CSRF middleware touched either)."""
    assert "Vary" not in mizan.ctx("user", "user_id=5")


def test_ctx2_global_context(mizan: MizanClient) -> None:
    """CTX-2: the global context is fetched by its reserved name without params."""
    assert_json(mizan.ctx("global"), 200, b'{"site_settings":{"site":"mizan"}}')


# --- BND-2: query parameters -------------------------------------------------------------


def test_bnd2_per_member_params_and_defaults(mizan: MizanClient) -> None:
    """BND-2: each member receives only its own fields (`limit` only reaches user_orders)."""
    assert_json(
        mizan.ctx("user", "user_id=5&limit=3"),
        200,
        b'{"user_orders":{"count":50,"limit":3},"user_profile":{"name":"user_5","user_id":5}}',
    )


def test_bnd2_repeated_key_takes_last_value(mizan: MizanClient) -> None:
    """BND-2/GAP-53: a repeated query key takes its last value."""
    assert_json(
        mizan.ctx("user", "user_id=1&limit=4&user_id=5&limit=3"),
        200,
        b'{"user_orders":{"count":50,"limit":3},"user_profile":{"name":"user_5","user_id":5}}',
    )


def test_bnd2_undeclared_query_keys_ignored(mizan: MizanClient) -> None:
    """BND-2: query keys that are no member's field are ignored."""
    assert_json(mizan.ctx("user", "user_id=5&bogus=1&_=1700000000&limit_x=q"), 200, USER_5)


def test_json3_query_order_does_not_change_bytes(mizan: MizanClient) -> None:
    """JSON-3: the order of query parameters never changes the response."""
    a = mizan.ctx("user", "user_id=5&limit=3")
    b = mizan.ctx("user", "limit=3&user_id=5")
    assert a.status_code == b.status_code == 200
    assert a.content == b.content


def test_bnd2_lax_coercion_of_query_strings(mizan: MizanClient) -> None:
    """BND-2: strings coerced by Pydantic's lax rules: `"5"` → 5, `"true"` → True,
    literal and enum values by string."""
    assert_json(
        mizan.ctx("filters", "active=true&page=5&mode=y&color=blue"),
        200,
        b'{"filters_count":{"page":5,"tags":null},"filters_list":{"active":true,"color":"blue","mode":"y","page":5}}',
    )


@pytest.mark.parametrize(("raw", "value"), [("1", b"true"), ("false", b"false"), ("no", b"false"), ("on", b"true")])
def test_bnd2_lax_bool_spellings(mizan: MizanClient, raw: str, value: bytes) -> None:
    """BND-2: Pydantic's lax bool strings."""
    response = mizan.ctx("filters", f"active={raw}")
    assert response.status_code == 200
    assert b'"active":' + value in response.content


def test_bnd2_percent_decoded_value_with_spaces_coerced(mizan: MizanClient) -> None:
    """BND-2: query values are percent-decoded strings; `" 5 "` is coerced like Pydantic."""
    assert_json(
        mizan.ctx("user", "user_id=%205%20"),
        200,
        USER_5,
    )


def test_bnd2_bad_param_is_422(mizan: MizanClient) -> None:
    """BND-2/BND-5 + ERR-4: a param failing validation → 422 `fields`."""
    assert_validation(mizan.ctx("user", "user_id=abc"), {"user_id": [MSG_INT]})


def test_bnd2_bad_param_of_one_member_is_422(mizan: MizanClient) -> None:
    """BND-5: `limit` only belongs to user_orders; its failure fails the bundle."""
    assert_validation(mizan.ctx("user", "user_id=5&limit=lots"), {"limit": [MSG_INT]})


def test_bnd2_missing_required_param_is_422(mizan: MizanClient) -> None:
    """ERR-4: a missing required member param → `Field required`."""
    assert_validation(mizan.ctx("user"), {"user_id": ["Field required"]})


def test_bnd2_empty_value_is_a_string_not_absent(mizan: MizanClient) -> None:
    """BND-2: `user_id=` supplies the empty string, which fails int validation."""
    assert_validation(mizan.ctx("user", "user_id="), {"user_id": [MSG_INT]})


def test_bnd2_invalid_literal_and_enum(mizan: MizanClient) -> None:
    """ERR-4: all of one member's failures are reported together."""
    assert_validation(
        mizan.ctx("filters", "mode=z&color=green&active=maybe"),
        {
            "active": ["Input should be a valid boolean, unable to interpret input"],
            "color": ["Input should be 'red' or 'blue'"],
            "mode": ["Input should be 'x' or 'y'"],
        },
    )


# --- BND-1: unknown context ------------------------------------------------------------


def test_bnd1_unknown_context_is_404(mizan: MizanClient) -> None:
    """BND-1/ERR-3: `Context '<name>' not found`."""
    assert_json(
        mizan.ctx("nope"),
        404,
        b'{"error":{"code":"NOT_FOUND","message":"Context \'nope\' not found"}}',
    )


def test_bnd1_function_name_is_not_a_context(mizan: MizanClient) -> None:
    """BND-1: a function name (even of a context member) is not a context."""
    assert_error(mizan.ctx("user_profile", "user_id=5"), 404, "NOT_FOUND", "Context 'user_profile' not found")


def test_bnd1_unknown_context_name_non_ascii_and_quote(mizan: MizanClient) -> None:
    """BND-1 + JSON-1: the name is echoed with non-ASCII literal and `"` escaped."""
    assert_json(
        mizan.ctx("j%C3%BCrgen%22x"),
        404,
        '{"error":{"code":"NOT_FOUND","message":"Context \'jürgen\\"x\' not found"}}'.encode(),
    )


# --- BND-3: excluded members -------------------------------------------------------------


def test_bnd3_view_path_member_excluded(mizan: MizanClient) -> None:
    """BND-3/GAP-14: a view-path member is neither in the bundle nor executed."""
    assert_json(mizan.ctx("pages"), 200, b'{"page_data":{"title":"Home"}}')
    assert testapp.CALLS["page_html"] == 0


def test_bnd3_private_member_cannot_exist() -> None:
    """BND-3/DEC-5: private functions never join a bundle because `private=True` with
    `context=` is refused at declaration."""
    with pytest.raises(MizanRegistrationError):

        @client(context="pages", private=True)
        def hidden_member(request: object) -> int:
            return 1


def test_bnd3_private_subclass_member_excluded(mizan: MizanClient) -> None:
    """BND-3: a hand-written member whose options say private (bypassing the decorator
    check) is still never executed in a bundle."""
    import dataclasses

    from mizan.core import registry

    @client(context="pages")
    def sneaky_private(request: object) -> str:
        testapp.CALLS["sneaky_private"] += 1
        return "leaked"

    sneaky_private._options = dataclasses.replace(sneaky_private._options, private=True)
    sneaky_private._meta = sneaky_private._options.meta()
    registry.register(sneaky_private, "sneaky_private")
    assert_json(mizan.ctx("pages"), 200, b'{"page_data":{"title":"Home"}}')
    assert testapp.CALLS["sneaky_private"] == 0


# --- BND-5: phases, order, no partial bundles ----------------------------------------------


def test_bnd5_validation_before_execution(mizan: MizanClient) -> None:
    """BND-5: all validations run before any execution: phased_a_runs sorts first but does
    not run when phased_b_strict fails validation."""
    assert_validation(mizan.ctx("phased", "n=x"), {"n": [MSG_INT]})
    assert testapp.CALLS["phased_a_runs"] == 0
    assert testapp.CALLS["phased_b_strict"] == 0
    assert_json(mizan.ctx("phased", "n=2"), 200, b'{"phased_a_runs":1,"phased_b_strict":2}')
    assert testapp.CALLS["phased_a_runs"] == testapp.CALLS["phased_b_strict"] == 1


def test_bnd5_guards_before_validation_across_names(mizan: MizanClient) -> None:
    """BND-5/AUTH-1: phase first, then name: the guard of guarded_z_secure (sorting last)
    fails before guarded_a_needs_int's validation → 401, and nothing runs."""
    assert_error(mizan.ctx("guarded", "n=x"), 401, "UNAUTHORIZED", "Authentication required")
    assert testapp.CALLS["guarded_a_needs_int"] == 0


def test_bnd5_guard_failure_fails_whole_bundle(mizan: MizanClient) -> None:
    """BND-5: one member's guard failure fails the bundle; the public member does not run."""
    assert_error(mizan.ctx("guarded", "n=1"), 401, "UNAUTHORIZED", "Authentication required")
    assert testapp.CALLS["guarded_a_needs_int"] == 0
    assert testapp.CALLS["guarded_z_secure"] == 0


@pytest.mark.django_db
def test_bnd5_authenticated_bundle(login: Callable[..., MizanClient]) -> None:
    """BND-5: with the guard satisfied, validation then execution."""
    alice = login("alice")
    assert_validation(alice.ctx("guarded", "n=x"), {"n": [MSG_INT]})
    assert_json(alice.ctx("guarded", "n=3"), 200, b'{"guarded_a_needs_int":3,"guarded_z_secure":"alice"}')


def test_bnd5_first_execution_failure_in_name_order(mizan: MizanClient) -> None:
    """BND-5: exploding_b (PermissionError) and exploding_c (NotImplementedError) both
    fail; the first by name answers, and no partial bundle is returned."""
    assert_error(mizan.ctx("exploding"), 403, "FORBIDDEN", "member b refused")


def test_bnd5_unexpected_member_exception_is_generic_500(mizan: MizanClient) -> None:
    """BND-5 + ERR-5: a crashing member → 500 without its text, no partial bundle."""
    response = mizan.ctx("crashing")
    assert_internal(response)
    assert b"secret" not in response.content
    assert b"crashing_b_ok" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("flags", "status", "body"),
    [
        ({}, 403, b'{"error":{"code":"FORBIDDEN","message":"Staff access required"}}'),
        ({"is_staff": True}, 403, b'{"error":{"code":"FORBIDDEN","message":"Superuser access required"}}'),
        ({"is_superuser": True}, 403, b'{"error":{"code":"FORBIDDEN","message":"Staff access required"}}'),
        ({"is_staff": True, "is_superuser": True}, 200, b'{"levels_a_staff":"staff","levels_b_super":"superuser"}'),
    ],
    ids=["user", "staff", "superuser-not-staff", "staff-superuser"],
)
def test_bnd5_guards_in_name_order(
    login: Callable[..., MizanClient], flags: dict[str, bool], status: int, body: bytes
) -> None:
    """BND-5: guards run in sorted name order; the first failing guard answers."""
    assert_json(login("u", **flags).ctx("levels"), status, body)


def test_bnd5_levels_anonymous_is_401(mizan: MizanClient) -> None:
    """AUTH-1 per member: an anonymous bundle fetch with staff/superuser members → 401."""
    assert_error(mizan.ctx("levels"), 401, "UNAUTHORIZED", "Authentication required")


def test_bnd5_callable_guards_per_member(mizan: MizanClient) -> None:
    """AUTH-1/BND-5: member guards are called with the GET request; an async guard returning
    0 rejects the bundle (403), and no member runs."""
    assert_error(mizan.ctx("callable_guarded"), 403, "FORBIDDEN", "Permission denied")
    assert testapp.EVENTS == [("guard", "GET", "/api/mizan/ctx/callable_guarded/", 0)]
    assert testapp.CALLS["callable_guarded_zero"] == 0


# --- BND-6 on errors / AUTH-6 ------------------------------------------------------------


@pytest.mark.django_db
def test_auth6_get_ctx_never_checks_csrf(login: Callable[..., MizanClient]) -> None:
    """AUTH-6: GET endpoints never check CSRF, also for a session user without a token."""
    alice = login("alice")
    assert_json(alice.ctx("guarded", "n=1"), 200, b'{"guarded_a_needs_int":1,"guarded_z_secure":"alice"}')


def test_bnd7_repeated_fetches_identical(mizan: MizanClient) -> None:
    """BND-7/JSON-3: results do not depend on evaluation order: repeated fetches are
    byte-identical."""
    bodies = {mizan.ctx("filters", "page=2&active=1&mode=y").content for _ in range(5)}
    assert len(bodies) == 1


def test_bnd2_list_params_unsupported_in_bundles(mizan: MizanClient) -> None:
    """BND-2/GAP-53: query values are single strings, so a `list[...]` member param given a
    value fails validation (list params are unsupported in bundles)."""
    assert_validation(mizan.ctx("filters", "tags=a&tags=b"), {"tags": ["Input should be a valid list"]})


def test_bnd2_too_many_query_fields_answers_in_mizan_format(mizan: MizanClient) -> None:
    """BND-2/BND-6: a query string with more keys than DATA_UPLOAD_MAX_NUMBER_FIELDS
    (all undeclared) must still be a Mizan response (JSON, `no-store`): either the bundle
    with the extra keys ignored, or the 400 envelope — never Django's HTML 400 page."""
    noise = "&".join(f"k{i}=1" for i in range(1001))
    response = mizan.ctx("user", f"user_id=5&{noise}")
    assert (response.status_code, response.content) in {
        (200, USER_5),
        (400, b'{"error":{"code":"BAD_REQUEST","message":"Invalid request body"}}'),
    }
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
