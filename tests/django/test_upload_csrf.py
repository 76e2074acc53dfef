"""The upload form of `/call/` under Django's CSRF protection (UPL-6, AUTH-6), with the
token a browser sends: the 64-character masked `csrfToken` of `GET /session/`, in the
`X-CSRFToken` header or, from an HTML form, the `csrfmiddlewaretoken` field."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from mizan import Upload, client
from mizan.core import registry
from tests.django.conftest import CALL, MizanClient, assert_json

FORBIDDEN = b'{"error":{"code":"FORBIDDEN","message":"CSRF verification failed"}}'


@client
def csrf_upload(request: Any, file: Upload) -> str:
    return f"{file.filename}:{file.size}"


def form(**extra: Any) -> dict[str, Any]:
    return {"fn": "csrf_upload", "file": SimpleUploadedFile("a.txt", b"hello", "text/plain"), **extra}


def test_an_upload_without_a_token_is_403(mizan: MizanClient) -> None:
    registry.register(csrf_upload, "csrf_upload")
    assert mizan.token  # the cookie is set; the request does not carry the token
    assert_json(mizan.django.post(CALL, form()), 403, FORBIDDEN)


def test_an_upload_with_the_masked_token_in_the_header_runs(mizan: MizanClient) -> None:
    registry.register(csrf_upload, "csrf_upload")
    assert len(mizan.token) == 64
    assert_json(mizan.django.post(CALL, form(), HTTP_X_CSRFTOKEN=mizan.token), 200, b'{"result":"a.txt:5"}')


def test_an_html_form_field_token_is_read_by_the_check_and_then_ignored(mizan: MizanClient) -> None:
    """On Django only: `csrfmiddlewaretoken` is the one text part besides `fn` and `args`."""
    registry.register(csrf_upload, "csrf_upload")
    response = mizan.django.post(CALL, form(csrfmiddlewaretoken=mizan.token))
    assert_json(response, 200, b'{"result":"a.txt:5"}')
    wrong = mizan.django.post(CALL, form(csrfmiddlewaretoken="x" * 64))
    assert_json(wrong, 403, FORBIDDEN)
