"""Failures seen from the browser: a server error shown as INTERNAL, and a dropped socket
that reconnects and still carries pushes.

The socket is dropped for real: every socket of the context goes through Playwright's
WebSocket route, which forwards frames to the demo server; closing the server side closes
the server's connection and, through the route, the page's, so the runtime sees its socket
close and must open a new one (which the route forwards again).
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import WebSocketRoute, expect

from tests.browser.pages import TIMEOUT_MS, add_task, login, open_board, task, wait_ready
from tests.browser.web import Web

WS_URL = re.compile(r"/api/mizan/ws/")
# Records every text the connection-status element shows, so a short `reconnecting` phase
# is seen however quickly the runtime reconnects (expect() polls and could miss it).
RECORD_STATUS = """
window.__mizanStatus = [];
const record = () => {
  const element = document.querySelector('[data-testid=connection-status]');
  const text = element ? element.textContent : null;
  const seen = window.__mizanStatus;
  if (text !== null && seen[seen.length - 1] !== text) seen.push(text);
};
new MutationObserver(record).observe(document, {subtree: true, childList: true, characterData: true});
"""


def test_server_error_shows_internal(web: Web) -> None:
    page, _, _ = web.user("alice")
    wait_ready(page)
    page.get_by_test_id("trigger-error").click()
    expect(page.get_by_test_id("error-banner")).to_contain_text("INTERNAL")
    web.step(page, "internal")


def test_dropped_socket_reconnects_and_still_syncs(web: Web) -> None:
    context = web.context()
    servers: list[WebSocketRoute] = []

    def forward(socket: WebSocketRoute) -> None:
        servers.append(socket.connect_to_server())

    context.route_web_socket(WS_URL, forward)
    context.add_init_script(RECORD_STATUS)
    tab1, _ = web.page(context, "tab1")
    board = login(tab1, "alice")
    wait_ready(tab1)
    tab2, _ = web.page(context, "tab2")
    open_board(tab2, board)
    opened = len(servers)
    assert opened >= 2, f"expected a socket per tab through the route, saw {opened}"

    for server in list(servers):
        server.close()  # the server's connection closes, and with it the page's
    for tab in (tab1, tab2):
        tab.wait_for_function(
            "() => { const s = window.__mizanStatus; const i = s.indexOf('reconnecting'); "
            "return i >= 0 && s.indexOf('open', i) > i; }",
            timeout=TIMEOUT_MS,
        )
        expect(tab.get_by_test_id("connection-status")).to_have_text("open")
    web.step(tab2, "reconnected")
    assert len(servers) >= opened + 2, "the runtime did not open new sockets"

    title = f"after the drop {uuid.uuid4().hex[:8]}"
    add_task(tab1, title)
    expect(task(tab2, title)).to_have_count(1)
    web.step(tab2, "synced-after-reconnect")
