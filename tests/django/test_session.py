"""`GET /session/` and CSRF on `POST /call/` (SESS-1, SESS-2, AUTH-6, EP-3)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.django.conftest import (
    CALL,
    SESSION,
    MizanClient,
    assert_error,
    assert_json,
    assert_method_not_allowed,
    assert_mizan_headers,
)

CSRF_FAILED = b'{"error":{"code":"FORBIDDEN","message":"CSRF verification failed"}}'
ECHO = b'{"fn":"echo","args":{"text":"hi"}}'
ECHO_OK = b'{"result":{"message":"echo: hi"}}'


def _token(response: object) -> str:
    return json.loads(response.content)["csrfToken"]  # type: ignore[attr-defined]


def test_sess1_body_headers_and_cookie(mizan: MizanClient) -> None:
    """SESS-1/SESS-2: 200 `{"csrfToken": <non-empty string>}` (exactly that key),
    `no-store`, JSON, and the `csrftoken` cookie set."""
    response = mizan.session()
    assert response.status_code == 200
    assert_mizan_headers(response)
    token = _token(response)
    assert isinstance(token, str) and token
    assert response.content == b'{"csrfToken":"' + token.encode() + b'"}'
    assert settings.CSRF_COOKIE_NAME == "csrftoken"
    assert response.cookies["csrftoken"].value


def test_sess1_token_is_the_masked_cookie_secret(mizan: MizanClient) -> None:
    """SESS-1: the body's token is Django's masked form of the `csrftoken` cookie secret
    (what `get_token()` returns), so it differs per response but unmasks to the cookie."""
    from django.middleware.csrf import CSRF_TOKEN_LENGTH, _unmask_cipher_token

    token = _token(mizan.session())
    cookie = mizan.django.cookies["csrftoken"].value
    assert len(token) == CSRF_TOKEN_LENGTH
    assert token != cookie
    assert _unmask_cipher_token(token) == cookie


def test_sess1_token_passes_csrf_with_cookie(mizan: MizanClient) -> None:
    """SESS-1/SESS-2: the token, sent as `X-CSRFToken` with the cookie, passes CSRF."""
    token = _token(mizan.session())
    response = mizan.django.post(CALL, ECHO, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert_json(response, 200, ECHO_OK)


def test_sess1_repeated_session_calls_keep_the_cookie_secret(mizan: MizanClient) -> None:
    """SESS-1: a second `/session/` call returns a token for the same cookie: both tokens
    pass the check with the one cookie the client holds."""
    first = _token(mizan.session())
    cookie = mizan.django.cookies["csrftoken"].value
    second = _token(mizan.session())
    assert mizan.django.cookies["csrftoken"].value == cookie
    for token in (first, second):
        response = mizan.django.post(CALL, ECHO, content_type="application/json", HTTP_X_CSRFTOKEN=token)
        assert_json(response, 200, ECHO_OK)


def test_sess1_token_is_tied_to_its_cookie(mizan: MizanClient) -> None:
    """SESS-1: a token from another client's session fails with this client's cookie."""
    mizan.session()
    other = MizanClient(Client(enforce_csrf_checks=True))
    response = mizan.post(ECHO, HTTP_X_CSRFTOKEN=other.token)
    assert_json(response, 403, CSRF_FAILED)


def test_sess1_get_session_needs_no_csrf_and_no_login(mizan: MizanClient) -> None:
    """SESS-1/AUTH-6: `/session/` is a GET: no token, no user needed."""
    assert Client(enforce_csrf_checks=True).get(SESSION).status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_ep3_session_wrong_method_is_405(mizan: MizanClient, method: str) -> None:
    """EP-3: POST (and others) on `/session/` → 405 `Allow: GET`, even without a token."""
    assert_method_not_allowed(getattr(mizan.django, method)(SESSION), "GET")


# --- AUTH-6: CSRF on POST /call/ ---------------------------------------------------------


def test_auth6_missing_token_is_403_envelope(mizan: MizanClient) -> None:
    """AUTH-6/GAP-77: a missing token → 403 JSON envelope, not Django's HTML page."""
    mizan.session()
    assert_json(mizan.post(ECHO, csrf=False), 403, CSRF_FAILED)


