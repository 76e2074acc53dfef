"""`csrf_check` (C) against Django's own `CsrfViewMiddleware` (its twin, issue 20): over a
generated matrix of settings x requests, every verdict the C path gives is Django's.

An ACCEPT must be Django's accept with the same cookie secret in META["CSRF_COOKIE"]; a
REJECT must carry Django's reason; a DEFER hands the request to Django (allowed anywhere,
counted: the common requests must not defer). Runs under ASan with the rest of tests/property.
"""

from __future__ import annotations

import itertools
import random
from types import ModuleType
from typing import Any

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, _mask_cipher_secret
from django.test import RequestFactory, override_settings

ACCEPT, REJECT, DEFER = 0, 1, 2
SECRET = "AbCdEfGhIjKlMnOpQrStUvWxYz012345"
OTHER = "ZyXwVuTsRqPoNmLkJiHgFeDcBa987654"
CASES = 4000

SETTINGS: dict[str, list[Any]] = {
    "ALLOWED_HOSTS": [["testserver"], [".example.com", "testserver"], ["*"], [], ["EXAMPLE.com"]],
    "DEBUG": [False, True],
    "CSRF_TRUSTED_ORIGINS": [
        [],
        ["https://trusted.example"],
        ["https://*.example.com", "http://*.example.org:8000", "https://exact.example.net"],
    ],
    "SECURE_PROXY_SSL_HEADER": [None, ("HTTP_X_FORWARDED_PROTO", "https")],
    "CSRF_USE_SESSIONS": [False, False, False, True],
    "CSRF_COOKIE_NAME": ["csrftoken", "othercookie"],
    "CSRF_HEADER_NAME": ["HTTP_X_CSRFTOKEN", "HTTP_X_XSRF_TOKEN"],
    "CSRF_COOKIE_DOMAIN": [None, None, ".example.com", ""],
    "USE_X_FORWARDED_HOST": [False, True],
    "USE_X_FORWARDED_PORT": [False, True],
}

HOSTS = [
    "testserver",
    "www.example.com",
    "example.com:8000",
    "EVIL.com",
    "localhost",
    "[::1]",
    "[::1]:8000",
    "bad host",
    "ex\u00e4mple.com",
    "example.com.",
    None,  # SERVER_NAME and SERVER_PORT only
]
ORIGINS = [
    None,
    "SAME",
    "null",
    "http://evil.com",
    "https://trusted.example",
    "https://a.example.com",
    "https://example.com",
    "http://a.example.org:8000",
    "HTTPS://a.example.com",
    "https://[bad",
    "https://exact.example.net",
    "https://caf\u00e9.example.com",
]
REFERERS = [
    None,
    "SAME",
    "http://testserver/page",
    "https://evil.com/x?y#z",
    "https://a.example.com/p?#",
    "https://trusted.example/",
    "nothing",
    "//testserver/",
    "https://www.example.com:8000/a",
    "https://example.com:8000/a",
    "HTTPS://testserver/",
    "https://t\u00e9st/",
]
COOKIES = [None, SECRET, "MASKED", "short", "!" * 32, "\u00e9" * 32, OTHER, "\u00e9" * 31]
TOKENS = [None, "MASKED", SECRET, OTHER, "", "x" * 63, "?" * 64, "MASKED_OTHER", "\u00e9" * 32]


def django_verdict(request: HttpRequest) -> tuple[int, str | None]:
    """What Django's middleware decides, through a fresh instance (fresh cached origins)."""

    class Recorder(CsrfViewMiddleware):
        reason: str | None = None

        def _reject(self, request: HttpRequest, reason: str) -> HttpResponse:
            self.reason = reason
            return HttpResponse(status=403)

    middleware = Recorder(lambda request: HttpResponse())
    if "CSRF_COOKIE" not in request.META:
        middleware.process_request(request)
    if middleware.process_view(request, None, (), {}) is None:
        return ACCEPT, request.META.get("CSRF_COOKIE")
    return REJECT, middleware.reason


