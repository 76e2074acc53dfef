"""The new-task form's live validation and attachments, in a real browser: errors while
typing (before any submit), file inputs sent as multipart uploads, and the 1 MiB limit
answered with BAD_REQUEST while the page stays usable."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.browser.pages import add_task, settle, task, task_ids, wait_ready
from tests.browser.web import Web

MIB = 1024 * 1024


def test_live_validation_shows_and_clears_the_error_while_typing(web: Web) -> None:
    page, log, _ = web.user("alice")
    wait_ready(page)
    before = task_ids(page)
    since = log.mark()
    field = page.get_by_test_id("new-task-title")
    error = page.get_by_test_id("new-task-error")

    field.press_sequentially("ab")  # under the 3-character minimum, and never submitted
    expect(error).to_be_visible()
    web.step(page, "too-short")
    assert task_ids(page) == before

    title = f"long enough {uuid.uuid4().hex[:8]}"
    field.fill("")
    field.press_sequentially(title)
    expect(error).to_have_count(0)
    web.step(page, "fixed")

    page.get_by_test_id("new-task-submit").click()
    expect(task(page, title)).to_have_count(1)
    settle(page, log)
    web.step(page, "submitted")
    assert len(task_ids(page) - before) == 1
    assert log.ctx("board", since) >= 1  # the submit's affects=board refetch


def test_duplicate_title_is_refused_while_typing(web: Web) -> None:
    """task_form: a title equal to an existing one in the list is an error before submit."""
    page, _, _ = web.user("alice")
    wait_ready(page)
    title = f"unique {uuid.uuid4().hex[:8]}"
    add_task(page, title)
    page.get_by_test_id("new-task-title").fill("")
    page.get_by_test_id("new-task-title").press_sequentially(title)
    expect(page.get_by_test_id("new-task-error")).to_be_visible()
    web.step(page, "duplicate")


def test_attached_file_shows_its_name(web: Web) -> None:
    page, _, _ = web.user("alice")
    wait_ready(page)
    item = add_task(page, f"with file {uuid.uuid4().hex[:8]}")
    name = "notes.txt"
    item.get_by_test_id("attach-input").set_input_files(
        {"name": name, "mimeType": "text/plain", "buffer": b"a small attachment\n"}
    )
    expect(item.get_by_test_id("attachment")).to_have_text(name)
    web.step(page, "attached")


def test_oversize_upload_is_bad_request_and_the_page_stays_usable(web: Web) -> None:
    page, _, _ = web.user("alice")
    wait_ready(page)
    item = add_task(page, f"big file {uuid.uuid4().hex[:8]}")
    item.get_by_test_id("attach-input").set_input_files(
        {"name": "big.bin", "mimeType": "application/octet-stream", "buffer": b"\0" * (MIB + 1)}
    )
    expect(page.get_by_test_id("error-banner")).to_contain_text("BAD_REQUEST")
    web.step(page, "refused")
    expect(item.get_by_test_id("attachment")).to_have_count(0)
    add_task(page, f"after the refusal {uuid.uuid4().hex[:8]}")
    web.step(page, "still-usable")
