"""View-path functions and `route=` (PROTOCOL §3.5, RPC-6)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from tests.django.conftest import (
    MizanClient,
    assert_internal,
    assert_json,
    assert_method_not_allowed,
    assert_validation,
    canonical,
)

HEADER = "X-Mizan-Invalidate"


def test_view5_redirect_carries_the_header(mizan: MizanClient, purges: list[Any]) -> None:
    """The seed's view-path mutation: 302, Location, no-store over the function's own
    max-age, and `X-Mizan-Invalidate` from the path argument (VIEW-1/4/5, INV-11)."""
    response = mizan.django.post("/profile/5/update/", HTTP_X_CSRFTOKEN=mizan.token)
    assert response.status_code == 302
    assert response["Location"] == "/profile/5/"
    assert response["Cache-Control"] == "no-store"
    assert response[HEADER] == "user;user_id=5, notifications"
    assert purges == [("user", {"user_id": 5}), ("notifications", None)]


def test_view4_unsafe_method_needs_csrf_under_session(mizan: MizanClient, purges: list[Any]) -> None:
    """VIEW-4/AUTH-6: a non-private POST route is CSRF-protected; failure is the envelope."""
    response = mizan.django.post("/profile/5/update/")
    assert_json(response, 403, b'{"error":{"code":"FORBIDDEN","message":"CSRF verification failed"}}')
    assert purges == []


def test_ep3_route_method_enforcement(mizan: MizanClient) -> None:
    """VIEW-4/EP-3: a method outside `methods` is 405 with `Allow`."""
    assert_method_not_allowed(mizan.django.get("/profile/5/update/"), "POST")
    assert_method_not_allowed(mizan.django.get("/search/books/"), "POST")  # default: POST
    assert_method_not_allowed(mizan.django.post("/profile/5/", HTTP_X_CSRFTOKEN=mizan.token), "GET")  # context: GET
    assert_method_not_allowed(mizan.django.delete("/profile/5/data/"), "POST, PUT")


def test_view4_private_route_is_reachable_without_csrf_and_keeps_the_body() -> None:
    """VIEW-4: a private route (webhook) is exempt from CSRF and the body is the
    function's to read; it still invalidates."""
    client = Client(enforce_csrf_checks=True)
    response = client.post("/webhooks/stripe/", b'{"event":"paid"}', content_type="application/json")
    assert response.status_code == 200
    assert response.content == b'received:{"event":"paid"}'
    assert response[HEADER] == "account"
    assert response["Cache-Control"] == "no-store"


def test_view4_private_route_is_403_on_call(mizan: MizanClient) -> None:
    """VIEW-4/RPC-2: the same function is not client-callable through `/call/`."""
    assert_json(
        mizan.call("stripe_webhook"), 403, b'{"error":{"code":"FORBIDDEN","message":"Function is not client-callable"}}'
    )


def test_view5_failure_status_means_no_header_no_purge(mizan: MizanClient, purges: list[Any]) -> None:
    """VIEW-5: status >= 400 is a failure: the response as returned, no header, no purge,
    `no-store` still forced."""
    response = mizan.django.post("/profile/5/reject/", HTTP_X_CSRFTOKEN=mizan.token)
    assert response.status_code == 400 and response.content == b"nope"
    assert HEADER not in response
    assert response["Cache-Control"] == "no-store"
    assert purges == []


def test_view7_data_return_uses_the_rpc_envelope(mizan: MizanClient) -> None:
    """VIEW-7: plain data from a route answers like RPC (both transports); path and query
    parameters are the arguments and the path wins."""
    for method in ("post", "put"):
        response = getattr(mizan.django, method)("/profile/5/data/?note=hi&user_id=9", HTTP_X_CSRFTOKEN=mizan.token)
        assert response.status_code == 200
        body = {"invalidate": [{"context": "user", "params": {"user_id": 5}}], "result": {"note": "hi", "user_id": 5}}
        assert response.content == canonical(body)
        assert response[HEADER] == "user;user_id=5"
        assert response["Content-Type"] == "application/json"


def test_view4_route_validation_is_the_json_envelope(mizan: MizanClient) -> None:
    """VIEW-4: invalid path/query arguments are 422 with field details."""
    response = mizan.django.post("/search/books/?page=x", HTTP_X_CSRFTOKEN=mizan.token)
    assert_validation(response, {"page": ["Input should be a valid integer, unable to parse string as an integer"]})
    ok = mizan.django.post("/search/books/?page=2", HTTP_X_CSRFTOKEN=mizan.token)
    assert ok.content == b'{"result":{"kind":"books","page":2}}'


def test_auth1_route_guard(mizan: MizanClient, login: Any) -> None:
    """AUTH-1: guards run on routes too, before the body."""
    assert_json(
        mizan.django.get("/members/5/"), 401, b'{"error":{"code":"UNAUTHORIZED","message":"Authentication required"}}'
    )
    member = login("member")
    response = member.django.get("/members/5/")
    assert response.status_code == 200 and response.content == b"members"
    assert response[HEADER] == "user;user_id=5"


def test_view1_context_member_route_without_affects(mizan: MizanClient) -> None:
    """VIEW-1: a view-path context member is reachable at its route; no header without
    affects; excluded from the bundle (BND-3)."""
    response = mizan.django.get("/profile/7/")
    assert response.status_code == 200 and response.content == b"profile 7"
    assert HEADER not in response and response["Cache-Control"] == "no-store"
    assert mizan.ctx("profile", "user_id=7").content == b"{}"


def test_rpc6_view_path_function_over_call_carries_the_header(mizan: MizanClient) -> None:
    """RPC-6/VIEW-5: called through `/call/`, the response passes through with the header."""
    response = mizan.call("profile_update", {"user_id": 5})
    assert response.status_code == 302
    assert response[HEADER] == "user;user_id=5, notifications"
    assert response["Cache-Control"] == "no-store"


def test_reg9_routes_answer_500_while_the_registry_is_invalid(mizan: MizanClient) -> None:
    from mizan import client
    from mizan.core import registry

    assert mizan.token

    @client(affects="nowhere")
    def broken(request: Any) -> None: ...

    registry.register(broken, "broken_for_routes")
    assert_internal(mizan.django.post("/profile/5/update/", HTTP_X_CSRFTOKEN=mizan.token), "Mizan registry is invalid")
