"""The SSR public API of each adapter, driven through its real HTTP stack: Django's template
backend behind `django.shortcuts.render` and the test `Client`, FastAPI's `render` (a sync
route) and `arender` (an async route) behind `TestClient`. Each site is configured with
the worker command of a test, usually the fault-injecting fake worker."""

from __future__ import annotations

import json
import os
import re
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render as django_render
from django.test import Client, override_settings
from django.urls import include, path
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

import mizan_fastapi
from mizan.core.ssr import WorkerPool
from mizan_fastapi import ssr as fastapi_ssr
from mizan_fastapi.conf import reset_settings

HERE: Final = Path(__file__).resolve().parent
FAKE: Final = str(HERE / "fake_worker.py")
COMPONENTS: Final = str(HERE / "fake_components")
FIRST_COMPONENTS: Final = str(HERE / "fake_components_first")
REPLY: Final = re.compile(r'<p data-pid="(\d+)" data-file="([^"]*)">(.*)</p>', re.DOTALL)
SITES: Final = ("django", "fastapi-sync", "fastapi-async")


def fake(*flags: str) -> tuple[str, ...]:
    """The argv of the fake worker with `flags`."""
    return (sys.executable, FAKE, *flags)


def parse_reply(markup: str) -> tuple[int, str, Any]:
    """(pid, file name, props) of a fake worker's HTML inside the SSR-3 markup."""
    match = REPLY.search(markup)
    assert match is not None, markup
    return int(match.group(1)), match.group(2), json.loads(match.group(3))


def alive(pid: int) -> bool:
    """True while a process of that id exists (the bridge reaps the workers it stops)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for_exit(pid: int, site: Site) -> None:
    """Wait until the process has exited and its reader has seen it (a guard of 30 s): the
    pid gone is not enough, as the reader reaps the worker a moment before it ends the
    process, and a render in that moment would still write to the closed pipe."""
    deadline = time.monotonic() + 30
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not alive(pid)
    while time.monotonic() < deadline:
        processes = [bridge._process for bridge in site.pool.bridges]
        if all(process is None or process.pid != pid or process.ended is not None for process in processes):
            return
        time.sleep(0.01)
    raise AssertionError(f"the SSR worker {pid} exited, but its reader did not end it within 30 s")


def wait_for_in_flight(site: Site, count: int, worker: int = 0) -> None:
    """Wait until `count` requests were written to the pool's worker (a guard of 30 s)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        process = site.pool.bridges[worker]._process
        if process is not None and len(process.pending) >= count:
            return
        time.sleep(0.01)
    raise AssertionError(f"fewer than {count} renders in flight")


# --- Django ------------------------------------------------------------------------------


def django_page(request: HttpRequest, name: str) -> HttpResponse:
    """`render(request, "<component>", {...})`, as a project's view would call it."""
    return django_render(request, name, json.loads(request.GET.get("props", "{}")))


urlpatterns = [
    path("page/<path:name>", django_page),
    path("api/mizan/", include("mizan.urls")),
]


def django_templates(command: Sequence[str], timeout: float, workers: int, dirs: Sequence[str]) -> list[Any]:
    options = {"command": list(command), "timeout": timeout, "workers": workers}
    return [{"BACKEND": "mizan.ssr.MizanTemplates", "NAME": "ssr", "DIRS": list(dirs), "OPTIONS": options}]


# --- FastAPI -----------------------------------------------------------------------------


def fastapi_app() -> FastAPI:
    app = FastAPI()

    @app.get("/page/{name:path}")
    def sync_page(name: str, props: str = "{}") -> HTMLResponse:
        return fastapi_ssr.render(name, json.loads(props))

    @app.get("/apage/{name:path}")
    async def async_page(name: str, props: str = "{}") -> HTMLResponse:
        return await fastapi_ssr.arender(name, json.loads(props))

    return app


class Site:
    """One adapter serving `/page/<component>?props=<json>` through its SSR render."""

    def __init__(self, kind: str, get: Callable[[str], Any], pool: Callable[[], WorkerPool]) -> None:
        self.kind = kind
        self._get = get
        self._pool = pool

    def render(self, name: str, props: Any = None) -> str:
        """The page's body (exceptions raised by the render propagate, as the test
        clients re-raise them)."""
        query = urllib.parse.quote(json.dumps(props or {}))
        prefix = "/apage/" if self.kind == "fastapi-async" else "/page/"
        response = self._get(f"{prefix}{name}?props={query}")
        assert response.status_code == 200, response
        assert response["Content-Type" if self.kind == "django" else "content-type"].startswith("text/html")
        body: str = response.content.decode()
        return body

    @property
    def pool(self) -> WorkerPool:
        return self._pool()


@contextmanager
def serve(
    kind: str, command: Sequence[str], timeout: float = 10.0, workers: int = 1, dirs: Sequence[str] = (COMPONENTS,)
) -> Iterator[Site]:
    """A site of `kind` whose SSR runs `command`; its workers are stopped afterwards."""
    if kind == "django":
        from django.template import engines

        templates = django_templates(command, timeout, workers, dirs)
        with override_settings(TEMPLATES=templates, ROOT_URLCONF="tests.ssr.sites"):
            try:
                # A Client per request: one Client shared by threads can hand a request's
                # exception to another thread's request (it keeps the last one it saw).
                yield Site(kind, lambda url: Client().get(url), lambda: engines["ssr"].pool)
            finally:
                engines["ssr"].pool.shutdown()
        return
    mizan_fastapi.configure(ssr_command=list(command), ssr_timeout=timeout, ssr_workers=workers, ssr_dirs=list(dirs))
    try:
        with TestClient(fastapi_app()) as client:
            yield Site(kind, lambda url: _Answer(client.get(url)), fastapi_ssr.get_pool)
    finally:
        fastapi_ssr.shutdown()
        reset_settings()


class _Answer:
    """A Starlette response read like a Django one (`status_code`, `content`, `[header]`)."""

    def __init__(self, response: Any) -> None:
        self.status_code = response.status_code
        self.content = response.content
        self._headers = response.headers

    def __getitem__(self, name: str) -> str:
        value: str = self._headers[name]
        return value
