"""Mizan Tasks, the demo app, through its API on a real server: the functions, guards,
invalidation and merge, uploads, the task form, sign-in and the WebSocket (pushed
invalidation, the chat channel). Parametrised over the demo's twins (`demo_servers.TWINS`):
the same requests must get the same answers from each.

Each test module run starts each twin once; tests that write use their own task titles or
their own list state, so they do not depend on one another's order.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import mizan
from tests.examples.demo_servers import DEMO_DIR, TWIN_MARKS, TWINS, DemoServer, Session, running
from tests.redis_server import RedisServer

MIB = 1024 * 1024
BUNDLE = DEMO_DIR / "demo_app" / "static" / "demo" / "board.js"
FRONTEND_READY = (DEMO_DIR / "frontend" / "node_modules" / "react-dom").is_dir() and (
    DEMO_DIR / "demo_app" / "static" / "demo" / "board.js"
).is_file()


@pytest.fixture(
    scope="module",
    params=[pytest.param(name, marks=getattr(pytest.mark, TWIN_MARKS[name])) for name in sorted(TWINS)],
)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    with running(request.param, tmp_path_factory.mktemp(request.param)) as demo:
        yield demo


@pytest.fixture(scope="module")
def alice(server: DemoServer) -> Session:
    return server.session("alice")


@pytest.fixture(scope="module")
def bob(server: DemoServer) -> Session:
    return server.session("bob")


def inbox(session: Session) -> int:
    """The id of the user's seeded "Inbox" list."""
    lists = session.ctx("lists").json()["my_lists"]
    assert [item["name"] for item in lists] == ["Inbox"]
    list_id: int = lists[0]["id"]
    return list_id


def tasks(session: Session, list_id: int) -> list[dict[str, Any]]:
    reply = session.ctx("board", list_id=list_id)
    assert reply.status_code == 200, reply.text
    found: list[dict[str, Any]] = reply.json()["board_tasks"]
    return found


def error_code(reply: Any) -> str:
    code: str = reply.json()["error"]["code"]
    return code


# --- contexts ---------------------------------------------------------------------------


def test_lists_are_the_users_own(alice: Session, bob: Session) -> None:
    alice_inbox, bob_inbox = inbox(alice), inbox(bob)
    assert alice_inbox != bob_inbox


def test_board_bundle_has_tasks_and_summary(server: DemoServer) -> None:
    carol = server.session("bob")  # a fresh session: the bundle of a list nobody else writes to here
    list_id = inbox(carol)
    bundle = carol.ctx("board", list_id=list_id).json()
    assert sorted(bundle) == ["board_summary", "board_tasks"]
    summary = bundle["board_summary"]
    assert summary["list_id"] == list_id and summary["name"] == "Inbox"
    assert summary["open"] + summary["done"] == len(bundle["board_tasks"])
    for task in bundle["board_tasks"]:
        assert sorted(task) == ["attachments", "done", "id", "title"]


def test_anonymous_gets_401(server: DemoServer) -> None:
    visitor = server.session(None)
    assert visitor.ctx("lists").status_code == 401
    assert error_code(visitor.call("add_task", {"list_id": 1, "title": "nope"})) == "UNAUTHORIZED"


# --- mutations ----------------------------------------------------------------------------


def test_add_task_invalidates_only_that_board(alice: Session) -> None:
    list_id = inbox(alice)
    reply = alice.call("add_task", {"list_id": list_id, "title": "Buy milk"})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["invalidate"] == [{"context": "board", "params": {"list_id": list_id}}]
    assert reply.headers["x-mizan-invalidate"] == f"board;list_id={list_id}"
    assert body["result"]["title"] == "Buy milk" and body["result"]["done"] is False
    assert body["result"] in tasks(alice, list_id)


def test_toggle_task_flips_done_and_the_summary(alice: Session) -> None:
    list_id = inbox(alice)
    task = alice.call("add_task", {"list_id": list_id, "title": "Toggle me"}).json()["result"]
    before = alice.ctx("board", list_id=list_id).json()["board_summary"]
    reply = alice.call("toggle_task", {"list_id": list_id, "task_id": task["id"]})
    assert reply.status_code == 200, reply.text
    assert reply.json()["result"]["done"] is True
    assert reply.json()["invalidate"] == [{"context": "board", "params": {"list_id": list_id}}]
    after = alice.ctx("board", list_id=list_id).json()["board_summary"]
    assert (after["open"], after["done"]) == (before["open"] - 1, before["done"] + 1)


