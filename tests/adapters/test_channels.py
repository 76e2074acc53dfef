"""Channels on both adapters (PROTOCOL CHAN-1..5, CHAN-7): subscribe/unsubscribe/send frames
and their errors, delivery frames, pushes from server code, `receive` broadcasting to the
group, hooks seeing the socket's user; and live invalidation (WS-9): a mutation on any
transport reaches the same user's other sockets, and nobody else's.

Expected frames are built with the standard library's encoder in canonical form (JSON-1).
A socket that must receive nothing is checked with `expect_quiet()` after a socket that
must receive the same push has received it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.adapters import ws_functions
from tests.adapters.conftest import Adapter
from tests.adapters.conftest import frame_text as text
from tests.adapters.ws_channels import AsyncNews, News, register_channels, send, subscribe, unsubscribe

CHANNELS = pytest.mark.capability("Channels", "django", "fastapi")
LIVE = pytest.mark.capability("WebSocket RPC", "django", "fastapi")  # WS-9 is a WebSocket RPC rule


def ok(frame_id: Any) -> str:
    return text({"id": frame_id, "ok": True})


def error(frame_id: Any, code: str, message: str, details: Any = None) -> str:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return text({"id": frame_id, "error": body})


def delivery(channel: str, params: dict[str, Any], message: dict[str, Any]) -> str:
    return text({"type": "message", "channel": channel, "params": params, "message": message})


def invalidated(entries: list[Any]) -> str:
    return text({"type": "invalidate", "invalidate": entries})


@pytest.fixture(autouse=True)
def ws(adapter: Adapter, register: Callable[..., None]) -> Iterator[Adapter]:
    register(**ws_functions.functions(adapter.name))
    register_channels()
    yield adapter


# --- CHAN-3: replies and errors ----------------------------------------------------------------


@CHANNELS
def test_chan3_subscribe_and_unsubscribe_answer_ok(ws: Adapter) -> None:
    with ws.websocket() as socket:
        assert socket.ask(subscribe(1, "news", {"topic": "a"})) == ok(1)
        assert socket.ask(subscribe(2, "news", {"topic": "a"})) == ok(2)  # the same subscription again
        assert socket.ask(unsubscribe(3, "news", {"topic": "a"})) == ok(3)
        assert socket.ask(unsubscribe(4, "news", {"topic": "a"})) == ok(4)  # no longer subscribed
        assert socket.ask(unsubscribe(5, "news", {"topic": "never"})) == ok(5)
        assert socket.ask(unsubscribe(6, "room", {"room": "r"})) == ok(6)  # unsubscribing needs no authorize
        News.push({"topic": "a"}, {"headline": "after unsubscribing"})
        socket.expect_quiet()


@CHANNELS
@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (subscribe(1, "nope", {}), error(1, "NOT_FOUND", "Channel not found", {"channel": "nope"})),
        (send(1, "nope", {}, {"text": "x"}), error(1, "NOT_FOUND", "Channel not found", {"channel": "nope"})),
        (unsubscribe(1, "nope", {}), error(1, "NOT_FOUND", "Channel not found", {"channel": "nope"})),
        (subscribe(1, "closed"), error(1, "FORBIDDEN", "Permission denied")),
        (subscribe(1, "room", {"room": "r"}), error(1, "FORBIDDEN", "Permission denied")),  # anonymous
        (subscribe(1, "async_news", {"topic": "zebra"}), error(1, "FORBIDDEN", "Permission denied")),
        (
            subscribe(1, "news", {}),
            error(1, "VALIDATION_ERROR", "Input validation failed", {"fields": {"params.topic": ["Field required"]}}),
        ),
        (
            subscribe(1, "news", {"topic": 5}),
            error(
                1,
                "VALIDATION_ERROR",
                "Input validation failed",
                {"fields": {"params.topic": ["Input should be a valid string"]}},
            ),
        ),
        (
            subscribe(1, "closed", {"x": 1}),
            error(
                1,
                "VALIDATION_ERROR",
                "Input validation failed",
                {"fields": {"params": ["This channel takes no params"]}},
            ),
        ),
        (
            send(1, "news", {"topic": "a"}, {"headline": "x"}),
            error(1, "BAD_REQUEST", "This channel is one-way: clients cannot send on it"),
        ),
        (
            send(1, "async_news", {"topic": "a"}, {"txt": "x"}),
            error(1, "VALIDATION_ERROR", "Input validation failed", {"fields": {"message.text": ["Field required"]}}),
        ),
    ],
    ids=lambda value: str(value)[:60] if isinstance(value, dict) else "",
)
def test_chan3_errors(ws: Adapter, frame: dict[str, Any], expected: str) -> None:
    with ws.websocket() as socket:
        assert socket.ask(frame) == expected
        assert socket.rpc("next", "ws_fast", {"n": 1}) == text({"id": "next", "result": 1})
        socket.expect_quiet()


@CHANNELS
def test_chan7_subscriptions_are_bounded_by_the_setting(ws: Adapter) -> None:
    ws.configure(MIZAN_WS_MAX_SUBSCRIPTIONS=3)
    over = error(9, "BAD_REQUEST", "Too many subscriptions on this socket", {"max_subscriptions": 3})
    with ws.websocket() as socket:
        for n in range(3):
            assert socket.ask(subscribe(n, "news", {"topic": f"t{n}"})) == ok(n)
        assert socket.ask(subscribe(9, "news", {"topic": "t3"})) == over
        assert socket.ask(subscribe(4, "news", {"topic": "t0"})) == ok(4)  # held already: no room needed
        assert socket.ask(unsubscribe(5, "news", {"topic": "t1"})) == ok(5)
        assert socket.ask(subscribe(6, "news", {"topic": "t3"})) == ok(6)
        assert socket.ask(subscribe(9, "news", {"topic": "t4"})) == over
        News.push({"topic": "t3"}, {"headline": "to the latest"})
        assert socket.receive_text() == delivery("news", {"topic": "t3"}, {"headline": "to the latest"})
        News.push({"topic": "t4"}, {"headline": "refused"})
        socket.expect_quiet()


# --- CHAN-4, CHAN-5: deliveries and pushes ----------------------------------------------------


@CHANNELS
def test_chan5_push_from_sync_code_reaches_the_groups_subscribers(ws: Adapter) -> None:
    with ws.websocket() as first, ws.websocket() as second, ws.websocket() as elsewhere:
        assert first.ask(subscribe(1, "news", {"topic": "a"})) == ok(1)
        assert second.ask(subscribe(1, "news", {"topic": "a"})) == ok(1)
        assert elsewhere.ask(subscribe(1, "news", {"topic": "b"})) == ok(1)
        News.push({"topic": "a"}, {"headline": "héllo"})
        expected = delivery("news", {"topic": "a"}, {"headline": "héllo"})
        assert first.receive_text() == expected
        assert second.receive_text() == expected
        elsewhere.expect_quiet()
        News.push(News.Params(topic="b"), News.DjangoMessage(headline="models too"))
        assert elsewhere.receive_text() == delivery("news", {"topic": "b"}, {"headline": "models too"})
        first.expect_quiet()
        second.expect_quiet()


@CHANNELS
def test_chan5_apush_from_async_code(ws: Adapter) -> None:
    """`apush` awaited on the application's own event loop, as a handler there would."""
    with ws.websocket() as socket:
        assert socket.ask(subscribe(1, "news", {"topic": "a"})) == ok(1)
        socket.session.portal.call(News.apush, {"topic": "a"}, News.DjangoMessage(headline="async"))
        assert socket.receive_text() == delivery("news", {"topic": "a"}, {"headline": "async"})
        socket.expect_quiet()