def test_auth6_missing_cookie_is_403(mizan: MizanClient) -> None:
    """AUTH-6: a token without the cookie → 403."""
    token = mizan.token
    fresh = Client(enforce_csrf_checks=True)
    response = fresh.post(CALL, ECHO, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert_json(response, 403, CSRF_FAILED)


@pytest.mark.parametrize("bad", ["x", "0" * 64, "a" * 32, ""])
def test_auth6_bad_token_is_403(mizan: MizanClient, bad: str) -> None:
    """AUTH-6: a malformed or wrong token → 403."""
    mizan.session()
    assert_json(mizan.post(ECHO, csrf=False, HTTP_X_CSRFTOKEN=bad), 403, CSRF_FAILED)


def test_auth6_token_in_json_body_does_not_count(mizan: MizanClient) -> None:
    """AUTH-6/SESS-2: the token travels in `X-CSRFToken`; a `csrfmiddlewaretoken` key inside
    the JSON body does not satisfy the check."""
    mizan.session()
    body = json.dumps({"fn": "echo", "args": {"text": "hi"}, "csrfmiddlewaretoken": mizan.token})
    assert_json(mizan.post(body, csrf=False), 403, CSRF_FAILED)


def test_auth6_foreign_origin_is_403(mizan: MizanClient) -> None:
    """AUTH-6: Django's Origin check applies too (a valid token from a foreign origin fails)."""
    response = mizan.post(ECHO, HTTP_ORIGIN="http://evil.example")
    assert_json(response, 403, CSRF_FAILED)


def test_auth6_same_origin_passes(mizan: MizanClient) -> None:
    """AUTH-6: a same-origin request with a valid token passes."""
    assert_json(mizan.post(ECHO, HTTP_ORIGIN="http://testserver"), 200, ECHO_OK)


@pytest.mark.django_db
def test_auth6_session_user_needs_csrf(login: Callable[..., MizanClient]) -> None:
    """AUTH-6: a session-authenticated POST without the token → 403; with it → 200."""
    alice = login("alice")
    alice.session()
    assert_json(alice.post(b'{"fn":"whoami"}', csrf=False), 403, CSRF_FAILED)
    assert_json(alice.post(b'{"fn":"whoami"}', csrf=False, HTTP_X_CSRFTOKEN="wrong"), 403, CSRF_FAILED)
    assert_json(alice.post(b'{"fn":"whoami"}'), 200, b'{"result":{"username":"alice"}}')


def test_auth6_csrf_failure_beats_auth(mizan: MizanClient) -> None:
    """RPC-2 step 2 before 7: anonymous without a token calling an auth function → 403 CSRF."""
    mizan.session()
    assert_error(mizan.post(b'{"fn":"whoami"}', csrf=False), 403, "FORBIDDEN", "CSRF verification failed")


@pytest.mark.django_db
def test_auth6_get_endpoints_never_check_csrf(login: Callable[..., MizanClient]) -> None:
    """AUTH-6: GET `/session/` and `/ctx/` work for a session user with no token at all."""
    alice = login("alice")
    assert alice.session().status_code == 200
    assert alice.ctx("global").status_code == 200


@pytest.mark.django_db
def test_sess1_session_user_token_works(login: Callable[..., MizanClient]) -> None:
    """SESS-1: after login, the token `/session/` returns passes CSRF for that session."""
    alice = login("alice")
    response = alice.django.post(
        CALL, b'{"fn":"whoami"}', content_type="application/json", HTTP_X_CSRFTOKEN=_token(alice.session())
    )
    assert_json(response, 200, b'{"result":{"username":"alice"}}')


NO_CSRF_MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "django.middleware.csrf.CsrfViewMiddleware"]


@override_settings(MIDDLEWARE=NO_CSRF_MIDDLEWARE)
def test_auth6_csrf_enforced_without_csrf_middleware(mizan: MizanClient) -> None:
    """AUTH-6: the adapter runs the CSRF check itself, so removing CsrfViewMiddleware does
    not open `/call/`."""
    mizan.session()
    assert_json(mizan.post(ECHO, csrf=False), 403, CSRF_FAILED)
    assert_json(mizan.post(ECHO), 200, ECHO_OK)


@override_settings(MIDDLEWARE=NO_CSRF_MIDDLEWARE)
def test_sess1_cookie_set_without_csrf_middleware(mizan: MizanClient) -> None:
    """SESS-1: `/session/` sets the `csrftoken` cookie even without CsrfViewMiddleware."""
    response = mizan.session()
    assert response.status_code == 200
    assert response.cookies["csrftoken"].value


@pytest.mark.django_db
@override_settings(CSRF_USE_SESSIONS=True)
def test_sess1_csrf_in_session_storage(mizan: MizanClient) -> None:
    """SESS-1/AUTH-6 with CSRF_USE_SESSIONS: the token is kept in the session; the one
    `/session/` returns passes, a missing one fails."""
    token = _token(mizan.session())
    assert token
    assert_json(mizan.post(ECHO, csrf=False), 403, CSRF_FAILED)
    assert_json(mizan.post(ECHO, HTTP_X_CSRFTOKEN=token), 200, ECHO_OK)


@override_settings(CSRF_COOKIE_NAME="xsrf")
def test_sess2_custom_cookie_name(mizan: MizanClient) -> None:
    """SESS-2: the cookie name follows Django's CSRF_COOKIE_NAME (the kernel's is configurable)."""
    response = mizan.session()
    assert response.cookies["xsrf"].value
    assert "csrftoken" not in response.cookies
    assert_json(mizan.post(ECHO, HTTP_X_CSRFTOKEN=_token(response)), 200, ECHO_OK)


@pytest.mark.parametrize("middleware", ["with", "without"])
def test_gap64_session_adds_no_vary(mizan: MizanClient, middleware: str) -> None:
    """GAP-64: Mizan emits no `Vary`; setting the CSRF cookie must not add one."""
    installed = list(settings.MIDDLEWARE)
    if middleware == "without":
        installed.remove("django.middleware.csrf.CsrfViewMiddleware")
    with override_settings(MIDDLEWARE=installed):
        response = Client().get("/api/mizan/session/")
    assert response.status_code == 200
    assert "Vary" not in response
    assert "csrftoken" in response.cookies