def test_rename_task_merges_without_invalidating(alice: Session) -> None:
    list_id = inbox(alice)
    task = alice.call("add_task", {"list_id": list_id, "title": "Old name"}).json()["result"]
    reply = alice.call("rename_task", {"list_id": list_id, "task_id": task["id"], "title": "New name"})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    renamed = {**task, "title": "New name"}
    assert body == {
        "merge": [{"context": "board", "params": {"list_id": list_id}, "slot": "board_tasks", "value": renamed}],
        "result": renamed,
    }
    assert "x-mizan-invalidate" not in reply.headers
    assert renamed in tasks(alice, list_id)  # the origin cache was purged (MRG-8)


def test_attach_file_and_the_upload_limit(alice: Session) -> None:
    list_id = inbox(alice)
    task = alice.call("add_task", {"list_id": list_id, "title": "With files"}).json()["result"]
    args = {"list_id": list_id, "task_id": task["id"]}
    reply = alice.call("attach_file", args, files={"file": ("notes.txt", b"x" * MIB, "text/plain")})
    assert reply.status_code == 200, reply.text
    attachment = reply.json()["result"]
    assert attachment["name"] == "notes.txt" and attachment["size"] == MIB
    assert reply.json()["invalidate"] == [{"context": "board", "params": {"list_id": list_id}}]
    (stored,) = [t for t in tasks(alice, list_id) if t["id"] == task["id"]]
    assert stored["attachments"] == [attachment]

    too_big = alice.call("attach_file", args, files={"file": ("big.bin", b"x" * (MIB + 1), "application/octet-stream")})
    assert too_big.status_code == 400 and error_code(too_big) == "BAD_REQUEST"
    (unchanged,) = [t for t in tasks(alice, list_id) if t["id"] == task["id"]]
    assert unchanged["attachments"] == [attachment]


def test_fail_on_purpose_is_a_500(alice: Session) -> None:
    reply = alice.call("fail_on_purpose")
    assert reply.status_code == 500
    assert error_code(reply) == "INTERNAL_ERROR"


# --- guards: another user's list is NOT_FOUND, never its data -------------------------------


@pytest.mark.parametrize(
    ("fn", "extra"),
    [
        ("add_task", {"title": "intruder"}),
        ("toggle_task", {"task_id": None}),
        ("rename_task", {"task_id": None, "title": "intruder"}),
    ],
)
def test_another_users_list_is_not_found_on_calls(alice: Session, bob: Session, fn: str, extra: dict[str, Any]) -> None:
    list_id = inbox(alice)
    victim = tasks(alice, list_id)[0]
    args = {"list_id": list_id, **{k: (victim["id"] if v is None else v) for k, v in extra.items()}}
    reply = bob.call(fn, args)
    assert reply.status_code == 404 and error_code(reply) == "NOT_FOUND"
    assert "intruder" not in reply.text and victim["title"] not in reply.text
    assert victim in tasks(alice, list_id)  # nothing changed


def test_another_users_board_is_not_found(alice: Session, bob: Session) -> None:
    list_id = inbox(alice)
    reply = bob.ctx("board", list_id=list_id)
    assert reply.status_code == 404 and error_code(reply) == "NOT_FOUND"
    assert "Inbox" not in reply.text
    assert bob.ctx("board", list_id=999_999).json() == reply.json()  # same as a list that does not exist


def test_another_users_task_cannot_get_files(alice: Session, bob: Session) -> None:
    list_id = inbox(alice)
    victim = tasks(alice, list_id)[0]
    args = {"list_id": list_id, "task_id": victim["id"]}
    reply = bob.call("attach_file", args, files={"file": ("x.txt", b"x", "text/plain")})
    assert reply.status_code == 404 and error_code(reply) == "NOT_FOUND"
    assert [t for t in tasks(alice, list_id) if t["id"] == victim["id"]] == [victim]


# --- the task form --------------------------------------------------------------------------


def test_task_form_schema(alice: Session) -> None:
    schema = alice.call("task_form.schema").json()["result"]
    assert schema["name"] == "task_form" and schema["live_validation"] is True
    assert set(schema["fields"]) == {"title", "list_id"}
    title = schema["fields"]["title"]
    assert (title["required"], title["min_length"], title["max_length"]) == (True, 3, 80)
    assert schema["fields"]["list_id"]["widget"] == "hidden"


