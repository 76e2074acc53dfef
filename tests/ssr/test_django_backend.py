"""Django's `mizan.ssr.MizanTemplates` (SSR-1, SSR-2) and `context_props` (SSR-4) through
Django's template API and the test Client, with the fake worker."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import TemplateDoesNotExist, engines
from django.test import Client, RequestFactory, override_settings

from mizan.core import cache
from mizan.core.errors import ConfigError
from mizan.core.ssr.config import PACKAGED_WORKER
from mizan.ssr import MizanTemplates, context_props
from tests.django.project.mutations import clients as fixtures
from tests.ssr.sites import COMPONENTS, FIRST_COMPONENTS, fake, parse_reply

pytestmark = [pytest.mark.capability("SSR helper", "django"), pytest.mark.django_db]
SECRET = "a-test-cache-secret-of-32-bytes!!"


def engine(options: dict[str, Any] | None = None, dirs: list[str] | None = None) -> MizanTemplates:
    params = {"NAME": "ssr", "DIRS": dirs or [COMPONENTS], "APP_DIRS": False, "OPTIONS": options or {}}
    return MizanTemplates(params)


def test_ssr1_options() -> None:
    """SSR-1/SSR-10: the packaged worker under node by default; `worker` and its alias
    `worker_path` run another script; `command` is the whole argv."""
    default = engine().config
    assert default.command == ("node", PACKAGED_WORKER) and default.timeout == 5.0 and default.workers >= 1
    assert engine({"worker": "/w.mjs"}).config.command == ("node", "/w.mjs")
    assert (
        engine({"worker_path": "/w.mjs", "timeout": 2, "workers": 3}).config
        == engine({"command": ["node", "/w.mjs"], "timeout": 2.0, "workers": 3}).config
    )


@pytest.mark.parametrize(
    "options",
    [
        {"worker": "/a", "worker_path": "/b"},
        {"worker": "/a", "command": ["node"]},
        {"timeout": 0},
        {"timeout": "soon"},
        {"workers": 0},
        {"command": []},
        {"timout": 5},
    ],
)
def test_ssr1_bad_options_fail_when_the_engine_is_built(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        engine(options)


def test_ssr2_dirs_in_order_and_not_found() -> None:
    ssr = engine({"command": list(fake())}, dirs=[FIRST_COMPONENTS, COMPONENTS])
    assert ssr.get_template("First.jsx").path == f"{FIRST_COMPONENTS}/First.jsx"
    assert ssr.get_template("nested/Hello.jsx").path == f"{COMPONENTS}/nested/Hello.jsx"
    for missing in ("Nope.jsx", "../sites.py", "/etc/hostname", "nested"):
        with pytest.raises(TemplateDoesNotExist):
            ssr.get_template(missing)
    with pytest.raises(TemplateDoesNotExist):
        ssr.from_string("<p>hi</p>")


def test_ssr3_request_and_csrf_token_are_not_props() -> None:
    ssr = engine({"command": list(fake())})
    try:
        request = RequestFactory().get("/")
        markup = ssr.get_template("Hello.jsx").render({"request": request, "csrf_token": "t", "a": 1}, request)
    finally:
        ssr.pool.shutdown()
    assert parse_reply(markup)[2] == {"a": 1}
    assert markup.endswith('window.__MIZAN_SSR_DATA__={"a":1}</script>')


TEMPLATES = [{"BACKEND": "mizan.ssr.MizanTemplates", "NAME": "ssr", "DIRS": [COMPONENTS], "OPTIONS": {}}]


@pytest.fixture
def cached_site() -> Iterator[Client]:
    """The test project with the fake worker and the origin cache (memory backend)."""
    fixtures.NAMES.clear()
    cache.reset_cache()
    templates = [{**TEMPLATES[0], "OPTIONS": {"command": list(fake())}}]
    with override_settings(
        TEMPLATES=templates,
        ROOT_URLCONF="tests.ssr.hydration_urls",
        MIZAN_CACHE_SECRET=SECRET,
        MIZAN_CACHE_REDIS_URL="memory://",
        MIZAN_CACHE_KEY_PREFIX="mizan-ssr-test:",
    ):
        try:
            yield Client()
        finally:
            engines["ssr"].pool.shutdown()
            backend = cache.get_cache()
            if backend is not None:
                backend.clear()
    cache.reset_cache()


def test_ssr4_context_props_go_through_the_origin_cache(cached_site: Client) -> None:
    """SSR-4: the page's hydration data is the `/ctx/` bundle, keyed by member name, and it
    shares the origin cache with `/ctx/`: a page fills the entry, `/ctx/` hits it."""
    page = cached_site.get("/profile-page/5/")
    assert page.status_code == 200
    props = parse_reply(page.content.decode())[2]
    bundle = {"cached_profile": {"name": "initial", "user_id": 5}, "cached_viewer": None}
    assert props == {**bundle, "title": "Profile"}
    hit = cached_site.get("/api/mizan/ctx/cached/", {"user_id": "5"})
    assert (hit["X-Mizan-Cache"], json.loads(hit.content)) == ("HIT", bundle)
    fixtures.NAMES[5] = "renamed"  # not purged: the page must read the cached entry too
    assert parse_reply(cached_site.get("/profile-page/5/").content.decode())[2]["cached_profile"]["name"] == "initial"


def test_ssr4_context_props_leaves_out_failures_and_refuses_unknown_names(cached_site: Client) -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert context_props(request, "cached", user_id="not-a-number") == {}
    with pytest.raises(LookupError, match="no context named 'nope'"):
        context_props(request, "nope")
