"""A bearer JWT lives exactly as long as Django accepts its session's user (JWT-1, JWT-3;
issue 15): deleted, deactivated, password changed, logged out or auth backend removed ends
the access token on `/call/` and `/ctx/` and the refresh token, while the MWT stays
stateless until it expires (MWT-5)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client, override_settings

from tests.django.conftest import MizanClient, assert_error, assert_json, assert_result, canonical
from tests.django.project.testapp import clients as testapp

JWT_SECRET = "jwt-secret-for-the-session-user-tests-0123"
MWT_SECRET = "mwt-secret-for-the-session-user-tests-0123"
JWT_401 = ("UNAUTHORIZED", "Invalid or expired JWT token")
FN = "identity_secure"
ALLOW_ALL = "django.contrib.auth.backends.AllowAllUsersModelBackend"


@pytest.fixture(autouse=True)
def _token_settings(settings: Any) -> None:
    settings.MIZAN_JWT_SECRET = JWT_SECRET
    settings.MIZAN_MWT_SECRET = MWT_SECRET


class Bearer:
    """A signed-in browser, the pair it obtained, and a token-only client using the pair."""

    def __init__(self, browser: MizanClient, user: Any) -> None:
        self.browser = browser
        self.user = user
        response = browser.call("jwt_obtain")
        assert response.status_code == 200
        self.pair: dict[str, Any] = json.loads(response.content)["result"]

    def identity(self) -> dict[str, Any]:
        return {"kind": "JWTUser", "pk": self.user.pk, "staff": False, "superuser": False}

    def call(self) -> Any:
        """`POST /call/` with the access token and nothing else (no cookie, no CSRF)."""
        return Client(enforce_csrf_checks=True).post(
            "/api/mizan/call/",
            json.dumps({"fn": FN}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.pair['access_token']}",
        )

    def ctx(self) -> Any:
        return Client().get("/api/mizan/ctx/identity/", HTTP_AUTHORIZATION=f"Bearer {self.pair['access_token']}")

    def refresh(self) -> Any:
        """`jwt_refresh` from a fresh anonymous client (CSRF token from `/session/`)."""
        return MizanClient(Client(enforce_csrf_checks=True)).call(
            "jwt_refresh", {"refresh_token": self.pair["refresh_token"]}
        )

    def assert_accepted(self) -> None:
        assert_result(self.call(), self.identity())
        assert_json(self.ctx(), 200, canonical({"identity_ctx": self.identity()}))
        response = self.refresh()
        assert response.status_code == 200, response.content
        fresh = json.loads(response.content)["result"]
        assert sorted(fresh) == ["access_token", "expires_in", "refresh_token"]

    def assert_refused(self) -> None:
        testapp.CALLS.clear()
        assert_error(self.call(), 401, *JWT_401)
        assert_error(self.ctx(), 401, *JWT_401)
        assert_error(self.refresh(), 401, *JWT_401)
        assert testapp.CALLS[FN] == testapp.CALLS["identity_ctx"] == 0


@pytest.fixture
def bearer(django_user_model: Any, db: None) -> Callable[..., Bearer]:
    """`bearer(backend=None)`: a fresh user signed in (through `backend`) with a pair."""

    def make(backend: str | None = None) -> Bearer:
        user = django_user_model.objects.create_user(username=f"u{django_user_model.objects.count()}", password="pw")
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(user, backend=backend)
        return Bearer(MizanClient(browser), user)

    return make


def _delete(bearer: Bearer) -> None:
    bearer.user.delete()


def _deactivate(bearer: Bearer) -> None:
    bearer.user.is_active = False
    bearer.user.save()


def _change_password(bearer: Bearer) -> None:
    bearer.user.set_password("a new password")
    bearer.user.save()


def _log_out(bearer: Bearer) -> None:
    bearer.browser.django.logout()


@pytest.mark.parametrize(
    "end",
    [
        pytest.param(_delete, id="user-deleted"),
        pytest.param(_deactivate, id="user-deactivated"),
        pytest.param(_change_password, id="password-changed"),
        pytest.param(_log_out, id="logged-out"),
    ],
)
@pytest.mark.capability("Session-bound JWT", "django")
def test_jwt1_tokens_end_when_django_would_end_the_session(bearer: Callable[..., Bearer], end: Any) -> None:
    """JWT-1/issue 15: what ends the session's user for Django ends the access token (on
    `/call/` and `/ctx/`) and the refresh token, each with the JWT 401 envelope."""
    pair = bearer()
    pair.assert_accepted()
    end(pair)
    pair.assert_refused()


@pytest.mark.capability("Session-bound JWT", "django")
def test_jwt1_tokens_end_when_the_sessions_backend_is_removed(bearer: Callable[..., Bearer], settings: Any) -> None:
    """Django's `get_user` trusts a session only while its backend is configured; so do
    the tokens bound to it."""
    pair = bearer()
    settings.AUTHENTICATION_BACKENDS = [ALLOW_ALL]
    pair.assert_refused()


@override_settings(AUTHENTICATION_BACKENDS=[ALLOW_ALL])
@pytest.mark.capability("Session-bound JWT", "django")
def test_jwt1_the_backend_decides_about_inactive_users(bearer: Callable[..., Bearer]) -> None:
    """The check is Django's, not a hard-coded `is_active`: a backend that lets inactive
    users sign in keeps their session, and their tokens, working."""
    pair = bearer(ALLOW_ALL)
    _deactivate(pair)
    pair.assert_accepted()


@pytest.mark.capability("Session-bound JWT", "django")
def test_jwt1_a_still_valid_user_keeps_working(bearer: Callable[..., Bearer], django_user_model: Any) -> None:
    """Edits that leave the session valid (name, e-mail, another user's password) leave
    the tokens valid, and refreshing keeps working."""
    pair, other = bearer(), bearer()
    pair.user.first_name = "Alice"
    pair.user.email = "alice@example.com"
    pair.user.save()
    _change_password(other)
    pair.assert_accepted()
    other.assert_refused()


@pytest.mark.capability("Session-bound JWT", "django")
def test_jwt1_a_refreshed_pair_ends_with_the_session_too(bearer: Callable[..., Bearer]) -> None:
    """The pair `jwt_refresh` returns is bound to the same session, so it ends with it."""
    pair = bearer()
    pair.pair = json.loads(pair.refresh().content)["result"]
    pair.assert_accepted()
    _deactivate(pair)
    pair.assert_refused()


@pytest.mark.capability("Session-bound JWT", "django")
def test_jwt1_the_check_never_writes_the_session(bearer: Callable[..., Bearer], settings: Any) -> None:
    """Where Django would flush a session whose auth hash no longer verifies, or cycle the
    key of one verified by a SECRET_KEY_FALLBACKS entry, the bearer check only decides: the
    stored session is left for its browser's next request."""
    pair = bearer()
    session_key = pair.browser.django.session.session_key
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-rotated-django-secret-key-0123456789abcdef"
    assert_result(pair.call(), pair.identity())
    settings.SECRET_KEY_FALLBACKS = []
    assert_error(pair.call(), 401, *JWT_401)
    assert Session.objects.filter(session_key=session_key).exists()


@pytest.mark.capability("Session-bound JWT", "django")
def test_jwt1_a_bearer_request_reads_the_session_and_the_user(
    bearer: Callable[..., Bearer], django_assert_num_queries: Any
) -> None:
    """The cost of the check (README decision): one session read and one user read per
    bearer request, nothing else for a function that queries nothing."""
    pair = bearer()
    with django_assert_num_queries(2) as context:
        assert pair.call().status_code == 200
    tables = [query["sql"].split(" FROM ", 1)[1].split()[0] for query in context.captured_queries]
    assert tables == ['"django_session"', '"auth_user"']


def test_mwt5_an_mwt_stays_valid_until_it_expires(bearer: Callable[..., Bearer]) -> None:
    """The contrast (README): an MWT is stateless, so a deactivated user's MWT keeps
    working until MIZAN_MWT_TTL ends it, while the bearer JWT is refused at once."""
    pair = bearer()
    token = json.loads(pair.browser.call("mwt_obtain").content)["result"]["token"]
    _deactivate(pair)
    pair.assert_refused()
    response = Client().get("/api/mizan/ctx/identity/", HTTP_X_MIZAN_TOKEN=token)
    expected = {"identity_ctx": {"kind": "MWTUser", "pk": pair.user.pk, "staff": False, "superuser": False}}
    assert_json(response, 200, canonical(expected))