def build(rng: random.Random, factory: RequestFactory) -> tuple[HttpRequest, str]:
    """One request of the matrix, and its description for a failure message."""
    host, origin, referer = rng.choice(HOSTS), rng.choice(ORIGINS), rng.choice(REFERERS)
    cookie, token = rng.choice(COOKIES), rng.choice(TOKENS)
    if rng.random() < 0.4:  # what a browser sends: its own origin, the cookie, the masked token
        host, origin, referer = rng.choice(["testserver", "www.example.com"]), rng.choice([None, "SAME"]), "SAME"
        cookie, token = SECRET, "MASKED"
    secure, proxy = rng.random() < 0.5, rng.choice([None, "https", "http", "https, http", " https "])
    method = rng.choice(["POST", "POST", "PUT", "DELETE", "PATCH"])
    form = method == "POST" and rng.random() < 0.1
    extra: dict[str, Any] = {}
    scheme = "https" if secure else "http"
    if host is not None:
        extra["HTTP_HOST"] = host
        if rng.random() < 0.2:
            extra["HTTP_X_FORWARDED_HOST"] = rng.choice(["www.example.com", "evil.com"])
    if rng.random() < 0.2:
        extra["HTTP_X_FORWARDED_PORT"] = rng.choice(["443", "8000"])
    if origin is not None:
        extra["HTTP_ORIGIN"] = f"{scheme}://{host or 'testserver'}" if origin == "SAME" else origin
    if referer is not None:
        extra["HTTP_REFERER"] = f"https://{host or 'testserver'}/p" if referer == "SAME" else referer
    if proxy is not None:
        extra["HTTP_X_FORWARDED_PROTO"] = proxy
    if token is not None:
        value = {"MASKED": _mask_cipher_secret(SECRET), "MASKED_OTHER": _mask_cipher_secret(OTHER)}.get(token, token)
        extra[settings.CSRF_HEADER_NAME] = value
    if form:
        request = factory.generic(
            method, "/call/", b"csrfmiddlewaretoken=x", "application/x-www-form-urlencoded", secure=secure, **extra
        )
    else:
        request = factory.generic(method, "/call/", b"{}", "application/json", secure=secure, **extra)
    if rng.random() < 0.1:
        request.META["SERVER_PORT"] = "8000"
    if cookie is not None:
        request.COOKIES[settings.CSRF_COOKIE_NAME] = _mask_cipher_secret(SECRET) if cookie == "MASKED" else cookie
    if settings.CSRF_USE_SESSIONS:
        request.session = {"_csrftoken": SECRET}  # type: ignore[assignment]
    if rng.random() < 0.02:
        request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
    return request, f"{method} secure={secure} form={form} {extra!r} cookie={cookie!r}"


def fresh_middleware() -> CsrfViewMiddleware:
    return CsrfViewMiddleware(lambda request: HttpResponse())


def test_csrf_check_is_djangos_decision(backend: ModuleType) -> None:
    rng, factory = random.Random(20), RequestFactory()
    combos = list(itertools.product(*SETTINGS.values()))
    seen = {ACCEPT: 0, REJECT: 0, DEFER: 0}
    for case in range(CASES):
        chosen = dict(zip(SETTINGS, rng.choice(combos), strict=True))
        with override_settings(**chosen):
            request, description = build(rng, factory)
            verdict, payload = backend.csrf_check(fresh_middleware(), settings, request)
            expected = django_verdict(request)
            seen[verdict] += 1
            if verdict == DEFER:
                assert payload is None
                continue
            assert (verdict, payload) == expected, f"case {case}: {chosen} {description}"
    if backend.__name__ == "mizan._speedups":
        # The matrix reaches every verdict; the C path decides most requests itself.
        assert seen[ACCEPT] > CASES // 10 and seen[REJECT] > CASES // 4 and seen[DEFER] < CASES // 2, seen
    else:
        assert seen == {ACCEPT: 0, REJECT: 0, DEFER: CASES}


@pytest.mark.parametrize(
    ("origin", "secure", "extra"),
    [
        (None, False, {}),
        ("http://testserver", False, {}),
        ("https://testserver", True, {}),
        (None, True, {"HTTP_REFERER": "https://testserver/page"}),
    ],
)
@pytest.mark.parametrize("token", [SECRET, "MASKED"])
def test_the_common_requests_are_decided_in_c(
    c_ext: ModuleType, origin: str | None, secure: bool, extra: dict[str, str], token: str
) -> None:
    """The hot requests (cookie secret + header token, same-origin or no Origin) never defer."""
    value = _mask_cipher_secret(SECRET) if token == "MASKED" else token
    headers = {**extra, "HTTP_X_CSRFTOKEN": value, **({"HTTP_ORIGIN": origin} if origin else {})}
    request = RequestFactory().post("/call/", b"{}", "application/json", secure=secure, **headers)
    request.COOKIES["csrftoken"] = SECRET
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        assert c_ext.csrf_check(fresh_middleware(), settings, request) == (ACCEPT, SECRET)
        assert django_verdict(request) == (ACCEPT, SECRET)


def test_settings_are_read_where_django_reads_them(c_ext: ModuleType) -> None:
    """csrf_check reads django.conf.settings without its Python __getattribute__ (its cache,
    then the wrapped settings): the same verdicts as the wrapped object given directly, and
    a setting changed by override_settings after a first read (so cached) is the one used."""

    def request() -> HttpRequest:
        new = RequestFactory().post("/call/", b"{}", "application/json", HTTP_X_CSRFTOKEN=SECRET)
        new.COOKIES["csrftoken"] = SECRET
        return new

    assert settings.CSRF_HEADER_NAME == "HTTP_X_CSRFTOKEN"  # read once: now in LazySettings' cache
    assert c_ext.csrf_check(fresh_middleware(), settings, request()) == (ACCEPT, SECRET)
    assert c_ext.csrf_check(fresh_middleware(), settings._wrapped, request()) == (ACCEPT, SECRET)
    with override_settings(CSRF_HEADER_NAME="HTTP_X_OTHER"):
        verdict = c_ext.csrf_check(fresh_middleware(), settings, request())
        assert verdict == (REJECT, "CSRF token missing.") == django_verdict(request())
    with override_settings(CSRF_COOKIE_NAME="other"):
        verdict = c_ext.csrf_check(fresh_middleware(), settings, request())
        assert verdict == (REJECT, "CSRF cookie not set.") == django_verdict(request())
    assert c_ext.csrf_check(fresh_middleware(), settings, request()) == (ACCEPT, SECRET)
