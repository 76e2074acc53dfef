"""The origin edge (`mizan.edge.wrap_wsgi` / `wrap_asgi`, docs/edge.md): a context HIT
answered before Django, byte for byte Django's own HIT, and everything the edge cannot
decide passed to Django untouched.

Each test runs under WSGI (httpx's WSGI transport in front of `get_wsgi_application()`)
and ASGI (Starlette's TestClient in front of `get_asgi_application()`), on `memory://` and
on the session's real redis-server. Two applications serve every test: Django alone
(`plain`) and the same Django behind the edge (`edge`); a request Django handled is seen
by the `request_started` signal, which the edge never sends.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.core.asgi import get_asgi_application
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import connections
from django.http import QueryDict
from django.test import Client, override_settings
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from starlette.testclient import TestClient

from mizan import client
from mizan.core import cache, registry
from mizan.core.auth import get_user, identity_key
from mizan.core.edge import context_name, ctx_prefix, plain_query
from mizan.core.tokens import MWTConfig, mint_mwt, permission_key
from mizan.edge import wrap_asgi, wrap_wsgi

CACHE_SECRET = "edge-cache-secret-0123456789abcdef"
MWT_SECRET = "edge-mwt-secret-0123456789abcdefghij"
HEADER = "x-mizan-cache"
BASE = "http://testserver"
PKEY = permission_key([], False, False)
NAMES: dict[int, str] = {}
RUNS = {"item": 0}


class EdgeItem(BaseModel):
    item_id: int
    name: str


@client(context="edge_item")
def edge_item(request: Any, item_id: int) -> EdgeItem:
    RUNS["item"] += 1
    return EdgeItem(item_id=item_id, name=NAMES.get(item_id, "initial"))


@client(context="edge_item")
def edge_viewer(request: Any) -> str | None:
    return identity_key(get_user(request))


@client(affects="edge_item")
def edge_rename(request: Any, item_id: int, name: str) -> str:
    NAMES[item_id] = name
    return name


@client(context="edge_staff", auth="staff")
def edge_staff(request: Any) -> str | None:
    return identity_key(get_user(request))


@client(context="edge_custom", auth=lambda request: True)
def edge_custom(request: Any) -> str:
    return "custom"


FUNCTIONS = {fn.__name__: fn for fn in (edge_item, edge_viewer, edge_rename, edge_staff, edge_custom)}


@dataclass
class Pair:
    """Django alone and Django behind the edge, with the requests Django handled."""

    plain: Any
    edge: Any
    handled: list[str]

    def get(self, app: Any, path: str, **headers: str) -> httpx.Response:
        response: httpx.Response = app.get(path, headers=headers, follow_redirects=False)
        return response


def ctx(name: str, query: str = "") -> str:
    return f"/api/mizan/ctx/{name}/" + (f"?{query}" if query else "")


def token(pk: int, *, staff: bool = False, ttl: int = 300, now: int | None = None) -> str:
    config = MWTConfig(secret=MWT_SECRET, ttl=ttl)
    return mint_mwt(config, str(pk), pkey=PKEY, is_staff=staff, is_superuser=False, now=now)


def _wsgi_clients(middleware: list[str] | None) -> tuple[Any, Any]:
    handler = get_wsgi_application()
    plain = httpx.Client(transport=httpx.WSGITransport(app=handler), base_url=BASE)
    edge = httpx.Client(transport=httpx.WSGITransport(app=wrap_wsgi(handler)), base_url=BASE)
    return plain, edge


def _asgi_clients(middleware: list[str] | None) -> tuple[Any, Any]:
    handler = get_asgi_application()
    return TestClient(handler, base_url=BASE), TestClient(wrap_asgi(handler), base_url=BASE)


def _close_thread_connections(**kwargs: object) -> None:
    """Close the SQLite connection an ASGI request's worker thread opened. Django never
    closes an in-memory test database's connection (that would drop the database), so each
    request's thread would leave its own to the garbage collector, which Python 3.13 reports
    as an unclosed database; the test's own connection keeps the shared database alive."""
    if threading.current_thread() is threading.main_thread():
        return
    for connection in connections.all(initialized_only=True):
        if connection.vendor == "sqlite" and connection.connection is not None:
            connection.connection.close()
            connection.connection = None


