"""The pages without the React bundle: the board rendered on the server for a browser with
JavaScript off, and the plain HTML page that imports the runtime directly."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.pages import CALL, SUMMARY, login, task, task_ids, wait_ready
from tests.browser.web import Web

PLAIN_TITLE = "from plain page"


def test_board_is_rendered_on_the_server_without_javascript(web: Web) -> None:
    page, _ = web.page(web.context(javascript=False), "no-js")
    board = login(page, "alice")  # the login form is a plain HTML form post
    page.goto(f"/lists/{board}/")
    expect(page.get_by_test_id("summary")).to_have_text(SUMMARY)
    assert len(task_ids(page)) >= 2  # seed_demo's two tasks, at least
    expect(page.get_by_test_id("task-title").first).not_to_be_empty()
    expect(page.get_by_test_id("current-user")).to_have_text("alice")
    expect(page.locator("[data-hydrated=true]")).to_have_count(0)  # no script ran
    web.step(page, "ssr")


def test_plain_page_loads_lists_and_adds_a_task(web: Web) -> None:
    plain, plain_log, board = web.user("alice", "plain")
    plain.goto("/plain/")
    expect(plain.get_by_test_id("plain-status")).to_have_text("ready")
    expect(plain.get_by_test_id("plain-list").first).to_be_visible()
    first = int(plain.get_by_test_id("plain-list").first.get_attribute("data-list-id") or 0)
    assert first == board  # the demo redirects to the first list too
    web.step(plain, "loaded")

    viewer, _ = web.page(plain.context, "board")
    viewer.goto(f"/lists/{board}/")
    wait_ready(viewer)
    before = task(viewer, PLAIN_TITLE).count()

    since = plain_log.mark()
    with plain.expect_response(lambda response: response.url.endswith(CALL)) as added:
        plain.get_by_test_id("plain-add").click()
    assert added.value.ok, added.value.text()
    expect(plain.get_by_test_id("plain-status")).to_have_text("ready")
    viewer.reload()
    wait_ready(viewer)
    expect(task(viewer, PLAIN_TITLE)).to_have_count(before + 1)
    web.step(viewer, "board-shows-it")
    assert plain_log.calls(since) == 1, plain_log.requests[since:]
