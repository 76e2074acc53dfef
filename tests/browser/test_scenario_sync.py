"""The board kept in sync in real browsers: pushed invalidation between two tabs, one user's
data never reaching another, merge without a refetch, one batched refetch per mutation,
and the chat channel between tabs.

Every count is of the page's own HTTP requests (tests/browser/pages.py), asserted after the
page settled, so a duplicate refetch would be counted.
"""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.browser.pages import (
    add_task,
    expect_count,
    expect_summary,
    open_board,
    settle,
    summary,
    task,
    task_ids,
    wait_ready,
)
from tests.browser.web import Web


def _title(what: str) -> str:
    return f"{what} {uuid.uuid4().hex[:8]}"


def test_a_task_added_in_one_tab_appears_in_the_other_without_reload(web: Web) -> None:
    """Pushed invalidation over the socket: tab 2 refetches the board bundle exactly once,
    and tab 1, which made the mutation, once too (its reply; the push skips its tab)."""
    tab1, log1, board = web.user("alice", "tab1")
    tab2, log2 = web.page(tab1.context, "tab2")
    wait_ready(tab1)
    open_board(tab2, board)
    settle(tab1, log1)
    settle(tab2, log2)
    web.step(tab2, "tab2-before")
    navigations = []
    tab2.on("framenavigated", lambda frame: navigations.append(frame.url))
    since1 = log1.mark()
    since = log2.mark()

    title = _title("from tab 1")
    add_task(tab1, title)
    web.step(tab1, "tab1-added")

    expect(task(tab2, title)).to_have_count(1)
    settle(tab2, log2)
    settle(tab1, log1)
    web.step(tab2, "tab2-synced")
    assert navigations == [], "tab 2 reloaded instead of refetching"
    assert log2.ctx("board", since) == 1, log2.requests[since:]
    assert log2.calls(since) == 0
    expect_count(log1.ctx("board", since1), 1, "board fetches in the tab that added")
    assert log1.ctx(since=since1) == log1.ctx("board", since1), log1.requests[since1:]


def test_a_rename_in_one_tab_is_a_refetch_in_the_other_and_none_in_its_own(web: Web) -> None:
    """merge=board: the renaming tab splices its reply (zero /ctx/), the other tab cannot
    splice a merge it never received and refetches the board once on the push."""
    tab1, log1, board = web.user("alice", "tab1")
    wait_ready(tab1)
    item = add_task(tab1, _title("to rename"))
    task_id = item.get_attribute("data-task-id")
    tab2, log2 = web.page(tab1.context, "tab2")
    open_board(tab2, board)
    settle(tab1, log1)
    settle(tab2, log2)
    since1, since2 = log1.mark(), log2.mark()

    renamed = _title("renamed in tab 1")
    item = tab1.locator(f"[data-testid=task][data-task-id='{task_id}']")
    item.get_by_test_id("rename-input").fill(renamed)
    item.get_by_test_id("rename-save").click()
    expect(item.get_by_test_id("task-title")).to_have_text(renamed)
    expect(tab2.locator(f"[data-testid=task][data-task-id='{task_id}']").get_by_test_id("task-title")).to_have_text(
        renamed
    )
    settle(tab1, log1)
    settle(tab2, log2)
    web.step(tab2, "tab2-renamed")
    expect_count(log1.ctx(since=since1), 0, "context fetches in the renaming tab")
    expect_count(log2.ctx(since=since2), 1, "context fetches in the other tab")
    assert log2.ctx("board", since2) == 1 and log2.calls(since2) == 0, log2.requests[since2:]


