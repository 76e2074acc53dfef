"""View-path functions and `route=` on FastAPI (PROTOCOL §3.5, VIEW-1..7, RPC-6, FA-1, FA-10;
mirrors tests/django/test_routes.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient
from starlette.responses import PlainTextResponse

import mizan_fastapi
from mizan.core import cache
from mizan.core.errors import ConfigError
from mizan_fastapi import client, register
from mizan_fastapi.routes import starlette_path
from tests.fastapi.conftest import (
    MizanClient,
    assert_error,
    assert_internal,
    assert_json,
    assert_method_not_allowed,
    assert_validation,
    canonical,
)

HEADER = "x-mizan-invalidate"


def test_view5_redirect_carries_the_header(api: MizanClient, purges: list[Any]) -> None:
    """VIEW-1/4/5, INV-11: 302, Location, no-store over the function's own max-age, and the
    header from the path argument; no CSRF on FastAPI (AUTH-7)."""
    response = api.request("POST", "/profile/5/update/")
    assert response.status_code == 302
    assert response.headers["location"] == "/profile/5/"
    assert response.headers.get_list("cache-control") == ["no-store"]
    assert response.headers[HEADER] == "user;user_id=5, notifications"
    assert purges == [("user", {"user_id": 5}), ("notifications", None)]


@pytest.fixture(params=["memory", "redis"])
def origin_cache(request: pytest.FixtureRequest) -> Iterator[None]:
    """The origin cache on, on `memory://` or the session's redis-server (CBE-5)."""
    url = "memory://" if request.param == "memory" else request.getfixturevalue("redis_server").url
    mizan_fastapi.configure(
        cache_secret="a-test-cache-secret-of-32-bytes!!", cache_redis_url=url, cache_key_prefix="mizan-fastapi-test:"
    )
    yield
    backend = cache.get_cache()
    if backend is not None:
        backend.clear()


def test_view5_route_mutation_purges_the_origin_cache(api: MizanClient, origin_cache: None) -> None:
    """INV-11/CPUR-2: the view path purges the origin cache too, before the response."""
    assert api.ctx("user", "user_id=5").headers["x-mizan-cache"] == "MISS"
    assert api.ctx("user", "user_id=5").headers["x-mizan-cache"] == "HIT"
    assert api.request("POST", "/profile/5/update/").status_code == 302
    assert api.ctx("user", "user_id=5").headers["x-mizan-cache"] == "MISS"


def test_ep3_route_method_enforcement(api: MizanClient) -> None:
    """VIEW-4/EP-3: a method outside `methods` is 405 with `Allow` (defaults: POST, and GET
    for context members)."""
    assert_method_not_allowed(api.request("GET", "/profile/5/update/"), "POST")
    assert_method_not_allowed(api.request("GET", "/search/books/"), "POST")
    assert_method_not_allowed(api.request("POST", "/profile/5/"), "GET")
    assert_method_not_allowed(api.request("DELETE", "/profile/5/data/"), "POST, PUT")
    assert_method_not_allowed(api.request("HEAD", "/profile/5/"), "GET", head=True)


def test_view4_private_route_keeps_the_body_and_invalidates(api: MizanClient) -> None:
    """VIEW-4: a private route (webhook) is reachable, its (async) body reads the request
    body, and it still invalidates."""
    response = api.post(b'{"event":"paid"}', path="/webhooks/stripe/")
    assert (response.status_code, response.content) == (200, b'received:{"event":"paid"}')
    assert response.headers[HEADER] == "account"
    assert response.headers["cache-control"] == "no-store"


def test_view4_private_route_is_403_on_call(api: MizanClient) -> None:
    assert_json(
        api.call("stripe_webhook"), 403, b'{"error":{"code":"FORBIDDEN","message":"Function is not client-callable"}}'
    )


def test_view5_failure_status_means_no_header_no_purge(api: MizanClient, purges: list[Any]) -> None:
    response = api.request("POST", "/profile/5/reject/")
    assert (response.status_code, response.content) == (400, b"nope")
    assert HEADER not in response.headers
    assert response.headers["cache-control"] == "no-store"
    assert purges == []


def test_view7_data_return_uses_the_rpc_envelope(api: MizanClient) -> None:
    """VIEW-7: path and query parameters are the arguments and the path wins."""
    for method in ("POST", "PUT"):
        response = api.request(method, "/profile/5/data/?note=hi&user_id=9")
        body = {"invalidate": [{"context": "user", "params": {"user_id": 5}}], "result": {"note": "hi", "user_id": 5}}
        assert (response.status_code, response.content) == (200, canonical(body))
        assert response.headers[HEADER] == "user;user_id=5"
        assert response.headers["content-type"] == "application/json"


def test_view4_route_validation_is_the_json_envelope(api: MizanClient) -> None:
    response = api.request("POST", "/search/books/?page=x")
    assert_validation(response, {"page": ["Input should be a valid integer, unable to parse string as an integer"]})
    assert api.request("POST", "/search/books/?page=2").content == b'{"result":{"kind":"books","page":2}}'