@CHANNELS
def test_chan5_push_refuses_what_does_not_fit(ws: Adapter) -> None:
    import pydantic

    with pytest.raises(pydantic.ValidationError):
        News.push({"topic": "a"}, {"headline": 5})
    with pytest.raises(pydantic.ValidationError):
        News.push({"subject": "a"}, {"headline": "x"})


# --- CHAN-1: receive, group, authorize with the socket's user --------------------------------------


@CHANNELS
def test_chan1_receive_broadcasts_to_the_group_sender_included(ws: Adapter) -> None:
    with ws.websocket(identity="alice") as alice, ws.websocket(identity="bob") as bob:
        with ws.websocket(identity="carol-staff") as other_room:
            assert alice.ask(subscribe(1, "room", {"room": "r1"})) == ok(1)
            assert bob.ask(subscribe(1, "room", {"room": "r1"})) == ok(1)
            assert other_room.ask(subscribe(1, "room", {"room": "r2"})) == ok(1)
            alice.send_json(send(2, "room", {"room": "r1"}, {"text": "hi"}))
            said = delivery("room", {"room": "r1"}, {"text": "hi", "user": "account:alice"})
            assert sorted([alice.receive_text(), alice.receive_text()]) == sorted([ok(2), said])
            assert bob.receive_text() == said
            other_room.expect_quiet()
            assert bob.ask(send(3, "room", {"room": "r1"}, {"text": "silence"})) == ok(3)  # receive returned None
            for socket in (alice, bob, other_room):
                socket.expect_quiet()


