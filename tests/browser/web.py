"""One browser test's view of the demo: the contexts and tabs it opened (closed at teardown),
each tab's Mizan request log, and its screenshots."""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.sync_api import Browser, BrowserContext, Page

from tests.browser.demo_server import DemoServer
from tests.browser.pages import TIMEOUT_MS, RequestLog, Steps, login

# A failure screenshot of a page stuck in a navigation must not stall the report for long.
FAILURE_SHOT_MS = 5_000


@dataclass
class Web:
    """One test's browser contexts and pages (closed at teardown)."""

    browser: Browser
    demo: DemoServer
    steps: Steps
    contexts: list[BrowserContext] = field(default_factory=list)
    pages: dict[str, tuple[Page, RequestLog]] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return self.demo.base_url

    def context(self, *, javascript: bool = True) -> BrowserContext:
        """A fresh browser context (its own cookies: one user) on the demo's base URL."""
        context = self.browser.new_context(base_url=self.base_url, java_script_enabled=javascript)
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        return context

    def page(self, context: BrowserContext, label: str) -> tuple[Page, RequestLog]:
        """A new tab of `context`, named `label` in screenshots and counts."""
        assert label not in self.pages, label
        page = context.new_page()
        log = RequestLog()
        log.attach(page)
        self.pages[label] = (page, log)
        return page, log

    def user(self, name: str, label: str | None = None) -> tuple[Page, RequestLog, int]:
        """A new context logged in as `name`: its first tab, log and first list id."""
        page, log = self.page(self.context(), label or name)
        return page, log, login(page, name)

    def step(self, page: Page, name: str) -> None:
        """Screenshot `page` as the next named step of this test."""
        self.steps.shot(page, name)

    def screenshot_all(self, prefix: str) -> None:
        """A full-page screenshot of every open page (best effort: a crashed page is skipped)."""
        for label, (page, _) in self.pages.items():
            if page.is_closed():
                continue
            try:
                path = self.steps.directory / f"{prefix}-{label}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(path), full_page=True, timeout=FAILURE_SHOT_MS)
            except Exception as error:  # noqa: BLE001  (a screenshot must not hide the failure)
                print(f"screenshot of {label} failed: {error}")

    def close(self) -> None:
        for context in self.contexts:
            context.close()