@pytest.fixture(autouse=True)
def close_thread_connections() -> Iterator[None]:
    request_finished.connect(_close_thread_connections)
    try:
        yield
    finally:
        request_finished.disconnect(_close_thread_connections)


@pytest.fixture(params=["memory", "redis"])
def edge_backend(request: pytest.FixtureRequest, transactional_db: None) -> Iterator[str]:
    """The cache on `memory://` or the session's redis-server, MWT on, the functions above
    registered with fresh state."""
    NAMES.clear()
    RUNS["item"] = 0
    cache.reset_cache()
    url = "memory://" if request.param == "memory" else request.getfixturevalue("redis_server").url
    for name, fn_class in FUNCTIONS.items():
        registry.register(fn_class, name)  # type: ignore[arg-type]
    with override_settings(
        MIZAN_CACHE_SECRET=CACHE_SECRET,
        MIZAN_CACHE_REDIS_URL=url,
        MIZAN_CACHE_KEY_PREFIX="mizan-edge:",
        MIZAN_MWT_SECRET=MWT_SECRET,
    ):
        yield request.param
        active = cache.get_cache()
        if active is not None:
            active.clear()
    cache.reset_cache()


@pytest.fixture(params=["wsgi", "asgi"])
def server(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def pair(edge_backend: str, server: str) -> Iterator[Pair]:
    handled: list[str] = []

    def seen(sender: Any, environ: Any = None, scope: Any = None, **kwargs: Any) -> None:
        handled.append("django")

    request_started.connect(seen)
    plain, edge = (_wsgi_clients if server == "wsgi" else _asgi_clients)(None)
    try:
        yield Pair(plain, edge, handled)
    finally:
        request_started.disconnect(seen)
        plain.close()
        edge.close()


def served_by_edge(pair: Pair, path: str, **headers: str) -> httpx.Response:
    """A request the edge must answer itself: Django never sees it."""
    before = len(pair.handled)
    response = pair.get(pair.edge, path, **headers)
    assert len(pair.handled) == before, "Django handled a request the edge should have answered"
    assert (response.status_code, response.headers.get(HEADER)) == (200, "HIT")
    return response


def passed_through(pair: Pair, path: str, **headers: str) -> httpx.Response:
    """A request the edge must leave to Django: Django handles it, and answers the edge's
    client exactly as it answers a client of Django alone."""
    before = len(pair.handled)
    response = pair.get(pair.edge, path, **headers)
    assert len(pair.handled) == before + 1, "the edge answered a request it must pass to Django"
    return response


def mizan_headers(response: httpx.Response) -> dict[str, str]:
    """The headers Mizan's view sets on a HIT, with the Content-Length of the body."""
    names = ("content-type", "cache-control", HEADER, "content-length")
    return {name: response.headers.get(name, "") for name in names}


# --- HITs: identical to Django's -------------------------------------------------------------


def test_edge_anonymous_hit_is_django_hit(pair: Pair) -> None:
    """A miss passes through (Django computes and stores), the next fetch is an edge HIT with
    the bytes and headers of Django's own HIT for the same entry."""
    path = ctx("edge_item", "item_id=5")
    first = passed_through(pair, path)
    assert (first.status_code, first.headers[HEADER]) == (200, "MISS")
    hit = served_by_edge(pair, path)
    django_hit = pair.get(pair.plain, path)
    assert django_hit.headers[HEADER] == "HIT"
    assert (
        hit.content
        == django_hit.content
        == first.content
        == b'{"edge_item":{"item_id":5,"name":"initial"},"edge_viewer":null}'
    )
    assert mizan_headers(hit) == mizan_headers(django_hit)
    assert RUNS["item"] == 1


def test_edge_hit_headers_equal_django_without_middleware(edge_backend: str, server: str) -> None:
    """With no middleware, Django's HIT and the edge's have the very same header list
    (names, values and order)."""
    with override_settings(MIDDLEWARE=[]):
        plain, edge = (_wsgi_clients if server == "wsgi" else _asgi_clients)(None)
        try:
            path = ctx("edge_item", "item_id=6")
            assert plain.get(path).headers[HEADER] == "MISS"
            django_hit, edge_hit = plain.get(path), edge.get(path)
        finally:
            plain.close()
            edge.close()
    assert (django_hit.status_code, edge_hit.status_code) == (200, 200)
    assert django_hit.content == edge_hit.content
    django_headers = [(k, v) for k, v in django_hit.headers.multi_items() if k != "content-length"]
    edge_headers = [(k, v) for k, v in edge_hit.headers.multi_items() if k != "content-length"]
    assert (
        edge_headers
        == django_headers
        == [
            ("content-type", "application/json"),
            ("cache-control", "no-store"),
            ("x-mizan-cache", "HIT"),
        ]
    )
    assert edge_hit.headers["content-length"] == str(len(edge_hit.content))


def test_edge_query_order_and_coercion_share_the_entry(pair: Pair) -> None:
    """The key is Django's: `05` and an undeclared param reach the entry `item_id=5` stored."""
    passed_through(pair, ctx("edge_item", "item_id=5"))
    served_by_edge(pair, ctx("edge_item", "utm=x&item_id=05"))
    passed_through(pair, ctx("edge_item", "item_id=%35"))  # encoded: Django parses it (a HIT there)
    assert pair.get(pair.plain, ctx("edge_item", "item_id=%35")).headers[HEADER] == "HIT"


def test_edge_mwt_hit_is_the_identitys_own_entry(pair: Pair) -> None:
    """An MWT identity gets its own entry, the one Django stores and HITs for it; another
    identity's fetch never reads it (it misses, then HITs its own)."""
    path = ctx("edge_item", "item_id=5")
    alice, bob = token(7), token(8)
    first = passed_through(pair, path, **{"X-Mizan-Token": alice})
    assert first.headers[HEADER] == "MISS" and b'"edge_viewer":"7"' in first.content
    hit = served_by_edge(pair, path, **{"X-Mizan-Token": alice})
    django_hit = pair.get(pair.plain, path, **{"X-Mizan-Token": alice})
    assert hit.content == django_hit.content == first.content
    assert mizan_headers(hit) == mizan_headers(django_hit)
    other = passed_through(pair, path, **{"X-Mizan-Token": bob})
    assert other.headers[HEADER] == "MISS" and b'"edge_viewer":"8"' in other.content
    assert b'"edge_viewer":"8"' in served_by_edge(pair, path, **{"X-Mizan-Token": bob}).content
    assert b'"edge_viewer":null' in passed_through(pair, path).content  # the public entry is its own
    assert b'"edge_viewer":"7"' in served_by_edge(pair, path, **{"X-Mizan-Token": alice}).content


def test_edge_staff_guard_decided_by_the_token(pair: Pair) -> None:
    """A staff guard: a staff token HITs at the edge; a non-staff token and an anonymous
    fetch get Django's 403 and 401."""
    staff = token(9, staff=True)
    assert passed_through(pair, ctx("edge_staff"), **{"X-Mizan-Token": staff}).headers[HEADER] == "MISS"
    assert served_by_edge(pair, ctx("edge_staff"), **{"X-Mizan-Token": staff}).content == b'{"edge_staff":"9"}'
    refused = passed_through(pair, ctx("edge_staff"), **{"X-Mizan-Token": token(9)})
    assert refused.status_code == 403
    assert refused.content == pair.get(pair.plain, ctx("edge_staff"), **{"X-Mizan-Token": token(9)}).content
    assert passed_through(pair, ctx("edge_staff")).status_code == 401


# --- invalidation: nothing stale ---------------------------------------------------------------


def test_edge_serves_nothing_stale_after_a_mutation(pair: Pair) -> None:
    """A mutation through Django purges the entry: the edge then passes the fetch through
    (MISS with the new data), and HITs the new entry after."""
    path = ctx("edge_item", "item_id=5")
    passed_through(pair, path)
    served_by_edge(pair, path)
    response = pair.edge.post(
        "/api/mizan/call/",
        json={"fn": "edge_rename", "args": {"item_id": 5, "name": "renamed"}},
        headers={"X-Mizan-Token": token(7)},  # a token: no CSRF (a POST always reaches Django)
    )
    assert response.status_code == 200
    after = passed_through(pair, path)
    assert after.headers[HEADER] == "MISS" and b'"renamed"' in after.content
    assert b'"renamed"' in served_by_edge(pair, path).content


# --- everything else reaches Django ------------------------------------------------------------


def _cached(pair: Pair, path: str, **headers: str) -> None:
    """Make sure Django has the entry (so passing through is the edge's choice, not a MISS)."""
    pair.get(pair.plain, path, **headers)
    assert pair.get(pair.plain, path, **headers).headers[HEADER] == "HIT"


def test_edge_passes_a_session_cookie_through(pair: Pair) -> None:
    """A request with Django's session cookie: the identity is Django's to decide."""
    user = get_user_model().objects.create_user(username="sess", password="pw")
    browser = Client()
    browser.force_login(user)
    cookie = f"sessionid={browser.cookies['sessionid'].value}"
    path = ctx("edge_item", "item_id=5")
    _cached(pair, path, Cookie=cookie)
    response = passed_through(pair, path, Cookie=cookie)
    assert response.headers[HEADER] == "HIT" and f'"edge_viewer":"{user.pk}"'.encode() in response.content
    _cached(pair, path)
    served_by_edge(pair, path, Cookie="csrftoken=abc")  # not a credential


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Mizan-Token": "not-a-token"},
        {"X-Mizan-Token": token(7, ttl=60, now=int(time.time()) - 3600)},  # expired
        {
            "X-Mizan-Token": mint_mwt(
                MWTConfig(secret="another-secret-0123456789abcdefgh"),
                "7",
                pkey=PKEY,
                is_staff=False,
                is_superuser=False,
            )
        },
    ],
    ids=["garbage", "expired", "foreign-key"],
)
def test_edge_passes_a_bad_token_to_django(pair: Pair, headers: dict[str, str]) -> None:
    """A token the edge refuses is Django's 401, never the public entry."""
    path = ctx("edge_item", "item_id=5")
    _cached(pair, path)
    response = passed_through(pair, path, **headers)
    assert response.status_code == 401
    assert response.content == b'{"error":{"code":"UNAUTHORIZED","message":"Invalid or expired MWT"}}'


