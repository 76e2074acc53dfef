"""AUTH-6 through the test Client with enforce_csrf_checks=True: the requests the C path
decides (issue 20: HTTPS with Origin or Referer, SECURE_PROXY_SSL_HEADER, masked and
unmasked tokens, a pre-4.0 masked cookie) and the ones it hands to Django (form POSTs,
CSRF_USE_SESSIONS) answer as Django's CsrfViewMiddleware decides, on both backends."""

from __future__ import annotations

import logging

import pytest
from django.middleware.csrf import _mask_cipher_secret
from django.test import Client, override_settings

from tests.django.conftest import CALL, assert_json

CSRF_FAILED = b'{"error":{"code":"FORBIDDEN","message":"CSRF verification failed"}}'
ECHO = b'{"fn":"echo","args":{"text":"hi"}}'
ECHO_OK = b'{"result":{"message":"echo: hi"}}'
SECRET = "AbCdEfGhIjKlMnOpQrStUvWxYz012345"


def post(cookie: str | None = SECRET, **extra: object) -> object:
    client = Client(enforce_csrf_checks=True)
    if cookie is not None:
        client.cookies["csrftoken"] = cookie
    return client.post(CALL, ECHO, content_type="application/json", **extra)


@pytest.mark.parametrize("token", [SECRET, "masked"])
@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"HTTP_ORIGIN": "http://testserver"},
        {"secure": True, "HTTP_ORIGIN": "https://testserver"},
        {"secure": True, "HTTP_REFERER": "https://testserver/page"},
    ],
    ids=["http", "http-origin", "https-origin", "https-referer"],
)
def test_browser_requests_pass(token: str, extra: dict[str, object]) -> None:
    value = _mask_cipher_secret(SECRET) if token == "masked" else token
    assert_json(post(HTTP_X_CSRFTOKEN=value, **extra), 200, ECHO_OK)


def test_a_pre_40_masked_cookie_passes() -> None:
    """Django before 4.0 stored the masked form in the cookie; it still unmasks it."""
    cookie = _mask_cipher_secret(SECRET)
    assert_json(post(cookie=cookie, HTTP_X_CSRFTOKEN=_mask_cipher_secret(SECRET)), 200, ECHO_OK)


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"secure": True}, "Referer checking failed - no Referer."),
        ({"secure": True, "HTTP_REFERER": "http://testserver/"}, "Referer is insecure while host is secure."),
        ({"secure": True, "HTTP_REFERER": "https://evil.example/x"}, "https://evil.example/x does not match"),
        ({"secure": True, "HTTP_ORIGIN": "http://testserver"}, "Origin checking failed - http://testserver"),
        ({"HTTP_X_CSRFTOKEN": "a" * 63}, "'X-Csrftoken' HTTP header has incorrect length."),
        ({"HTTP_X_CSRFTOKEN": "!" * 64}, "'X-Csrftoken' HTTP header has invalid characters."),
        ({"HTTP_X_CSRFTOKEN": "Z" * 64}, "'X-Csrftoken' HTTP header incorrect."),
    ],
)
def test_refusals_are_djangos(extra: dict[str, object], reason: str, caplog: pytest.LogCaptureFixture) -> None:
    """A refusal is the 403 envelope, and Django logs its own reason for it."""
    extra = {"HTTP_X_CSRFTOKEN": _mask_cipher_secret(SECRET), **extra}
    with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
        assert_json(post(**extra), 403, CSRF_FAILED)
    assert any(reason in record.getMessage() for record in caplog.records), caplog.records


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_a_proxy_header_makes_the_request_secure() -> None:
    token = _mask_cipher_secret(SECRET)
    assert_json(post(HTTP_X_CSRFTOKEN=token, HTTP_X_FORWARDED_PROTO="https"), 403, CSRF_FAILED)  # no Referer
    # Behind a proxy the Host header names the site (without it Django builds
    # testserver:80 from SERVER_NAME and SERVER_PORT, which this Referer does not match).
    referer = {"HTTP_REFERER": "https://testserver/", "HTTP_HOST": "testserver"}
    assert_json(post(HTTP_X_CSRFTOKEN=token, HTTP_X_FORWARDED_PROTO="https", **referer), 200, ECHO_OK)


@override_settings(CSRF_TRUSTED_ORIGINS=["https://*.front.example"])
def test_a_trusted_wildcard_origin_passes() -> None:
    token = _mask_cipher_secret(SECRET)
    ok = post(HTTP_X_CSRFTOKEN=token, secure=True, HTTP_ORIGIN="https://app.front.example")
    assert_json(ok, 200, ECHO_OK)
    other = post(HTTP_X_CSRFTOKEN=token, secure=True, HTTP_ORIGIN="https://app.evil.example")
    assert_json(other, 403, CSRF_FAILED)


def test_the_accepted_secret_is_the_one_get_token_masks() -> None:
    """After an accepted call the response carries no new cookie: the request's secret was
    kept (process_request's META["CSRF_COOKIE"]), so Django does not rotate it."""
    response = post(HTTP_X_CSRFTOKEN=_mask_cipher_secret(SECRET))
    assert_json(response, 200, ECHO_OK)
    assert "csrftoken" not in response.cookies  # type: ignore[attr-defined]
