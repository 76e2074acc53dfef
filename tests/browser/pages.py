"""What the browser tests do to a page: log in through the demo's form, count the Mizan
requests a page makes, wait for them to settle, and save a screenshot at each named step.

Counting is by URL path, from the page's own `request` events: `/api/mizan/ctx/<name>/`
(context bundle fetches) and `/api/mizan/call/` (function calls over HTTP).
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Locator, Page, Request, expect

from tests.browser.demo_server import PASSWORD

PREFIX: Final = "/api/mizan/"
CTX: Final = PREFIX + "ctx/"
CALL: Final = PREFIX + "call/"
# How long any one expected browser outcome may take on a loaded 2-core machine: a bound
# for Playwright's auto-waiting, never a measurement.
TIMEOUT_MS: Final = 20_000
# A page is settled once no Mizan request is in flight and none started for this long:
# the window in which a duplicate refetch would have shown up.
QUIET_MS: Final = 400
BOARD_URL: Final = re.compile(r"/lists/(\d+)/$")


@dataclass
class RequestLog:
    """The Mizan HTTP requests one page made, in order, as (method, path, fn): `fn` is the
    function a JSON `/call/` names ("multipart" for an upload, "" for a context fetch)."""

    requests: list[tuple[str, str, str]] = field(default_factory=list)
    in_flight: int = 0
    last_start: float = 0.0

    def attach(self, page: Page) -> None:
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _started(self, request: Request) -> None:
        path = urlsplit(request.url).path
        if path.startswith((CTX, CALL)):
            self.requests.append((request.method, path, _function(request) if path == CALL else ""))
            self.in_flight += 1
            self.last_start = time.monotonic()

    def _ended(self, request: Request) -> None:
        if urlsplit(request.url).path.startswith((CTX, CALL)):
            self.in_flight -= 1

    def mark(self) -> int:
        """A position to count from (`since`)."""
        return len(self.requests)

    def ctx(self, name: str | None = None, since: int = 0) -> int:
        """Context fetches since `since`: of context `name`, or of any context."""
        prefix = CTX if name is None else f"{CTX}{name}/"
        return sum(1 for _, path, _ in self.requests[since:] if path.startswith(prefix))

    def calls(self, since: int = 0, fn: str | None = None) -> int:
        """`/call/` requests since `since`: of function `fn`, or of any."""
        return sum(1 for _, path, name in self.requests[since:] if path == CALL and fn in (None, name))

    def summary(self) -> dict[str, int]:
        """Counts by path (and function, for calls), for build/browser/requests.json."""
        return dict(Counter(f"{path} {name}".strip() for _, path, name in self.requests))


def _function(request: Request) -> str:
    """The `fn` of a JSON call body; "multipart" for an upload."""
    if "multipart/" in (request.headers.get("content-type") or ""):
        return "multipart"
    try:
        body = json.loads(request.post_data or "")
    except ValueError:
        return "?"
    return str(body.get("fn", "?")) if isinstance(body, dict) else "?"


def settle(page: Page, log: RequestLog) -> None:
    """Wait until `page` has no Mizan request in flight and started none for QUIET_MS.

    The counts are asserted after this, so an extra request that follows the expected one
    is counted instead of slipping past the assertion.
    """
    start = time.monotonic()
    deadline = start + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        quiet = (time.monotonic() - max(log.last_start, start)) * 1000
        if log.in_flight == 0 and quiet >= QUIET_MS:
            return
        page.wait_for_timeout(50)  # lets Playwright dispatch the page's events meanwhile
    raise AssertionError(f"Mizan requests did not settle in {TIMEOUT_MS} ms: {log.requests}")


def login(page: Page, user: str) -> int:
    """Log `user` in through the demo's /login/ form (the page's context has the demo's
    base URL); returns the id of the list the demo redirects to (the user's first)."""
    page.goto("/login/")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(BOARD_URL, timeout=TIMEOUT_MS)
    return list_id(page)


def list_id(page: Page) -> int:
    """The list id of the board `page` shows."""
    match = BOARD_URL.search(urlsplit(page.url).path)
    assert match, f"not a board page: {page.url}"
    return int(match.group(1))


def open_board(page: Page, board: int) -> None:
    """Load `/lists/<board>/` and wait until React hydrated it and its socket is open."""
    page.goto(f"/lists/{board}/")
    wait_ready(page)


def wait_ready(page: Page) -> None:
    """Wait for hydration and an open socket (pushes reach only an open socket)."""
    expect(page.locator("[data-hydrated=true]")).to_have_count(1, timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("connection-status")).to_have_text("open", timeout=TIMEOUT_MS)


def task(page: Page, title: str) -> Locator:
    """The task item whose title is exactly `title`."""
    return page.get_by_test_id("task").filter(has=page.get_by_test_id("task-title").get_by_text(title, exact=True))


@dataclass
class Steps:
    """Screenshots of one test, build/browser/<test>/<NN>-<step>.png."""

    directory: Path
    count: int = 0

    def shot(self, page: Page, name: str) -> Path:
        self.count += 1
        path = self.directory / f"{self.count:02d}-{_slug(name)}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        return path


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "step"


SUMMARY: Final = re.compile(r"^(\d+) open · (\d+) done$")


def summary(page: Page) -> tuple[int, int]:
    """The board's (open, done) counts, once the summary shows them."""
    element = page.get_by_test_id("summary")
    expect(element).to_have_text(SUMMARY)
    match = SUMMARY.match(element.inner_text().strip())
    assert match, element.inner_text()
    return int(match.group(1)), int(match.group(2))


def expect_summary(page: Page, open_: int, done: int) -> None:
    expect(page.get_by_test_id("summary")).to_have_text(f"{open_} open · {done} done")


def add_task(page: Page, title: str) -> Locator:
    """Add `title` through the new-task form; returns its item once the board shows it."""
    page.get_by_test_id("new-task-title").fill(title)
    page.get_by_test_id("new-task-submit").click()
    item = task(page, title)
    expect(item).to_have_count(1)
    return item


def task_ids(page: Page) -> set[int]:
    """The ids of the tasks the board shows."""
    return {int(value) for value in page.get_by_test_id("task").evaluate_all("els => els.map(e => e.dataset.taskId)")}


def expect_count(actual: int, expected: int, what: str, known_gap: str | None = None) -> None:
    """Assert a request count. With `known_gap` (a defect found elsewhere, named in the
    reason), a wrong count xfails the test instead of failing it, and a right one fails it
    so the note is removed once the defect is fixed; everything asserted before still
    counts."""
    if known_gap is None:
        assert actual == expected, f"{what}: {actual} requests, expected {expected}"
    elif actual == expected:
        pytest.fail(f"{what}: the known gap is fixed ({known_gap}): remove its note from the test")
    else:
        pytest.xfail(f"{what}: {actual} requests, expected {expected}; known gap: {known_gap}")