def test_edge_passes_a_custom_guard_through(pair: Pair) -> None:
    _cached(pair, ctx("edge_custom"))
    assert passed_through(pair, ctx("edge_custom")).headers[HEADER] == "HIT"


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer x"},
        {"If-None-Match": '"x"'},
        {"If-Modified-Since": "Mon, 07 Dec 2026 00:00:00 GMT"},
        {"Host": "evil.example"},
    ],
    ids=["authorization", "if-none-match", "if-modified-since", "disallowed-host"],
)
def test_edge_passes_what_only_django_decides(pair: Pair, headers: dict[str, str]) -> None:
    path = ctx("edge_item", "item_id=5")
    _cached(pair, path)
    response = passed_through(pair, path, **headers)
    assert response.status_code == pair.get(pair.plain, path, **headers).status_code


def test_edge_passes_other_methods_and_paths_through(pair: Pair) -> None:
    path = ctx("edge_item", "item_id=5")
    _cached(pair, path)
    before = len(pair.handled)
    assert pair.edge.post(path).status_code == 405
    assert pair.edge.head(path).status_code == 405
    assert (
        pair.edge.get("/api/mizan/ctx/edge_item?item_id=5", follow_redirects=False).status_code == 301
    )  # APPEND_SLASH
    assert pair.get(pair.edge, ctx("nope")).status_code == 404
    assert len(pair.handled) == before + 4