def test_task_form_live_validation(alice: Session, bob: Session) -> None:
    list_id = inbox(alice)
    existing = tasks(alice, list_id)[0]["title"]

    def validate(session: Session, title: str) -> dict[str, Any]:
        args = {"data": {"list_id": list_id, "title": title}, "fields": ["title"]}
        reply = session.call("task_form.validate", args)
        assert reply.status_code == 200, reply.text
        result: dict[str, Any] = reply.json()["result"]
        return result

    assert validate(alice, "ab")["valid"] is False
    assert validate(alice, "x" * 81)["valid"] is False
    duplicate = validate(alice, existing)
    assert duplicate["valid"] is False and list(duplicate["errors"]) == ["title"]
    assert validate(alice, "A brand new title") == {"valid": True, "errors": {}, "non_field_errors": []}
    # Bob learns nothing about Alice's titles.
    assert validate(bob, existing)["errors"].get("title") is None


def test_task_form_submit(alice: Session, bob: Session) -> None:
    list_id = inbox(alice)
    data = {"list_id": list_id, "title": "Submitted by form"}
    reply = alice.call("task_form.submit", {"data": data})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["result"]["success"] is True
    assert "board" in json.dumps(body["invalidate"])
    assert any(t["title"] == "Submitted by form" for t in tasks(alice, list_id))

    again = alice.call("task_form.submit", {"data": data}).json()["result"]
    assert again["success"] is False and list(again["errors"]) == ["title"]

    # Another user's list is a field error of the hidden `list_id`, as a missing list.
    stolen = bob.call("task_form.submit", {"data": {"list_id": list_id, "title": "Bob was here"}})
    assert stolen.status_code == 200, stolen.text
    assert stolen.json()["result"] == {
        "success": False,
        "errors": {"list_id": ["No such list."]},
        "non_field_errors": [],
    }
    assert (
        stolen.json()["result"]
        == bob.call("task_form.submit", {"data": {"list_id": 999_999, "title": "Bob was here"}}).json()["result"]
    )
    assert "invalidate" not in stolen.json()
    assert all(t["title"] != "Bob was here" for t in tasks(alice, list_id))


# --- pages ----------------------------------------------------------------------------------


def test_pages_need_a_session(server: DemoServer) -> None:
    visitor = server.session(None)
    for path in ("/", "/plain/", "/lists/1/"):
        reply = visitor.http.get(path)
        assert reply.status_code == 302 and "/login/" in reply.headers["location"], path


def test_plain_page_imports_the_packaged_runtime(alice: Session) -> None:
    reply = alice.http.get("/plain/")
    assert reply.status_code == 200
    assert '<script type="module" src="/static/demo/plain.js">' in reply.text
    for test_id in ("plain-status", "plain-lists", "plain-add"):
        assert f'data-testid="{test_id}"' in reply.text
    script = alice.http.get("/static/demo/plain.js")
    assert script.status_code == 200
    assert 'import { createClient } from "../mizan/client.js";' in script.text  # /static/mizan/client.js
    runtime = alice.http.get("/static/mizan/client.js")
    assert runtime.status_code == 200
    assert runtime.content == (Path(mizan.__file__).parent / "static" / "mizan" / "client.js").read_bytes()


def test_board_page_of_another_user_is_404(alice: Session, bob: Session) -> None:
    reply = bob.http.get(f"/lists/{inbox(alice)}/")
    assert reply.status_code == 404
    assert all(t["title"] not in reply.text for t in tasks(alice, inbox(alice)))


@pytest.mark.skipif(
    not FRONTEND_READY, reason="the demo's frontend is not installed (npm ci in examples/demo/frontend)"
)
def test_board_page_is_server_rendered_with_the_hydration_props(alice: Session) -> None:
    list_id = inbox(alice)
    reply = alice.http.get(f"/lists/{list_id}/")
    assert reply.status_code == 200, reply.text
    embedded = re.search(r"<script>window.__MIZAN_SSR_DATA__=(.*?)</script>", reply.text)
    assert embedded is not None, reply.text
    props = json.loads(embedded.group(1))
    bundles = {**alice.ctx("board", list_id=list_id).json(), **alice.ctx("lists").json()}
    assert props == {**bundles, "list_id": list_id, "username": "alice"}
    assert 'src="/static/demo/board.js"' in reply.text
    assert 'data-testid="summary"' in reply.text
    # The worker rendered the component: the tasks are in the HTML, before any script runs.
    markup = reply.text.split('<div id="mizan-root">', 1)[1].split("<script>", 1)[0]
    summary = props["board_summary"]
    assert f'<p data-testid="summary">{summary["open"]} open · {summary["done"]} done</p>' in markup
    for task in props["board_tasks"]:
        assert f'data-task-id="{task["id"]}"' in markup
        assert f'<span class="task-title" data-testid="task-title">{html.escape(task["title"])}</span>' in markup
    assert alice.http.get("/static/demo/board.js").status_code == 200


