"""Django `HttpResponse`s for Mizan's answers, without redoing per response the work
Django's constructor does on constants.

`HttpResponse(body, status=..., headers=...)` costs about 34k instructions, half of it
validating and case-folding the same two headers every time (`Content-Type:
application/json`, `Cache-Control: no-store`). `http_response` builds the same object (a
plain `HttpResponse`, the same `__dict__`) from those headers validated once; any other
header still goes through Django's own `ResponseHeaders.__setitem__`. When the running
Django's `HttpResponse` holds other fields than the ones listed here (a version this
module does not know), or the headers do not start with the two constants, Django's
constructor builds every response.
"""

from __future__ import annotations

from collections.abc import Mapping
from http.cookies import SimpleCookie

from django.http import HttpResponse
from django.http.response import ResponseHeaders

from mizan.core.executor import JSON, NO_STORE

CONTENT_TYPE = ("Content-Type", JSON)
CACHE_CONTROL = ("Cache-Control", NO_STORE)

# What HttpResponse.__init__ leaves in an instance (Django 5.2) and in its ResponseHeaders.
FIELDS = frozenset(
    {
        "headers",
        "_charset",
        "_resource_closers",
        "_handler_class",
        "cookies",
        "closed",
        "status_code",
        "_reason_phrase",
        "_container",
    }
)
HEADER_FIELDS = frozenset({"_store"})

# The two constant headers as Django's ResponseHeaders stores them, once `_known()` has
# checked this Django against FIELDS (None: not checked yet; {}: unknown, use the constructor).
_store: dict[str, tuple[str, str]] | None = None


def _known() -> dict[str, tuple[str, str]]:
    """The validated store of the two constant headers, or {} when this Django's
    HttpResponse is not the one FIELDS describes."""
    global _store
    if _store is None:
        sample = HttpResponse(b"", status=200, headers=dict((CONTENT_TYPE, CACHE_CONTROL)))
        same = set(vars(sample)) == FIELDS and set(vars(sample.headers)) == HEADER_FIELDS
        _store = dict(sample.headers._store) if same else {}
    return _store


def http_response(body: bytes, status: int, headers: Mapping[str, str]) -> HttpResponse:
    """`HttpResponse(body, status=status, headers=headers)`, the same object, built from the
    pre-validated constant headers when `headers` starts with them (as every Mizan JSON
    answer's do)."""
    store = _store if _store is not None else _known()
    items = iter(headers.items())
    if (
        not store
        or type(body) is not bytes
        or type(status) is not int
        or not 100 <= status <= 599
        or next(items, None) != CONTENT_TYPE
        or next(items, None) != CACHE_CONTROL
    ):
        return HttpResponse(body, status=status, headers=headers)
    response_headers = ResponseHeaders(None)
    response_headers._store = dict(store)
    for name, value in items:
        response_headers[name] = value  # Django's validation (BadHeaderError, MIME encoding)
    response = HttpResponse.__new__(HttpResponse)
    # The fields in the order HttpResponse.__init__ sets them.
    response.__dict__ = {
        "headers": response_headers,
        "_charset": None,
        "_resource_closers": [],
        "_handler_class": None,
        "cookies": SimpleCookie(),
        "closed": False,
        "status_code": status,
        "_reason_phrase": None,
        "_container": [body],
    }
    return response