def test_edge_leaves_common_middlewares_refusals_to_django(pair: Pair) -> None:
    """PREPEND_WWW's redirect and DISALLOWED_USER_AGENTS' 403 (CommonMiddleware) are
    Django's to answer; a request they do not concern is the edge's."""
    path = ctx("edge_item", "item_id=5")
    _cached(pair, path)
    with override_settings(PREPEND_WWW=True, ALLOWED_HOSTS=["testserver", "www.testserver"]):
        assert passed_through(pair, path).status_code == 301
        served_by_edge(pair, path, Host="www.testserver")
    with override_settings(DISALLOWED_USER_AGENTS=[re.compile("badbot")]):
        assert passed_through(pair, path, **{"User-Agent": "a badbot/1.0"}).status_code == 403
        served_by_edge(pair, path, **{"User-Agent": "a browser"})


def test_edge_respects_ssl_redirect(pair: Pair) -> None:
    """Under SECURE_SSL_REDIRECT a plain-HTTP fetch is Django's to redirect; one the proxy
    header marks secure is the edge's."""
    path = ctx("edge_item", "item_id=5")
    _cached(pair, path)
    with override_settings(SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")):
        passed_through(pair, path)
        passed_through(pair, path, **{"X-Forwarded-Proto": "http"})
        served_by_edge(pair, path, **{"X-Forwarded-Proto": "https"})


# --- what the edge keeps between requests follows the settings and the registry ---------------


def test_edge_follows_a_new_cache_secret(pair: Pair, edge_backend: str) -> None:
    """Keys are remembered per query; a new MIZAN_CACHE_SECRET derives new ones (the old
    entry, under the old secret's key, is never served)."""
    path = ctx("edge_item", "item_id=5")
    passed_through(pair, path)
    served_by_edge(pair, path)
    with override_settings(MIZAN_CACHE_SECRET="another-edge-cache-secret-0123456789"):
        assert passed_through(pair, path).headers[HEADER] == "MISS"
        served_by_edge(pair, path)


def test_edge_follows_the_registry(pair: Pair) -> None:
    """A context whose guard becomes a callable one (a registry change) is Django's again."""
    path = ctx("edge_item", "item_id=5")
    passed_through(pair, path)
    served_by_edge(pair, path)

    @client(context="edge_item", auth=lambda request: True)
    def edge_extra(request: Any) -> int:
        return 1

    registry.register(edge_extra, "edge_extra")  # type: ignore[arg-type]
    assert passed_through(pair, path).status_code == 200
    assert passed_through(pair, path).headers[HEADER] == "HIT"  # Django's HIT: the guard ran


@settings(max_examples=200)
@given(st.text(alphabet="ab=&;.-_~0123456789 \t", max_size=30))
def test_edge_plain_query_reads_what_django_reads(text: str) -> None:
    """Differential: for the queries the edge parses itself, the values Django's view reads
    (`request.GET[key]`, the last of a repeated key)."""
    mine = plain_query(text, 1000)
    assert mine is not None
    django = QueryDict(text)
    assert mine == {key: django[key] for key in django}


def test_edge_plain_query_leaves_the_rest_to_django() -> None:
    assert plain_query("a=%20", None) is None
    assert plain_query("a=b+c", None) is None
    assert plain_query("a=\u00e9", None) is None
    assert plain_query("a=1&b=2&c=3", 2) is None  # Django's TooManyFieldsSent is its 400
    assert plain_query("a=1&b=2", 2) == {"a": "1", "b": "2"}


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/mizan/ctx/a/", "a"),
        ("/api/mizan/ctx/a.b-c/", "a.b-c"),
        ("/api/mizan/ctx//", None),
        ("/api/mizan/ctx/a", None),
        ("/api/mizan/ctx/a/b/", None),
        ("/api/mizan/ctx/\u00e9/", None),
        ("/api/mizan/call/", None),
        ("/other/api/mizan/ctx/a/", None),
    ],
)
def test_edge_context_name_is_the_views_route(path: str, name: str | None) -> None:
    assert context_name(path, ctx_prefix("/api/mizan")) == name
    assert ctx_prefix("/api/mizan/") == ctx_prefix("/api/mizan") == "/api/mizan/ctx/"


def test_edge_without_a_cache_passes_everything(pair: Pair) -> None:
    """No MIZAN_CACHE_SECRET: no cache, nothing for the edge to answer."""
    with override_settings(MIZAN_CACHE_SECRET=None):
        for _ in range(2):
            response = passed_through(pair, ctx("edge_item", "item_id=5"))
            assert response.status_code == 200 and HEADER not in response.headers