def test_static_files(server: DemoServer) -> None:
    http = server.client()
    runtime = http.get("/static/mizan/client.js")
    assert runtime.status_code == 200 and "javascript" in runtime.headers["content-type"]
    assert http.get("/static/demo/demo.css").status_code == 200
    assert http.get("/static/demo/nope.js").status_code == 404


@pytest.mark.skipif(not BUNDLE.is_file(), reason="the demo's bundle is not built (make demo-assets)")
def test_board_bundle_is_served(server: DemoServer) -> None:
    bundle = server.client().get("/static/demo/board.js")
    assert bundle.status_code == 200 and "javascript" in bundle.headers["content-type"]
    assert bundle.content == BUNDLE.read_bytes()


# --- the origin cache -------------------------------------------------------------------------


def test_origin_cache_is_per_user_and_purged_by_mutations(server: DemoServer) -> None:
    alice, bob = server.session("alice"), server.session("bob")
    list_id = inbox(alice)
    alice.call("add_task", {"list_id": list_id, "title": "Starts from a purge"})  # whatever came before
    first = alice.ctx("board", list_id=list_id)
    assert first.headers["x-mizan-cache"] == "MISS"
    again = alice.ctx("board", list_id=list_id)
    assert again.headers["x-mizan-cache"] == "HIT" and again.content == first.content
    # Another user's answer is never served from alice's entry: a NOT_FOUND of their own.
    refused = bob.ctx("board", list_id=list_id)
    assert refused.status_code == 404 and "x-mizan-cache" not in refused.headers

    added = alice.call("add_task", {"list_id": list_id, "title": "Purges the cache"}).json()["result"]
    after = alice.ctx("board", list_id=list_id)
    assert after.headers["x-mizan-cache"] == "MISS"
    assert added in after.json()["board_tasks"]


@pytest.mark.parametrize(
    "twin", [pytest.param(name, marks=getattr(pytest.mark, TWIN_MARKS[name])) for name in sorted(TWINS)]
)
def test_redis_shares_the_cache_and_the_pushes_between_processes(
    twin: str, redis_server: RedisServer, tmp_path: Path
) -> None:
    redis = {"MIZAN_DEMO_REDIS_URL": redis_server.url}
    with running(twin, tmp_path, redis, "-a") as first, running(twin, tmp_path, redis, "-b") as second:
        alice_first, alice_second = first.session("alice"), second.session("alice")
        list_id = inbox(alice_first)
        alice_first.call("add_task", {"list_id": list_id, "title": "Starts from a purge"})
        assert alice_first.ctx("board", list_id=list_id).headers["x-mizan-cache"] == "MISS"
        # The other process answers from the entry the first one stored in Redis.
        assert alice_second.ctx("board", list_id=list_id).headers["x-mizan-cache"] == "HIT"

        with alice_second.socket() as socket, second.session("bob").socket() as bobs:
            assert socket.request("subscribe", channel="chat", params={"list_id": list_id})["ok"] is True
            reply = alice_first.call("add_task", {"list_id": list_id, "title": "Across processes"})
            assert reply.status_code == 200, reply.text
            entry = [{"context": "board", "params": {"list_id": list_id}}]
            assert socket.receive() == {"invalidate": entry, "type": "invalidate"}
            assert alice_second.ctx("board", list_id=list_id).headers["x-mizan-cache"] == "MISS"

            # A chat message sent through one process reaches the subscriber on the other.
            with alice_first.socket() as sender:
                sent = sender.request("send", channel="chat", params={"list_id": list_id}, message={"text": "hop"})
                assert sent["ok"] is True
            message = {"text": "hop", "user": "alice"}
            assert socket.receive() == {
                "channel": "chat",
                "message": message,
                "params": {"list_id": list_id},
                "type": "message",
            }
            frame_id = bobs.send("rpc", fn="my_lists", args={})
            assert bobs.receive()["id"] == frame_id  # Bob's socket got none of it


# --- sign-in ------------------------------------------------------------------------------


def test_login_logout(server: DemoServer) -> None:
    http = server.client()
    wrong = server.login(http, "alice", "not-the-password")
    assert wrong.status_code in (200, 400) and "sessionid" not in wrong.cookies
    assert http.get("/").headers["location"].endswith("/login/")

    answer = server.login(http, "alice")
    assert answer.status_code in (302, 303)
    home = http.get("/")
    assert home.status_code == 302 and "/lists/" in home.headers["location"]
    assert http.get("/api/mizan/ctx/lists/").status_code == 200

    out = server.logout(http)
    assert out.status_code in (302, 303)
    assert http.get("/api/mizan/ctx/lists/").status_code == 401
    assert http.get("/").headers["location"].endswith("/login/")