@CHANNELS
def test_chan1_send_needs_no_subscription_but_is_authorized(ws: Adapter) -> None:
    with ws.websocket(identity="alice") as alice, ws.websocket() as anonymous:
        assert alice.ask(subscribe(1, "room", {"room": "r1"})) == ok(1)
        assert anonymous.ask(send(2, "room", {"room": "r1"}, {"text": "x"})) == error(
            2, "FORBIDDEN", "Permission denied"
        )
        assert alice.ask(send(3, "room", {"room": "locked"}, {"text": "x"})) == error(
            3, "FORBIDDEN", "Permission denied"
        )
        assert anonymous.ask(send(4, "async_news", {"topic": "a"}, {"text": "anyone"})) == ok(4)  # unsubscribed sender
        alice.expect_quiet()
        anonymous.expect_quiet()


@CHANNELS
def test_chan1_async_hooks_and_a_group_shared_by_every_topic(ws: Adapter) -> None:
    from mizan.core.errors import ConfigError

    with ws.websocket() as first, ws.websocket() as second:
        assert first.ask(subscribe(1, "async_news", {"topic": "a1"})) == ok(1)
        assert second.ask(subscribe(1, "async_news", {"topic": "a2"})) == ok(1)
        second.send_json(send(2, "async_news", {"topic": "a2"}, {"text": "loud"}))
        expected = delivery("async_news", {"topic": "a2"}, {"text": "LOUD"})  # the sender's params
        assert sorted([second.receive_text(), second.receive_text()]) == sorted([ok(2), expected])
        assert first.receive_text() == expected
        with pytest.raises(ConfigError):
            AsyncNews.push({"topic": "a1"}, {"text": "an async group needs apush"})
        second.session.portal.call(AsyncNews.apush, {"topic": "a9"}, {"text": "pushed"})
        pushed = delivery("async_news", {"topic": "a9"}, {"text": "pushed"})
        assert (first.receive_text(), second.receive_text()) == (pushed, pushed)
        first.expect_quiet()
        second.expect_quiet()


@CHANNELS
def test_chan1_authorize_follows_an_auth_frame(ws: Adapter) -> None:
    """`self.user` is the socket's identity at the time of the frame (WS-2)."""
    from tests.adapters.test_ws import SECRET, token_for

    ws.configure(MIZAN_MWT_SECRET=SECRET)
    with ws.websocket() as socket:
        assert socket.ask(subscribe(1, "room", {"room": "r"})) == error(1, "FORBIDDEN", "Permission denied")
        assert socket.ask({"action": "auth", "id": "t", "token": token_for("9")}) == ok("t")
        assert socket.ask(subscribe(2, "room", {"room": "r"})) == ok(2)


# --- WS-9: live invalidation ---------------------------------------------------------------------

PROFILE_5 = [{"context": "ws_profile", "params": {"user_id": 5}}]