def test_bob_never_sees_alices_data(web: Web) -> None:
    """Another user's board: only his tasks, alice's list answers without her data, and
    alice's mutations never reach his tab."""
    alice, _, alice_board = web.user("alice")
    wait_ready(alice)
    secret = _title("alice only")
    add_task(alice, secret)
    alice_tasks = task_ids(alice)

    bob, bob_log, bob_board = web.user("bob")
    wait_ready(bob)
    assert bob_board != alice_board
    expect(bob.get_by_test_id("current-user")).to_have_text("bob")
    bob_tasks = task_ids(bob)
    assert bob_tasks and not bob_tasks & alice_tasks
    expect(task(bob, secret)).to_have_count(0)
    web.step(bob, "bob-board")

    # Alice's list, asked for by bob: no page with her tasks (404, or the board's error state).
    probe, _ = web.page(bob.context, "bob-probe")
    response = probe.goto(f"/lists/{alice_board}/")
    web.step(probe, "bob-on-alices-list")
    assert response is not None
    if response.status != 404:
        expect(probe.get_by_test_id("error-banner")).to_contain_text("NOT_FOUND")
    assert secret not in probe.content()
    assert not task_ids(probe) & alice_tasks

    # Alice mutates; bob's open board neither refetches nor changes.
    settle(bob, bob_log)
    before = bob.get_by_test_id("tasks").inner_text()
    since = bob_log.mark()
    add_task(alice, _title("alice again"))
    settle(bob, bob_log)
    web.step(bob, "bob-after-alice-mutated")
    assert bob_log.ctx(since=since) == 0, bob_log.requests[since:]
    assert bob.get_by_test_id("tasks").inner_text() == before


def test_rename_merges_without_a_refetch(web: Web) -> None:
    """merge=board: the renamed task is upserted into board_tasks; one /call/, zero /ctx/."""
    page, log, _ = web.user("alice")
    wait_ready(page)
    item = add_task(page, _title("to rename"))
    task_id = item.get_attribute("data-task-id")
    counts = summary(page)
    settle(page, log)
    since = log.mark()

    renamed = _title("renamed")
    item = page.locator(f"[data-testid=task][data-task-id='{task_id}']")
    item.get_by_test_id("rename-input").fill(renamed)
    item.get_by_test_id("rename-save").click()
    expect(item.get_by_test_id("task-title")).to_have_text(renamed)
    settle(page, log)
    web.step(page, "renamed")
    assert summary(page) == counts
    assert log.calls(since) == log.calls(since, "rename_task") == 1, log.requests[since:]
    expect_count(log.ctx(since=since), 0, "context fetches after a merge")


def test_add_and_toggle_refetch_the_board_once_each(web: Web) -> None:
    """affects=board: each mutation is one /call/ and one batched /ctx/board/ refetch (tasks
    and summary in one bundle), and the summary follows."""
    page, log, _ = web.user("alice")
    wait_ready(page)
    settle(page, log)
    open_, done = summary(page)

    added = log.mark()
    item = add_task(page, _title("to toggle"))
    expect_summary(page, open_ + 1, done)
    settle(page, log)
    web.step(page, "added")
    # The form validates the title as it is typed (task_form.validate), then submits once.
    assert log.calls(added, "task_form.submit") == 1, log.requests[added:]
    assert log.calls(added) == log.calls(added, "task_form.submit") + log.calls(added, "task_form.validate")

    toggled = log.mark()
    item.get_by_test_id("task-toggle").click()
    expect(item.get_by_test_id("task-toggle")).to_be_checked()
    expect_summary(page, open_, done + 1)
    settle(page, log)
    web.step(page, "toggled")
    assert log.calls(toggled) == log.calls(toggled, "toggle_task") == 1, log.requests[toggled:]
    assert log.ctx(since=toggled) == log.ctx("board", toggled)
    # One each: the reply's invalidation; the push of the same mutation skips this tab (its
    # requests name its tab id, which its socket opened with).
    expect_count(log.ctx("board", added) - log.ctx("board", toggled), 1, "board fetches after the add")
    expect_count(log.ctx("board", toggled), 1, "board fetches after the toggle")


def test_chat_message_reaches_the_other_tab(web: Web) -> None:
    """The `chat` channel: a message sent in tab 1 is delivered to tab 2."""
    tab1, _, board = web.user("alice", "tab1")
    tab2, _ = web.page(tab1.context, "tab2")
    wait_ready(tab1)
    open_board(tab2, board)

    text = _title("hello")
    tab1.get_by_test_id("chat-input").fill(text)
    tab1.get_by_test_id("chat-send").click()
    expect(tab2.get_by_test_id("chat-message").filter(has_text=text)).to_have_text(f"alice: {text}")
    web.step(tab2, "tab2-received")
