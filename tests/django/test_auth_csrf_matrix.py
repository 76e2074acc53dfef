"""Identity × method × CSRF: who needs a CSRF token, and who the function sees (AUTH-4..6).

Identities: none, session, bearer JWT, MWT. Requests: `POST /call/`, `GET /ctx/`, and a
`route=` function on GET and POST. CSRF: a correct token, none, a wrong one. The Django
test client enforces CSRF exactly as CsrfViewMiddleware does in production.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from django.test import Client

from tests.django.conftest import CALL, JSON_TYPE, SESSION, assert_error

pytestmark = pytest.mark.capability("CSRF", "django")  # Django-specific by nature (AFI-14)

SECRET = "mwt-secret-for-the-csrf-matrix-0123456789"
JWT_SECRET = "jwt-secret-for-the-csrf-matrix-0123456789"
WRONG_CSRF = "W" * 64  # well-formed, never issued
IDENTITIES = ("none", "session", "jwt", "mwt")
REQUESTS = ("POST /call/", "GET /ctx/", "GET route", "POST route")
CSRF = ("present", "absent", "wrong")
KIND = {"none": "AnonymousUser", "session": "User", "jwt": "JWTUser", "mwt": "MWTUser"}


@pytest.fixture(autouse=True)
def _token_settings(settings: Any) -> None:
    settings.MIZAN_MWT_SECRET = SECRET
    settings.MIZAN_JWT_SECRET = JWT_SECRET


def expected_status(identity: str, request: str, csrf: str) -> int:
    """AUTH-6: only unsafe methods under a session (or no) identity check CSRF."""
    unsafe = request.startswith("POST")
    token_authenticated = identity in ("jwt", "mwt")
    return 403 if unsafe and not token_authenticated and csrf != "present" else 200


def browser(identity: str, django_user_model: Any) -> tuple[Client, dict[str, str], str]:
    """A client whose cookies hold a CSRF token (from `/session/`), the headers that carry
    its identity, and that token."""
    client = Client(enforce_csrf_checks=True)
    headers: dict[str, str] = {}
    if identity != "none":
        user = django_user_model.objects.create_user(username=f"u-{identity}", password="pw")
        issuer = Client(enforce_csrf_checks=True)
        issuer.force_login(user)
        issuer_csrf = json.loads(issuer.get(SESSION).content)["csrfToken"]
        if identity == "session":
            client = issuer
        else:
            fn = "mwt_obtain" if identity == "mwt" else "jwt_obtain"
            response = issuer.post(CALL, json.dumps({"fn": fn}), content_type=JSON_TYPE, HTTP_X_CSRFTOKEN=issuer_csrf)
            result = json.loads(response.content)["result"]
            if identity == "mwt":
                headers["HTTP_X_MIZAN_TOKEN"] = result["token"]
            else:
                headers["HTTP_AUTHORIZATION"] = f"Bearer {result['access_token']}"
    csrf_token = json.loads(client.get(SESSION).content)["csrfToken"]
    return client, headers, csrf_token


def send(client: Client, request: str, headers: dict[str, str]) -> Any:
    if request == "POST /call/":
        return client.post(CALL, json.dumps({"fn": "identity"}), content_type=JSON_TYPE, **headers)
    if request == "GET /ctx/":
        return client.get("/api/mizan/ctx/identity_public/", **headers)
    method = client.get if request == "GET route" else client.post
    return method("/tokens/identity/", **headers)


@pytest.mark.parametrize(("identity", "request_kind", "csrf"), list(itertools.product(IDENTITIES, REQUESTS, CSRF)))
def test_auth6_csrf_matrix(identity: str, request_kind: str, csrf: str, django_user_model: Any, db: None) -> None:
    """AUTH-4..6: 48 cells; a passing request runs as the expected identity."""
    client, headers, csrf_token = browser(identity, django_user_model)
    if csrf == "present":
        headers["HTTP_X_CSRFTOKEN"] = csrf_token
    elif csrf == "wrong":
        headers["HTTP_X_CSRFTOKEN"] = WRONG_CSRF
    response = send(client, request_kind, headers)
    status = expected_status(identity, request_kind, csrf)
    if status == 403:
        assert_error(response, 403, "FORBIDDEN", "CSRF verification failed")
        return
    assert response.status_code == 200
    body = json.loads(response.content)
    seen = body["identity_public"] if request_kind == "GET /ctx/" else body["result"]
    assert seen["kind"] == KIND[identity]


def test_auth6_matrix_covers_both_outcomes() -> None:
    """The matrix is not one-sided: CSRF failures and token exemptions both occur."""
    outcomes = {expected_status(*cell) for cell in itertools.product(IDENTITIES, REQUESTS, CSRF)}
    assert outcomes == {200, 403}


def test_auth6_jwt_refresh_is_a_session_path_post(db: None) -> None:
    """DECISION: `jwt_refresh` carries no token identity, so like any session-path POST it
    needs the CSRF token from `/session/` (the check precedes body parsing, RPC-2)."""
    response = Client(enforce_csrf_checks=True).post(
        CALL, json.dumps({"fn": "jwt_refresh", "args": {"refresh_token": "x"}}), content_type=JSON_TYPE
    )
    assert_error(response, 403, "FORBIDDEN", "CSRF verification failed")