# --- the WebSocket -------------------------------------------------------------------------


def test_pushed_invalidation_reaches_the_users_other_sockets_only(alice: Session, bob: Session) -> None:
    list_id = inbox(alice)
    with alice.socket() as first, alice.socket() as second, bob.socket() as other:
        reply = first.request("rpc", fn="add_task", args={"list_id": list_id, "title": "Over the socket"})
        assert reply["result"]["title"] == "Over the socket"
        entry = [{"context": "board", "params": {"list_id": list_id}}]
        assert reply["invalidate"] == entry
        assert second.receive() == {"invalidate": entry, "type": "invalidate"}

        # A mutation over HTTP reaches every socket of the user.
        assert alice.call("add_task", {"list_id": list_id, "title": "Over HTTP"}).status_code == 200
        assert first.receive() == {"invalidate": entry, "type": "invalidate"}
        assert second.receive() == {"invalidate": entry, "type": "invalidate"}

        # Bob's socket got neither push: its next frame is the reply to its own call.
        frame_id = other.send("rpc", fn="my_lists", args={})
        frame = other.receive()
        assert frame["id"] == frame_id, frame
        assert "Inbox" in json.dumps(frame["result"])


def test_chat_channel(alice: Session, bob: Session) -> None:
    list_id = inbox(alice)
    params = {"list_id": list_id}
    with alice.socket() as first, alice.socket() as second, bob.socket() as other:
        assert first.request("subscribe", channel="chat", params=params) == {"id": 1, "ok": True}
        assert second.request("subscribe", channel="chat", params=params) == {"id": 1, "ok": True}
        refused = other.request("subscribe", channel="chat", params=params)
        assert refused["error"]["code"] == "NOT_FOUND"
        assert other.request("send", channel="chat", params=params, message={"text": "hi"})["error"]["code"] == (
            "NOT_FOUND"
        )

        assert first.request("send", channel="chat", params=params, message={"text": "hello"})["ok"] is True
        delivery = {
            "channel": "chat",
            "message": {"text": "hello", "user": "alice"},
            "params": params,
            "type": "message",
        }
        assert first.receive() == delivery
        assert second.receive() == delivery

        frame_id = other.send("rpc", fn="my_lists", args={})
        assert other.receive()["id"] == frame_id  # nothing delivered to Bob


def test_cross_site_socket_is_refused(alice: Session) -> None:
    with pytest.raises(Exception) as refused, alice.socket(origin="https://evil.example"):
        pass
    assert "403" in str(refused.value)


# --- one API, two twins ------------------------------------------------------------------------

# Django-only built-ins (session-bound JWTs do not exist on FastAPI, JWT-5).
DJANGO_ONLY = ("jwtObtain", "jwtRefresh", "jwt_obtain", "jwt_refresh")


def ir_blocks(text: str) -> list[str]:
    """The IR's top-level nodes, each as its text, without the Django-only built-ins."""
    blocks: list[str] = []
    for line in text.splitlines(keepends=True):
        if line[:1] not in (" ", "}") or not blocks:
            blocks.append(line)
        else:
            blocks[-1] += line
    return [block for block in blocks if not block.split('"')[1:2] or not block.split('"')[1].startswith(DJANGO_ONLY)]


def test_both_twins_export_the_same_ir(tmp_path: Path) -> None:
    """The typed client generated from the Django demo's IR (make demo-assets) fits the
    FastAPI twin: the same functions, shapes, contexts, forms and channels, node for node."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["MIZAN_DEMO_DB"] = str(tmp_path / "django.sqlite3")
    env["MIZAN_DEMO_FASTAPI_DB"] = str(tmp_path / "fastapi.sqlite3")
    commands = {
        "django": [sys.executable, "manage.py", "export_mizan_ir", "-o", str(tmp_path / "django.kdl")],
        "fastapi": [
            sys.executable,
            "-m",
            "mizan_fastapi.ir",
            "fastapi_demo.app:app",
            "-o",
            str(tmp_path / "fastapi.kdl"),
        ],
    }
    for name, command in commands.items():
        done = subprocess.run(command, cwd=DEMO_DIR, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{name}: {done.stderr}"
    django = ir_blocks((tmp_path / "django.kdl").read_text())
    fastapi = ir_blocks((tmp_path / "fastapi.kdl").read_text())
    assert any('function "attach_file"' in block for block in fastapi)
    assert any('"task_form' in block for block in fastapi) and any('"chat"' in block for block in fastapi)
    assert fastapi == django
    assert not (tmp_path / "fastapi.sqlite3").exists()  # exporting the IR writes no database
