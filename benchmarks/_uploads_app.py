"""The Django side of benchmarks.uploads: an upload and a form, served by Mizan's `/call/`
and by the plain Django views a user would write instead.

- `upload_size(file: Upload)`: Mizan's multipart `/call/`; `plain_upload` reads
  `request.FILES["file"]` the same way (`chunks()`, 64 KB pieces) and answers the same
  `{"result": <bytes>}`;
- `ContactForm` (six typical fields) registered with `register_form` as `contact.*`;
  `plain_validate` builds the form from the parsed JSON body and answers `form.errors` in
  the shape of `contact.validate`, so both answer the same decoded JSON.

Both plain views are CSRF-protected by `CsrfViewMiddleware` (Django's default middleware)
and Mizan's `/call/` runs Django's own check: every request carries the `csrftoken` cookie
and the masked 64-character token a browser sends in `X-CSRFToken` (`benchmarks._call_workload.csrf_headers()`).
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, path

from benchmarks import _django_project as project
from mizan import Upload, client

URLS = {"mizan": "/api/mizan/call/", "plain_upload": "/plain/upload/", "plain_validate": "/plain/validate/"}
# Above the 10 MiB default of MIZAN_MAX_UPLOAD_BYTES, so a 10 MiB file is accepted with room.
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
BOUNDARY = "4f1c2b7e9d0a83652e7f1b9c4d6a0e35"
TOPICS = [("help", "Help"), ("sales", "Sales"), ("press", "Press")]
VALID_DATA: dict[str, Any] = {
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "age": 36,
    "topic": "help",
    "subscribe": True,
    "visit_date": "2024-05-01",
}
# Every field but the checkbox in error, each for its own reason.
INVALID_DATA: dict[str, Any] = {
    "name": "A" * 150,
    "email": "not-an-address",
    "age": 7,
    "topic": "gossip",
    "subscribe": True,
    "visit_date": "yesterday",
}


class ContactForm(forms.Form):
    """A typical contact form: length, email, range, choice, checkbox and date checks."""

    name = forms.CharField(max_length=100)
    email = forms.EmailField()
    age = forms.IntegerField(min_value=13, max_value=120)
    topic = forms.ChoiceField(choices=TOPICS)
    subscribe = forms.BooleanField(required=False)
    visit_date = forms.DateField()


@client
def upload_size(request: HttpRequest, file: Upload) -> int:
    """Read the upload in chunks, as code handling a large file does; its size."""
    size = 0
    for chunk in file.chunks():
        size += len(chunk)
    return size


def plain_upload(request: HttpRequest) -> HttpResponse:
    """The same work on `request.FILES`, Django's own way."""
    upload = request.FILES.get("file") if request.method == "POST" else None
    if upload is None:
        return JsonResponse({"error": {"code": "BAD_REQUEST"}}, status=400)
    size = 0
    for chunk in upload.chunks():
        size += len(chunk)
    return JsonResponse({"result": size})


def plain_validate(request: HttpRequest) -> HttpResponse:
    """`contact.validate` written by hand: the form bound to the JSON body's data."""
    try:
        data = json.loads(request.body)["args"]["data"]
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": {"code": "BAD_REQUEST"}}, status=400)
    form = ContactForm(data=data)
    valid = form.is_valid()
    errors = {name: list(messages) for name, messages in form.errors.items() if name != "__all__"}
    answer = {"valid": valid, "errors": errors, "non_field_errors": list(form.non_field_errors())}
    return JsonResponse({"result": answer})


def multipart_body(size: int) -> tuple[bytes, str]:
    """The body and `Content-Type` httpx sends for `upload_size` with a `size`-byte file:
    the `fn` and `args` text parts, then the file part."""
    import httpx

    content = bytes(range(256)) * (size // 256) + bytes(size % 256)
    parts: list[tuple[str, Any]] = [
        ("fn", (None, b"upload_size")),
        ("args", (None, b"{}")),
        ("file", ("data.bin", content, "application/octet-stream")),
    ]
    # httpx draws a random boundary per request; a fixed one of the same form (32 hex digits)
    # keeps the parser's boundary searches, and so the instruction counts, the same each run.
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    request = httpx.Request("POST", "http://localhost/", files=parts, headers=headers)
    return request.read(), request.headers["content-type"]


def validate_body(data: dict[str, Any]) -> bytes:
    return json.dumps({"fn": "contact.validate", "args": {"data": data}}, separators=(",", ":")).encode()


def configure() -> None:
    """Django with the default middleware and this module's URLs; `upload_size` and the
    `contact.*` form functions registered."""
    import django
    from django.conf import settings

    from mizan.core.discovery import mizan_module
    from mizan.forms import register_form

    base = project.settings_for(competitors=False)
    settings.configure(**{**base, "ROOT_URLCONF": __name__, "MIZAN_MAX_UPLOAD_BYTES": MAX_UPLOAD_BYTES})
    django.setup()
    mizan_module(__name__)
    register_form(ContactForm, "contact")


def __getattr__(name: str) -> Any:
    """`urlpatterns`, built when Django first reads it (`mount` imports Mizan's views,
    which need the settings configured)."""
    if name == "urlpatterns":
        from mizan.urls import mount

        patterns: list[URLPattern | URLResolver] = [
            path("plain/upload/", plain_upload),
            path("plain/validate/", plain_validate),
            mount("api/mizan/"),
        ]
        globals()["urlpatterns"] = patterns
        return patterns
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
