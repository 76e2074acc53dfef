"""The browser runtime reaches pages on both adapters: Django's static-files machinery finds
`mizan/client.js` in the installed `mizan` app (finders, `{% static %}`, collectstatic), and
FastAPI's `router` serves `client.js` and `client.d.ts` from the package."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.template import Context, Engine
from django.test import override_settings
from fastapi import FastAPI
from fastapi.testclient import TestClient

import mizan
import mizan_fastapi

# The files as they sit in the package: what every way of serving must hand out.
STATIC = Path(mizan.__file__).resolve().parent / "static" / "mizan"


@pytest.fixture
def with_staticfiles(tmp_path: Path) -> Path:
    """The suite's project with `django.contrib.staticfiles`, as a project serving pages has it."""
    root = tmp_path / "collected"
    with override_settings(
        INSTALLED_APPS=[*settings.INSTALLED_APPS, "django.contrib.staticfiles"],
        STATIC_URL="/static/",
        STATIC_ROOT=str(root),
    ):
        finders.get_finder.cache_clear()
        try:
            yield root
        finally:
            finders.get_finder.cache_clear()


def test_django_finders_find_the_runtime_in_the_mizan_app(with_staticfiles: Path) -> None:
    for name in ("client.js", "client.d.ts"):
        found = finders.find(f"mizan/{name}")
        assert found is not None, name
        assert Path(str(found)).read_bytes() == (STATIC / name).read_bytes()


def test_django_static_tag_and_collectstatic(with_staticfiles: Path) -> None:
    source = '{% load static %}<script type="module" src="{% static "mizan/client.js" %}"></script>'
    html = Engine(libraries={"static": "django.templatetags.static"}).from_string(source).render(Context({}))
    assert html == '<script type="module" src="/static/mizan/client.js"></script>'
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (with_staticfiles / "mizan" / "client.js").read_bytes() == (STATIC / "client.js").read_bytes()


def test_the_package_data_ships_the_runtime() -> None:
    """The wheel's package data and the sdist's MANIFEST.in name the static directory."""
    root = Path(mizan.__file__).resolve().parent.parent
    pyproject = (root / "pyproject.toml").read_text()
    assert '"static/mizan/*.js", "static/mizan/*.d.ts"' in pyproject
    assert "recursive-include mizan/static *.js *.d.ts" in (root / "MANIFEST.in").read_text()


@pytest.fixture
def fastapi_client() -> TestClient:
    app = FastAPI()
    app.include_router(mizan_fastapi.router, prefix="/api/mizan")
    return TestClient(app)


@pytest.mark.parametrize(
    ("name", "media_type"),
    [("client.js", "text/javascript; charset=utf-8"), ("client.d.ts", "text/plain; charset=utf-8")],
)
def test_fastapi_router_serves_the_runtime(fastapi_client: TestClient, name: str, media_type: str) -> None:
    answer = fastapi_client.get(f"/api/mizan/{name}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == media_type
    assert answer.content == (STATIC / name).read_bytes()
    assert answer.headers["cache-control"] == "no-cache"
    etag = answer.headers["etag"]
    again = fastapi_client.get(f"/api/mizan/{name}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert fastapi_client.get(f"/api/mizan/{name}", headers={"If-None-Match": '"other"'}).status_code == 200
    head = fastapi_client.head(f"/api/mizan/{name}")
    assert head.status_code == 200


def test_fastapi_runtime_is_not_in_the_schema(fastapi_client: TestClient) -> None:
    paths = fastapi_client.get("/openapi.json").json()["paths"]
    assert not [path for path in paths if "client" in path]
