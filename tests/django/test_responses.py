"""`mizan.responses.http_response`: the `HttpResponse` Django's constructor would build,
field for field, and Django's own header validation for every header that is not one of
the two constants (issue 20), checked here and through `/call/`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http import BadHeaderError, HttpResponse
from django.test import Client

from mizan import responses
from mizan.responses import http_response

CONSTANTS = {"Content-Type": "application/json", "Cache-Control": "no-store"}


def same(built: HttpResponse, expected: HttpResponse) -> None:
    """Same class, same fields in the same order, same headers, bytes on the wire."""
    assert type(built) is type(expected) is HttpResponse
    fields = lambda response: {  # noqa: E731 - cookies compare by their output
        key: (value.output() if key == "cookies" else value)
        for key, value in vars(response).items()
        if key != "headers"
    }
    assert list(vars(built)) == list(vars(expected))
    assert fields(built) == fields(expected)
    assert list(built.items()) == list(expected.items())
    assert built.headers._store == expected.headers._store
    assert built.serialize() == expected.serialize()


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"Allow": "POST"},
        {"X-Mizan-Invalidate": "user.profile, user.orders"},
        {"X-Mizan-Cache": "HIT", "X-Other": "caf\u00e9"},  # latin-1, kept as is
        {"X-Mizan-Invalidate": "\u2603"},  # not latin-1: MIME-encoded by Django
        {"cache-control": "private"},  # the constant replaced case-insensitively
    ],
)
@pytest.mark.parametrize("status", [200, 400, 404, 422, 500])
def test_the_response_django_would_build(status: int, extra: dict[str, str]) -> None:
    headers = {**CONSTANTS, **extra}
    body = b'{"result":1}'
    same(http_response(body, status, headers), HttpResponse(body, status=status, headers=headers))


@pytest.mark.parametrize(
    "headers",
    [
        {"Cache-Control": "no-store", "Content-Type": "application/json"},  # another order
        {"Content-Type": "text/html"},
        {},
    ],
)
def test_other_headers_take_djangos_constructor(headers: dict[str, str]) -> None:
    same(http_response(b"x", 200, headers), HttpResponse(b"x", status=200, headers=headers))


@pytest.mark.parametrize("value", ["a\nb", "a\rb"])
def test_a_bad_header_is_refused_as_django_refuses_it(value: str) -> None:
    headers = {**CONSTANTS, "X-Mizan-Invalidate": value}
    with pytest.raises(BadHeaderError):
        HttpResponse(b"", status=200, headers=headers)
    with pytest.raises(BadHeaderError):
        http_response(b"", 200, headers)


@pytest.mark.parametrize("status", [99, 600, "200"])
def test_a_status_django_refuses_or_converts_takes_its_constructor(status: Any) -> None:
    try:
        expected: HttpResponse | Exception = HttpResponse(b"", status=status, headers=CONSTANTS)
    except (TypeError, ValueError) as exc:
        expected = exc
    if isinstance(expected, Exception):
        with pytest.raises(type(expected)):
            http_response(b"", status, CONSTANTS)
    else:
        same(http_response(b"", status, CONSTANTS), expected)


def test_an_unknown_django_response_layout_takes_the_constructor(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Django whose HttpResponse holds other fields than FIELDS: every response is built
    by its constructor (here simulated by one field more)."""
    monkeypatch.setattr(responses, "FIELDS", responses.FIELDS | {"added_in_a_new_django"})
    monkeypatch.setattr(responses, "_store", None)
    assert responses._known() == {}
    same(http_response(b"x", 200, CONSTANTS), HttpResponse(b"x", status=200, headers=CONSTANTS))
    monkeypatch.setattr(responses, "_store", None)  # the next test checks again


def test_this_django_is_the_known_layout() -> None:
    """The fast path is the one taken on the supported Django (else this module is stale)."""
    monkeypatch_free = responses._known()
    assert monkeypatch_free == {
        "content-type": ("Content-Type", "application/json"),
        "cache-control": ("Cache-Control", "no-store"),
    }


@pytest.mark.django_db
def test_call_answers_through_it(client: Client) -> None:
    """`/call/` (an error envelope here: an unknown function) answers with the constant
    headers, in Django's order, and a body the client reads."""
    response = client.post("/api/mizan/call/", json.dumps({"fn": "nope", "args": {}}), content_type="application/json")
    assert response.status_code == 404
    assert list(response.items())[:2] == list(CONSTANTS.items())
    assert json.loads(response.content)["error"]["code"] == "NOT_FOUND"
