"""The CSRF headers every Django benchmark sends are a browser's (issue 20, AUTH-6, SESS-1).

`benchmarks._call_workload.HEADERS` must carry what a page that called `get_token()` (or a
client of `GET /session/`) sends: the 32-character secret in the `csrftoken` cookie and the
64-character masked token in `X-CSRFToken`. The bare secret in the header is accepted too,
but skips Django's unmasking, so a benchmark sending it would count less than users pay.
"""

from __future__ import annotations

import json

from django.middleware.csrf import CSRF_SECRET_LENGTH, CSRF_TOKEN_LENGTH, _unmask_cipher_token
from django.test import Client

from benchmarks._call_workload import CSRF_TOKEN, HEADERS, csrf_headers, masked_csrf_token
from tests.django.conftest import CALL, MizanClient, assert_json

ECHO = b'{"fn":"echo","args":{"text":"hi"}}'
ECHO_OK = b'{"result":{"message":"echo: hi"}}'


def _post(client: Client, headers: dict[str, str]) -> object:
    client.cookies["csrftoken"] = headers["Cookie"].removeprefix("csrftoken=")
    return client.post(CALL, ECHO, content_type="application/json", HTTP_X_CSRFTOKEN=headers["X-CSRFToken"])


def test_benchmark_header_is_the_masked_token_a_browser_sends(mizan: MizanClient) -> None:
    """The header is 64 characters, not the cookie's secret, unmasks to it, and has the
    length of the token `/session/` hands out."""
    header, cookie = HEADERS["X-CSRFToken"], HEADERS["Cookie"]
    session_token = json.loads(mizan.session().content)["csrfToken"]
    assert cookie == f"csrftoken={CSRF_TOKEN}" and len(CSRF_TOKEN) == CSRF_SECRET_LENGTH
    assert len(header) == CSRF_TOKEN_LENGTH == len(session_token)
    assert header != CSRF_TOKEN
    assert _unmask_cipher_token(header) == CSRF_TOKEN
    assert csrf_headers() == {"Cookie": cookie, "X-CSRFToken": header}  # the same bytes every run


def test_benchmark_headers_pass_the_csrf_check_of_call() -> None:
    """Mizan's `/call/` (CSRF enforced) accepts the benchmark's cookie and masked header."""
    assert_json(_post(Client(enforce_csrf_checks=True), HEADERS), 200, ECHO_OK)  # type: ignore[arg-type]


def test_a_masked_token_of_another_secret_is_refused() -> None:
    """The control: the same form for a secret the cookie does not hold fails with 403,
    so the check above is Django's real comparison."""
    other = {"Cookie": f"csrftoken={CSRF_TOKEN}", "X-CSRFToken": masked_csrf_token("A" * CSRF_SECRET_LENGTH)}
    response = _post(Client(enforce_csrf_checks=True), other)
    assert response.status_code == 403  # type: ignore[attr-defined]
