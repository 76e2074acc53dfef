"""Mizan Tasks on FastAPI, beyond what its Django twin shares (test_demo_twins.py): the
session cookie the demo's ASGI middleware reads, its token kept apart from Mizan's MWTs,
and the cross-site refusals that stand in for Django's CSRF check.

The server is a real uvicorn subprocess on loopback (tests/examples/demo_servers.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.examples.demo_servers import DemoServer, running

pytestmark = pytest.mark.fastapi_adapter

EVIL = "https://evil.example"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    with running("fastapi", tmp_path_factory.mktemp("fastapi-demo")) as demo:
        yield demo


def test_the_session_cookie_is_httponly_and_samesite(server: DemoServer) -> None:
    http = server.client()
    answer = server.login(http, "alice")
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("demo_session=")
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "path", "max-age"} <= flags
    assert "samesite=lax" in cookie.lower()


def test_a_tampered_cookie_is_anonymous(server: DemoServer) -> None:
    http = server.client()
    server.login(http, "alice")
    token = http.cookies["demo_session"]
    http.cookies.set("demo_session", token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert http.get("/api/mizan/ctx/lists/").status_code == 401
    assert http.get("/").headers["location"] == "/login/"


def test_session_tokens_and_mwts_are_not_interchangeable(server: DemoServer) -> None:
    alice = server.session("alice")
    session_token = alice.http.cookies["demo_session"]
    anonymous = server.client()
    refused = anonymous.get("/api/mizan/ctx/lists/", headers={"X-Mizan-Token": session_token})
    assert refused.status_code == 401

    mwt = alice.call("mwt_obtain").json()["result"]["token"]
    as_token = anonymous.get("/api/mizan/ctx/lists/", headers={"X-Mizan-Token": mwt})
    assert as_token.status_code == 200 and as_token.json() == alice.ctx("lists").json()
    anonymous.cookies.set("demo_session", mwt)
    assert anonymous.get("/api/mizan/ctx/lists/").status_code == 401


def test_cross_site_posts_are_refused_and_change_nothing(server: DemoServer) -> None:
    alice = server.session("alice")
    list_id = alice.ctx("lists").json()["my_lists"][0]["id"]
    before = alice.ctx("board", list_id=list_id).json()
    forged = alice.http.post(
        "/api/mizan/call/",
        json={"fn": "add_task", "args": {"list_id": list_id, "title": "Forged"}},
        headers={"Origin": EVIL},
    )
    assert forged.status_code == 403
    assert forged.json()["error"]["code"] == "FORBIDDEN"
    assert alice.ctx("board", list_id=list_id).json() == before
    assert alice.http.post("/logout/", headers={"Origin": EVIL}).status_code == 403
    assert alice.ctx("lists").status_code == 200  # still signed in
    # Reads stay open to the page's own navigation (GET carries no side effect).
    assert alice.http.get("/plain/", headers={"Origin": EVIL}).status_code == 200


def test_a_restart_keeps_sessions_with_a_configured_secret(tmp_path: Path) -> None:
    with running("fastapi", tmp_path, label="-1") as first:
        http = first.client()
        first.login(http, "alice")
        cookie = http.cookies["demo_session"]
    with running("fastapi", tmp_path, label="-2") as second:
        http = second.client()
        http.cookies.set("demo_session", cookie)
        lists = http.get("/api/mizan/ctx/lists/")
        assert lists.status_code == 200 and lists.json()["my_lists"][0]["name"] == "Inbox"
