"""`GET /session/` and the absence of CSRF on FastAPI (SESS-1, FA-9, AUTH-7, EP-3)."""

from __future__ import annotations

import pytest

from tests.fastapi.conftest import SESSION, MizanClient, assert_json, assert_method_not_allowed


def test_fa9_session_body_and_headers(api: MizanClient) -> None:
    """SESS-1/FA-9: `{"csrfToken": null}`, `no-store`, JSON, and no cookie."""
    response = api.session()
    assert_json(response, 200, b'{"csrfToken":null}')
    assert "set-cookie" not in response.headers


def test_fa9_session_for_a_signed_in_user(api: MizanClient) -> None:
    assert_json(api.as_user("alice").session(), 200, b'{"csrfToken":null}')


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_ep3_session_wrong_method_is_405(api: MizanClient, method: str) -> None:
    assert_method_not_allowed(api.request(method, SESSION), "GET")


def test_auth7_no_csrf_on_fastapi(api: MizanClient) -> None:
    """AUTH-7: a POST from a signed-in user with no token and a foreign Origin is served;
    CSRF defence is the application's."""
    response = api.as_user("alice").call("whoami", headers={"origin": "http://evil.example"})
    assert_json(response, 200, b'{"result":{"username":"alice"}}')