def test_auth1_route_guard(api: MizanClient) -> None:
    assert_error(api.request("GET", "/members/5/"), 401, "UNAUTHORIZED", "Authentication required")
    response = api.as_user("alice").request("GET", "/members/5/")
    assert (response.status_code, response.content) == (200, b"members")
    assert response.headers[HEADER] == "user;user_id=5"


def test_view1_context_member_route_without_affects(api: MizanClient) -> None:
    response = api.request("GET", "/profile/7/")
    assert (response.status_code, response.content) == (200, b"profile 7")
    assert HEADER not in response.headers and response.headers["cache-control"] == "no-store"
    assert api.ctx("profile", "user_id=7").content == b"{}"


def test_rpc6_view_path_function_over_call_carries_the_header(api: MizanClient) -> None:
    response = api.call("profile_update", {"user_id": 5})
    assert response.status_code == 302
    assert response.headers[HEADER] == "user;user_id=5, notifications"
    assert response.headers["cache-control"] == "no-store"


def test_reg9_routes_answer_500_while_the_registry_is_invalid(api: MizanClient) -> None:
    @client(affects="nowhere")
    def broken(request: Any) -> None: ...

    register(broken, "broken_for_routes")
    assert_internal(api.request("POST", "/profile/5/update/"), "Mizan registry is invalid")


# --- VIEW-3: Django path syntax on FastAPI ------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/things/12345678-1234-5678-1234-567812345678/",
            {"thing": "12345678-1234-5678-1234-567812345678", "type": "UUID"},
        ),
        ("/files/a/b/c.txt", "a/b/c.txt"),
        ("/plain/x%20y/", "x y"),
    ],
)
def test_view3_converters_bind_like_django(api: MizanClient, path: str, body: Any) -> None:
    """VIEW-3: `uuid` gives a UUID, `path` spans slashes, `str` is percent-decoded."""
    response = api.request("GET", path)
    assert (response.status_code, response.content) == (200, canonical({"result": body}))


@pytest.mark.parametrize(
    "path",
    [
        "/things/12345678-1234-5678-1234-56781234567Z/",
        "/things/12345678-1234-5678-1234-56781234567A/",  # Django's uuid is lower-case only
        "/search/a.b/",  # not a slug
        "/profile/x/",  # not an int
        "/profile/-1/",
        "/files/",  # path is non-empty
        "/plain/a/b/",  # str stops at a slash
    ],
)
def test_view3_converters_refuse_what_django_refuses(api: MizanClient, path: str) -> None:
    assert api.request("GET", path).status_code == 404


@pytest.mark.parametrize(
    ("route", "path"),
    [
        ("/a/<int:x>/", "/a/{x:int}/"),
        ("/a/<x>/<str:y>", "/a/{x}/{y}"),
        ("/s/<slug:s>/u/<uuid:u>/p/<path:p>", "/s/{s:mizan_slug}/u/{u:mizan_uuid}/p/{p:mizan_path}"),
        ("/static/file.txt", "/static/file.txt"),
    ],
)
def test_view3_translation(route: str, path: str) -> None:
    assert starlette_path(route) == path


@pytest.mark.parametrize("route", ["/a/<float:x>/", "/a/<int:1x>/", "/a/{x}/", "/a/<int:x y>/"])
def test_view3_unservable_routes_are_config_errors(route: str) -> None:
    with pytest.raises(ConfigError):
        starlette_path(route)


def test_fa1_routes_router_is_built_from_the_registry_when_read() -> None:
    """FA-1/VIEW-2: each read of `routes_router` reflects the registry as it is then, so a
    function registered before `include_router` is served."""

    @client(route="/late/<int:n>/", methods=["GET"])
    def late(request: Any, n: int) -> PlainTextResponse:
        return PlainTextResponse(f"late {n}")

    before = mizan_fastapi.routes_router
    register(late, "late")
    app = FastAPI()
    app.include_router(mizan_fastapi.routes_router)
    with TestClient(app) as http:
        response = http.get("/late/3/")
    assert (response.status_code, response.content) == (200, b"late 3")
    assert "mizan-route-late" not in {getattr(route, "name", None) for route in before.routes}
    assert app.url_path_for("mizan-route-late", n=4) == "/late/4/"


def test_fa1_router_dependencies_run_before_route_functions() -> None:
    """FA-3: application dependencies given to `include_router` run on Mizan's routes and
    can set `request.state.user`."""

    def authenticate(request: Request) -> None:
        request.state.user = {"id": 11, "username": "dep"}

    app = FastAPI()
    app.include_router(mizan_fastapi.routes_router, dependencies=[Depends(authenticate)])
    with TestClient(app) as http:
        response = http.get("/members/5/")
    assert (response.status_code, response.content) == (200, b"members")