@LIVE
def test_ws9_a_mutation_over_http_reaches_the_users_sockets_only(ws: Adapter) -> None:
    with ws.websocket(identity="alice") as alice, ws.websocket(identity="alice") as alice_again:
        with ws.websocket(identity="bob") as bob, ws.websocket() as anonymous:
            answer = ws.call("ws_update_profile", {"user_id": 5, "name": "A"}, identity="alice")
            assert answer.json()["invalidate"] == PROFILE_5
            assert alice.receive_text() == invalidated(PROFILE_5)
            assert alice_again.receive_text() == invalidated(PROFILE_5)
            for socket in (alice, alice_again, bob, anonymous):
                socket.expect_quiet()


@LIVE
def test_ws9_a_mutation_over_a_socket_reaches_the_users_other_sockets(ws: Adapter) -> None:
    with ws.websocket(identity="alice") as origin, ws.websocket(identity="alice") as other_tab:
        with ws.websocket(identity="bob") as bob, ws.websocket() as anonymous:
            assert origin.rpc(1, "ws_update_profile", {"user_id": 5, "name": "A"}) == text(
                {"id": 1, "invalidate": PROFILE_5, "result": {"ok": True}}
            )
            assert other_tab.receive_text() == invalidated(PROFILE_5)
            for socket in (origin, other_tab, bob, anonymous):
                socket.expect_quiet()  # the origin had its reply, and only that


@LIVE
def test_ws9_merges_are_pushed_as_what_they_touch(ws: Adapter) -> None:
    with ws.websocket(identity="bob") as bob:
        assert ws.call("ws_rename_item", {"item_id": 42, "name": "n"}, identity="bob").status == 200
        assert bob.receive_text() == invalidated(
            [{"context": "ws_items", "function": "ws_item", "params": {"item_id": 42}}]
        )
        bob.expect_quiet()


@LIVE
def test_ws9_anonymous_and_failed_mutations_push_nothing(ws: Adapter) -> None:
    with ws.websocket(identity="alice") as alice, ws.websocket() as anonymous:
        assert ws.call("ws_update_profile", {"user_id": 5, "name": "A"}).status == 200  # anonymous
        assert ws.call("ws_update_profile", {"user_id": "x", "name": "A"}, identity="alice").status == 422
        assert anonymous.rpc(1, "ws_update_profile", {"user_id": 5, "name": "A"}) == text(
            {"id": 1, "invalidate": PROFILE_5, "result": {"ok": True}}
        )
        # Then a push that does arrive: had any of the above pushed, it would come first.
        assert ws.call("ws_update_profile", {"user_id": 6, "name": "A"}, identity="alice").status == 200
        assert alice.receive_text() == invalidated([{"context": "ws_profile", "params": {"user_id": 6}}])
        alice.expect_quiet()
        anonymous.expect_quiet()


@LIVE
def test_ws9_an_auth_frame_moves_the_socket_to_the_token_users_pushes(ws: Adapter) -> None:
    from tests.adapters.test_ws import SECRET, token_for

    ws.configure(MIZAN_MWT_SECRET=SECRET)
    token = token_for("9")
    headers = {"X-Mizan-Token": token, "Content-Type": "application/json"}
    with ws.websocket(identity="alice") as socket:
        assert socket.ask({"action": "auth", "id": "t", "token": token}) == ok("t")
        assert ws.call("ws_update_profile", {"user_id": 5, "name": "A"}, identity="alice").status == 200
        body = b'{"fn":"ws_update_profile","args":{"user_id":7,"name":"A"}}'
        assert ws.request("POST", "/api/mizan/call/", body, headers=headers).status == 200
        assert socket.receive_text() == invalidated([{"context": "ws_profile", "params": {"user_id": 7}}])
        socket.expect_quiet()  # nothing of alice's any more


# --- WS-9: tab ids (the tab a mutation over HTTP came from hears nothing of it) -------------------

TAB = "tab-A_1"


def tab_query(tab: str) -> str:
    return f"tab={tab}"


@LIVE
def test_ws9_an_http_mutation_naming_its_tab_skips_that_tabs_socket_only(ws: Adapter) -> None:
    with ws.websocket(identity="alice", query=tab_query(TAB)) as own_tab, ws.websocket(identity="alice") as other:
        with ws.websocket(identity="bob", query=tab_query(TAB)) as bob_same_id:
            answer = ws.call(
                "ws_update_profile", {"user_id": 5, "name": "A"}, identity="alice", headers={"X-Mizan-Tab": TAB}
            )
            assert answer.json()["invalidate"] == PROFILE_5  # the tab's own reply still says it
            assert other.receive_text() == invalidated(PROFILE_5)
            for socket in (own_tab, other, bob_same_id):
                socket.expect_quiet()  # bob's socket of the same id hears nothing of alice's anyway


