"""Upload behaviour only Django has (the shared behaviour is in tests/adapters/test_uploads.py):
the upload form of `/call/` under Django's CSRF protection (UPL-6, AUTH-6), with the token a
browser sends (the 64-character masked `csrfToken` of `GET /session/`, in the `X-CSRFToken`
header or, from an HTML form, the `csrfmiddlewaretoken` field), and a `Content-Length` that
lies, which FastAPI's in-process client cannot send (FastAPI's case runs against uvicorn in
afi/jobs/test_live_uploads.py)."""

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


def test_a_content_length_shorter_than_the_body_is_400(mizan: MizanClient) -> None:
    """The body is read as far as the header says, which cuts the closing delimiter off."""
    registry.register(csrf_upload, "csrf_upload")
    body = (
        b'--b\r\nContent-Disposition: form-data; name="fn"\r\n\r\ncsrf_upload\r\n'
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n' + b"x" * 2000 + b"\r\n--b--\r\n"
    )
    response = mizan.django.generic(
        "POST",
        CALL,
        body,
        content_type="multipart/form-data; boundary=b",
        CONTENT_LENGTH=str(len(body) - 40),
        HTTP_X_CSRFTOKEN=mizan.token,
    )
    assert_json(response, 400, b'{"error":{"code":"BAD_REQUEST","message":"Invalid request body"}}')
