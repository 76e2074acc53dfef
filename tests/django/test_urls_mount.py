"""`mizan.urls.mount(prefix)`: the same endpoints, names and matches as
`path(prefix, include("mizan.urls"))`, resolved in one step (PROTOCOL §2.1, issue 20)."""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings
from django.urls import Resolver404, include, path, reverse
from django.urls.resolvers import RegexPattern, URLResolver

from mizan.management.commands.export_edge_manifest import mounted_base_url
from mizan.urls import mount
from tests.django.conftest import assert_json

MOUNTED = "tests.django.project.urls_mounted"
PATHS = [
    "/edge/rpc/call/",
    "/edge/rpc/session/",
    "/edge/rpc/ctx/user/",
    "/edge/rpc/ctx/a%20b/",
    "/edge/rpc/ctx/",  # no name: 404 in both
    "/edge/rpc/ctx/a/b/",  # `str` does not match a slash
    "/edge/rpc/call",  # no trailing slash
    "/edge/rpc/unknown/",
    "/edge/rpc/",
    "/edge/rpc/call/extra/",
    "/edge/call/",
]


def _root(mounted: object) -> URLResolver:
    return URLResolver(RegexPattern(r"^/"), [path("other/", include([])), mounted])


def _fields(resolver: URLResolver, url: str) -> object:
    try:
        match = resolver.resolve(url)
    except Resolver404:
        return "404"
    return (
        match.func,
        match.args,
        match.kwargs,
        match.url_name,
        match.app_names,
        match.namespaces,
        match.view_name,
        match.route,
        match.captured_kwargs,
        match.extra_kwargs,
        [[str(p.pattern) for p in entry] for entry in match.tried],
    )


@pytest.mark.parametrize("url", PATHS)
def test_mount_resolves_as_include_does(url: str) -> None:
    """Every path gives the match include() gives (view, kwargs, names, route, `tried`), or
    a 404 where include() gives one."""
    included = _root(path("edge/rpc/", include("mizan.urls")))
    mounted = _root(mount("edge/rpc/"))
    assert _fields(mounted, url) == _fields(included, url)


def test_mount_matches_the_endpoints() -> None:
    """The control for the comparison above: the mounted paths do resolve, to Mizan's views."""
    from mizan import views

    match = _root(mount("edge/rpc/")).resolve("/edge/rpc/ctx/user/")
    assert (match.func, match.kwargs, match.view_name) == (views.context, {"name": "user"}, "mizan:ctx")
    assert _root(mount("edge/rpc/")).resolve("/edge/rpc/call/").route == "edge/rpc/call/"


@override_settings(ROOT_URLCONF=MOUNTED)
def test_mount_reverses_and_is_found_as_the_base_url() -> None:
    """`reverse("mizan:...")` and the prefix detection (export_edge_manifest, wrap_asgi)
    find the mounted endpoints."""
    assert reverse("mizan:call") == "/edge/rpc/call/"
    assert reverse("mizan:session") == "/edge/rpc/session/"
    assert reverse("mizan:ctx", kwargs={"name": "user"}) == "/edge/rpc/ctx/user/"
    assert mounted_base_url() == "/edge/rpc"


@override_settings(ROOT_URLCONF=MOUNTED)
def test_mount_serves_session_call_and_ctx() -> None:
    """Through the endpoints: a session's token passes the CSRF check of /call/, a
    context answers, and an unknown path under the prefix is Django's 404."""
    client = Client(enforce_csrf_checks=True)
    token = json.loads(client.get("/edge/rpc/session/").content)["csrfToken"]
    response = client.post(
        "/edge/rpc/call/",
        b'{"fn":"echo","args":{"text":"hi"}}',
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert_json(response, 200, b'{"result":{"message":"echo: hi"}}')
    assert_json(client.get("/edge/rpc/ctx/global/"), 200, b'{"site_settings":{"site":"mizan"}}')
    assert client.get("/edge/rpc/nothing/").status_code == 404