@LIVE
def test_ws9_every_http_transport_of_a_mutation_names_its_tab(ws: Adapter) -> None:
    """Multipart `/call/` and the view path skip the named tab as JSON `/call/` does."""
    header = {"X-Mizan-Tab": TAB}
    with ws.websocket(identity="alice", query=tab_query(TAB)) as own_tab, ws.websocket(identity="alice") as other:
        upload = ws.upload(
            "ws_attach_touch", {}, [("file", ("a.txt", b"abc", "text/plain"))], identity="alice", headers=header
        )
        assert upload.status == 200, upload.body
        assert other.receive_text() == invalidated(upload.json()["invalidate"])
        view = ws.call("ws_view_touch", identity="alice", headers=header)
        assert view.status == 200 and view.body == b"a page"
        assert view.headers["x-mizan-invalidate"] == "ws_profile"
        assert other.receive_text() == invalidated(["ws_profile"])
        own_tab.expect_quiet()
        other.expect_quiet()


@LIVE
def test_ws9_without_a_tab_header_every_socket_of_the_user_hears(ws: Adapter) -> None:
    with ws.websocket(identity="alice", query=tab_query(TAB)) as tabbed, ws.websocket(identity="alice") as other:
        assert ws.call("ws_update_profile", {"user_id": 5, "name": "A"}, identity="alice").status == 200
        assert tabbed.receive_text() == invalidated(PROFILE_5)
        assert other.receive_text() == invalidated(PROFILE_5)
        tabbed.expect_quiet()
        other.expect_quiet()


@LIVE
@pytest.mark.parametrize(
    ("query", "header"),
    [
        (tab_query("x" * 65), "x" * 65),  # too long
        ("tab=", ""),  # empty
        (tab_query("a.b"), "a.b"),  # outside [A-Za-z0-9_-]
        (tab_query("a%20b"), "a b"),
        (f"{tab_query(TAB)}&{tab_query(TAB)}", TAB),  # named twice on the URL: which one was meant?
    ],
)
def test_ws9_an_invalid_tab_id_is_ignored(ws: Adapter, query: str, header: str) -> None:
    """An invalid id on the URL leaves the socket its own random one, and an invalid
    header names no tab: the socket hears of the mutation as if neither were given."""
    with ws.websocket(identity="alice", query=query) as socket:
        answer = ws.call(
            "ws_update_profile", {"user_id": 5, "name": "A"}, identity="alice", headers={"X-Mizan-Tab": header}
        )
        assert answer.status == 200
        assert socket.receive_text() == invalidated(PROFILE_5)
        socket.expect_quiet()


@LIVE
def test_ws9_the_longest_tab_id_is_honoured(ws: Adapter) -> None:
    tab = "Z9_-" * 16  # 64 characters
    with ws.websocket(identity="alice", query=tab_query(tab)) as own_tab, ws.websocket(identity="alice") as other:
        ws.call("ws_update_profile", {"user_id": 5, "name": "A"}, identity="alice", headers={"X-Mizan-Tab": tab})
        assert other.receive_text() == invalidated(PROFILE_5)
        own_tab.expect_quiet()


@LIVE
def test_ws9_a_tabbed_sockets_own_rpc_is_still_skipped(ws: Adapter) -> None:
    """A socket with a tab id is still its calls' origin: its reply carries the
    invalidation, the user's other sockets get the push."""
    with ws.websocket(identity="alice", query=tab_query(TAB)) as own_tab, ws.websocket(identity="alice") as other:
        assert own_tab.rpc(1, "ws_update_profile", {"user_id": 5, "name": "A"}) == text(
            {"id": 1, "invalidate": PROFILE_5, "result": {"ok": True}}
        )
        assert other.receive_text() == invalidated(PROFILE_5)
        own_tab.expect_quiet()
        other.expect_quiet()
