"""`mizan_exception_handler` and `mizan_validation_handler` (FA-2, GAP-83): the envelope for
Mizan's own endpoints and for `MizanError`s, nothing rewritten elsewhere."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import pytest
from fastapi import Depends, FastAPI, Header
from fastapi.exceptions import RequestValidationError
from fastapi.testclient import TestClient
from starlette.requests import Request
from starlette.responses import Response

import mizan_fastapi
from mizan.core import signature
from mizan_fastapi import MizanError, NotFound, client, mizan_exception_handler, mizan_validation_handler, register
from tests.fastapi.conftest import MizanClient, assert_bad_request, assert_error, assert_internal


def needs_tenant(x_tenant: int = Header()) -> int:
    """An application dependency that FastAPI validates (a missing header is a
    RequestValidationError)."""
    return x_tenant


def make_app(install: bool) -> TestClient:
    app = FastAPI()
    if install:
        app.add_exception_handler(MizanError, mizan_exception_handler)
        app.add_exception_handler(RequestValidationError, mizan_validation_handler)
    app.include_router(mizan_fastapi.router, prefix="/api/mizan", dependencies=[Depends(needs_tenant)])
    app.include_router(mizan_fastapi.routes_router, dependencies=[Depends(needs_tenant)])

    @app.get("/items/{item_id}")
    def get_item(item_id: int) -> dict[str, int]:
        if item_id == 0:
            raise NotFound("No such item")
        return {"item_id": item_id}

    return TestClient(app, raise_server_exceptions=False)


def test_fa2_validation_handler_rewrites_only_mizan_endpoints() -> None:
    """FA-2/GAP-83: a dependency's validation failure on a Mizan endpoint or route is 400
    BAD_REQUEST; elsewhere FastAPI's own 422 stays."""
    http = make_app(install=True)
    api = MizanClient(http)
    assert_bad_request(api.call("echo", {"text": "hi"}))
    assert_bad_request(api.request("POST", "/search/books/"))
    assert api.call("echo", {"text": "hi"}, headers={"x-tenant": "1"}).status_code == 200
    other = http.get("/items/x")
    assert other.status_code == 422 and "detail" in other.json()


def test_fa2_without_the_handler_fastapi_answers() -> None:
    """Without the handler the application's dependency failure is FastAPI's 422 (the
    endpoints cannot see it); the Mizan envelope itself never depends on handlers."""
    api = MizanClient(make_app(install=False))
    assert api.call("echo", {"text": "hi"}).status_code == 422
    response = api.call("no_such_fn", headers={"x-tenant": "1"})
    assert_error(response, 404, "NOT_FOUND", "Function not found", {"function": "no_such_fn"})


def test_fa2_exception_handler_renders_mizan_errors_of_the_application() -> None:
    http = make_app(install=True)
    response = http.get("/items/0")
    assert_error(response, 404, "NOT_FOUND", "No such item")  # type: ignore[arg-type]
    assert http.get("/items/3").json() == {"item_id": 3}


def test_fa2_handlers_given_other_exceptions_answer_500() -> None:
    request = Request({"type": "http", "method": "GET", "path": "/x", "headers": [], "query_string": b""})
    assert asyncio.run(mizan_exception_handler(request, RuntimeError("x"))).status_code == 500
    assert asyncio.run(mizan_validation_handler(request, RuntimeError("x"))).status_code == 500


class ForeignResponse:
    """A response type of another framework (GAP-76: both adapters may share a process)."""


@pytest.fixture
def foreign_base() -> Any:
    signature.set_framework_response_base(ForeignResponse)
    yield
    signature._response_bases.discard(ForeignResponse)


@pytest.mark.usefixtures("foreign_base")
def test_gap76_a_foreign_framework_response_is_a_500(api: MizanClient) -> None:
    @client
    def foreign(request: Any) -> Any:
        return ForeignResponse()

    register(foreign, "foreign")
    assert_internal(api.call("foreign"))


def test_adapter_failure_is_the_500_envelope(api: MizanClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure of the adapter itself still answers with the envelope and `no-store`."""

    def broken(*args: Any) -> Response:
        raise RuntimeError("adapter bug")

    monkeypatch.setattr(sys.modules["mizan_fastapi.router"], "read_form", broken)
    response = api.request("POST", "/api/mizan/call/", data={"fn": "echo"}, files={"": ("", b"")})
    assert_internal(response)
