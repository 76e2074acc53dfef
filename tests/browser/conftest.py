"""Fixtures of the browser tests: one demo server and one headless chromium for the whole
session, and per test a `web` helper that opens browser contexts and pages, counts each
page's Mizan requests and screenshots every open page when the test fails.

Screenshots and the request counts go under build/browser/: <test>/<NN>-<step>.png for each
named step, <test>/failed-<page>.png on failure, and requests.json (counts per test and page).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any, Final

import pytest

from tests.browser.availability import missing

ROOT: Final = Path(__file__).resolve().parents[2]
OUTPUT: Final = ROOT / "build" / "browser"

# Without chromium or Playwright only test_browser_available.py is collected: it skips
# with the reason (fails under CI), and the scenarios, which import Playwright, are left out.
UNAVAILABLE: Final = missing()
collect_ignore_glob = ["test_scenario_*.py"] if UNAVAILABLE else []

if not UNAVAILABLE:
    from playwright.sync_api import Browser, Playwright, sync_playwright

    from afi.live import LiveServerError
    from tests.browser.availability import CHROMIUM, launch_args
    from tests.browser.demo_server import DemoServer, serve_demo
    from tests.browser.pages import Steps
    from tests.browser.web import Web

# Requests per test and page, written to OUTPUT/requests.json at the end of the session.
REQUESTS: dict[str, dict[str, dict[str, int]]] = {}


def _test_dir(item: pytest.Item) -> Path:
    return OUTPUT / "".join(c if c.isalnum() or c in "-_." else "-" for c in item.name)


@pytest.fixture(scope="session", autouse=True)
def _fresh_output() -> None:
    """build/browser/ holds this session's screenshots and counts only."""
    shutil.rmtree(OUTPUT, ignore_errors=True)


@pytest.fixture(scope="session", params=["django", "fastapi"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """The demo on loopback with a fresh seeded database, once per twin for the session
    (pytest groups the tests by twin, so each server starts once)."""
    try:
        with serve_demo(request.param, tmp_path_factory.mktemp(f"browser-{request.param}")) as server:
            yield server
    except LiveServerError as error:
        pytest.fail(str(error), pytrace=False)


# Module scope, not session: Playwright's synchronous API runs an asyncio event loop in
# this thread while it is started, and the tests collected after tests/browser (asgiref's
# async_to_sync, the ASGI and SSR bridges) refuse to run inside a running loop.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Headless Debian chromium (never a browser Playwright downloaded)."""
    launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=launch_args())
    installed = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=60, check=True)
    assert launched.version in installed.stdout, (launched.version, installed.stdout)  # the system's build
    yield launched
    launched.close()


@pytest.fixture
def web(request: pytest.FixtureRequest, browser: Browser, demo: DemoServer) -> Iterator[Web]:
    helper = Web(browser, demo, Steps(_test_dir(request.node)))
    yield helper
    REQUESTS[request.node.name] = {label: log.summary() for label, (_, log) in helper.pages.items()}
    helper.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """On a failed setup or call, screenshot every page the test still has open (the
    `web` fixture closes them only at teardown, after this report)."""
    outcome = yield
    report = outcome.get_result()
    helper = None if UNAVAILABLE else getattr(item, "funcargs", {}).get("web")
    if helper is not None and report.failed and report.when in ("setup", "call") and isinstance(helper, Web):
        helper.screenshot_all("failed")
        report.sections.append(("browser", f"screenshots in {helper.steps.directory}"))


def pytest_sessionfinish(session: pytest.Session) -> None:
    if REQUESTS:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        (OUTPUT / "requests.json").write_text(json.dumps(REQUESTS, indent=2, sort_keys=True) + "\n")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not REQUESTS:
        return
    terminalreporter.section("Mizan requests per browser test (build/browser/requests.json)")
    for test, pages in sorted(REQUESTS.items()):
        counts = ", ".join(f"{label}: {dict(sorted(paths.items()))}" for label, paths in pages.items())
        terminalreporter.write_line(f"{test}: {counts}")
