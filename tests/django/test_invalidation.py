"""Server-driven invalidation on `/call/` through the real test client (PROTOCOL §3.1-§3.4).

Fixtures: tests/django/project/mutations/clients.py (mutations) against the `user`
context of testapp (members user_profile, user_orders; params user_id, limit).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mizan import parse_invalidate_header
from mizan.core import notify
from mizan.signals import mizan_invalidated
from tests.django.conftest import MizanClient, assert_internal, canonical

HEADER = "X-Mizan-Invalidate"


def assert_mutation(response: Any, body: dict[str, Any], header: str | None) -> None:
    """200, exact canonical body, the header exactly (or absent), no-store, JSON (RPC-3/4)."""
    assert response.status_code == 200, response.content
    assert response.content == canonical(body)
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    if header is None:
        assert HEADER not in response
    else:
        assert response[HEADER] == header


@pytest.fixture
def notifications() -> Iterator[list[tuple[Any, ...]]]:
    """Every `on_invalidate` notification and every `mizan_invalidated` signal (CPUR-9)."""
    seen: list[tuple[Any, ...]] = []

    def listener(context: str, params: Any, function: Any, source: str) -> None:
        seen.append(("listener", context, params, function, source))

    def receiver(sender: Any, **kwargs: Any) -> None:
        seen.append(("signal", kwargs["context"], kwargs["params"], kwargs["function"], kwargs["source"]))

    notify.on_invalidate(listener)
    mizan_invalidated.connect(receiver)
    try:
        yield seen
    finally:
        notify.remove_listener(listener)
        mizan_invalidated.disconnect(receiver)


def test_inv3_seed_scenario_scoped_by_argument_name(mizan: MizanClient) -> None:
    """INV-3/INV-6: `affects=UserContext` with `user_id` -> scoped entry, both transports."""
    response = mizan.call("update_profile", {"user_id": 5, "name": "A"})
    assert_mutation(
        response,
        {"invalidate": [{"context": "user", "params": {"user_id": 5}}], "result": {"ok": True}},
        "user;user_id=5",
    )


def test_inv3_values_are_validated_json_mode_values(mizan: MizanClient) -> None:
    """INV-3/GAP-4: an int sent as "5" is emitted as 5."""
    response = mizan.call("update_profile", {"user_id": "5", "name": "A"})
    assert_mutation(
        response,
        {"invalidate": [{"context": "user", "params": {"user_id": 5}}], "result": {"ok": True}},
        "user;user_id=5",
    )


def test_inv3_enum_and_unsupplied_defaults(mizan: MizanClient) -> None:
    """INV-3: enum arguments scope by their JSON value; a default the caller did not send
    (user_id=0) never scopes."""
    response = mizan.call("upgrade", {"tier": "gold", "account_id": 7})
    assert_mutation(
        response,
        {
            "invalidate": [{"context": "account", "params": {"account_id": 7, "tier": "gold"}}, "user"],
            "result": "upgraded",
        },
        "account;account_id=7;tier=gold, user",
    )


def test_inv5_no_matching_argument_is_broad(mizan: MizanClient) -> None:
    """INV-5: no argument named like a context param -> the whole context."""
    assert_mutation(
        mizan.call("rename_everyone", {"name": "B"}), {"invalidate": ["user"], "result": {"ok": True}}, "user"
    )


def test_inv2_function_target_resolves_to_its_parent_context(mizan: MizanClient) -> None:
    """INV-2/INV-6/XMI-1: a function-level target names its parent context; the header
    renders it as that context."""
    assert_mutation(
        mizan.call("update_name", {"user_id": 5}),
        {
            "invalidate": [{"context": "user", "function": "user_profile", "params": {"user_id": 5}}],
            "result": {"ok": True},
        },
        "user;user_id=5",
    )
    assert_mutation(
        mizan.call("reorder"),
        {"invalidate": [{"context": "user", "function": "user_orders"}], "result": None},
        "user",
    )


def test_inv8_declaration_order_and_duplicates(mizan: MizanClient) -> None:
    """INV-8/XMI-1: declaration order, identical entries dropped (as JSON and after
    rendering the header)."""
    response = mizan.call("big_change", {"user_id": 5, "limit": 3})
    expected = [
        {"context": "user", "params": {"limit": 3, "user_id": 5}},
        "notifications",
        {"context": "user", "function": "user_profile", "params": {"limit": 3, "user_id": 5}},
    ]
    assert_mutation(response, {"invalidate": expected, "result": "done"}, "user;limit=3;user_id=5, notifications")


def test_inv3_null_argument_scopes_with_null(mizan: MizanClient) -> None:
    """NORM-1: an explicitly supplied None scopes as JSON null / header `null`."""
    response = mizan.call("big_change", {"user_id": None})
    expected = [
        {"context": "user", "params": {"user_id": None}},
        "notifications",
        {"context": "user", "function": "user_profile", "params": {"user_id": None}},
    ]
    assert_mutation(response, {"invalidate": expected, "result": "done"}, "user;user_id=null, notifications")


def test_inv9_header_describes_the_json_targets(mizan: MizanClient) -> None:
    """INV-9/XMI-5: parsing the header gives the JSON list, normalized."""
    response = mizan.call("big_change", {"user_id": 5})
    parsed = parse_invalidate_header(response[HEADER])
    assert parsed == [{"context": "user", "params": {"user_id": "5"}}, "notifications"]


def test_inv10_plain_functions_emit_nothing(mizan: MizanClient, notifications: list[Any], purges: list[Any]) -> None:
    """INV-10: no affects -> no `invalidate` key, no header, no notification, no purge."""
    assert_mutation(mizan.call("echo", {"text": "hi"}), {"result": {"message": "echo: hi"}}, None)
    assert notifications == [] and purges == []


@pytest.mark.parametrize(
    "fn, args, status",
    [("failing_update", {"user_id": 5}, 500), ("unencodable_update", {"user_id": 5}, 500), ("update_profile", {}, 422)],
)
def test_inv1_nothing_on_failure(
    mizan: MizanClient, notifications: list[Any], purges: list[Any], fn: str, args: dict[str, Any], status: int
) -> None:
    """INV-1/ERR-6: an error (raised, unserializable result, bad input) emits nothing."""
    response = mizan.call(fn, args)
    assert response.status_code == status
    assert HEADER not in response and b"invalidate" not in response.content
    assert notifications == [] and purges == []


def test_inv1_unencodable_result_is_a_500(mizan: MizanClient) -> None:
    assert_internal(mizan.call("unencodable_update", {"user_id": 5}))


def test_sig9_async_mutation(mizan: MizanClient) -> None:
    assert_mutation(
        mizan.call("async_update", {"user_id": 9}),
        {"invalidate": [{"context": "user", "params": {"user_id": 9}}], "result": {"user_id": 9}},
        "user;user_id=9",
    )


def test_cpur9_notifications_and_purges_follow_the_entries(
    mizan: MizanClient, notifications: list[Any], purges: list[Any]
) -> None:
    """CPUR-9/INV-11: each emitted entry reaches the purge hook and then every listener,
    and the Django signal `mizan_invalidated`."""
    mizan.call("big_change", {"user_id": 5})
    scope = {"user_id": 5}
    assert purges == [("user", scope), ("notifications", None), ("user", scope)]
    # The adapter's own listener (the signal) subscribed at startup, so it comes first.
    assert notifications == [
        ("signal", "user", scope, None, "big_change"),
        ("listener", "user", scope, None, "big_change"),
        ("signal", "notifications", None, None, "big_change"),
        ("listener", "notifications", None, None, "big_change"),
        ("signal", "user", scope, "user_profile", "big_change"),
        ("listener", "user", scope, "user_profile", "big_change"),
    ]


def test_cpur9_a_failing_listener_or_purge_never_breaks_the_mutation(mizan: MizanClient) -> None:
    """CACHE-3: a purge or listener failure is logged; the response is still sent."""

    def broken(*args: Any) -> None:
        raise RuntimeError("monitoring is down")

    previous = notify.get_purge_hook()
    notify.on_invalidate(broken)
    notify.set_purge_hook(broken)
    try:
        response = mizan.call("update_profile", {"user_id": 5, "name": "A"})
    finally:
        notify.remove_listener(broken)
        notify.set_purge_hook(previous)
    assert response.status_code == 200 and response[HEADER] == "user;user_id=5"


@pytest.mark.parametrize(
    "value, encoded",
    [
        ('a;b c"d', "a%3Bb%20c%22d"),
        ("Jürgen", "J%C3%BCrgen"),
        ("it's!*()", "it%27s%21%2A%28%29"),
        ("x,y=z", "x%2Cy%3Dz"),
        ("", ""),
        ("safe-._~AZaz09", "safe-._~AZaz09"),
    ],
)
def test_xmi3_values_are_percent_encoded(mizan: MizanClient, value: str, encoded: str) -> None:
    """XMI-3: UTF-8, every byte outside the RFC 3986 unreserved set as upper-case %XX; the
    JSON list keeps the value as it is; XMI-4 parsing gives it back."""
    response = mizan.call("save_search", {"q": value})
    assert_mutation(
        response,
        {"invalidate": [{"context": "searches", "params": {"q": value}}], "result": value},
        f"searches;q={encoded}",
    )
    assert parse_invalidate_header(response[HEADER]) == [{"context": "searches", "params": {"q": value}}]


def test_xmi_concurrent_mutations_have_independent_headers(mizan: MizanClient) -> None:
    """XMI-5: responses never share state."""
    import threading

    headers: dict[int, str] = {}

    def run(user_id: int) -> None:
        client = MizanClient(mizan.django)
        client._token = mizan.token
        headers[user_id] = client.call("update_profile", {"user_id": user_id, "name": "n"})[HEADER]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(1, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert headers == {i: f"user;user_id={i}" for i in range(1, 9)}


def test_norm1_floats_bools_and_lists_as_header_text(mizan: MizanClient) -> None:
    """NORM-1/XMI-3: 5.0 -> `5`, true -> `true`, a list -> canonical JSON, percent-encoded;
    the JSON list keeps the typed values (INV-3)."""
    response = mizan.call("record_metric", {"ratio": 5.0, "flag": "true", "tags": ["a", "b"]})
    params = {"flag": True, "ratio": 5.0, "tags": ["a", "b"]}
    assert_mutation(
        response,
        {"invalidate": [{"context": "metrics", "params": params}], "result": "recorded"},
        "metrics;flag=true;ratio=5;tags=%5B%22a%22%2C%22b%22%5D",
    )
    half = mizan.call("record_metric", {"ratio": 1.5, "flag": False, "tags": []})
    assert half[HEADER] == "metrics;flag=false;ratio=1.5;tags=%5B%5D"


def test_inv4_no_auth_inference(login: Any) -> None:
    """INV-4: tier 2 (auth inference) belongs to Edge: a signed-in caller without a matching
    argument still gets the broad entry, never one scoped to their user id."""
    member = login("member")
    response = member.call("rename_everyone", {"name": "B"})
    assert response[HEADER] == "user"
    assert response.content == b'{"invalidate":["user"],"result":{"ok":true}}'


def test_inv7_function_target_must_be_a_context_function(mizan: MizanClient) -> None:
    """INV-7/REG-9: affects= naming a plain function makes the registry invalid: 500."""
    from mizan import client
    from mizan.core import registry

    assert mizan.token

    @client(affects="echo")
    def affects_plain(request: Any) -> None: ...

    registry.register(affects_plain, "affects_plain")
    assert_internal(mizan.call("update_profile", {"user_id": 1, "name": "n"}), "Mizan registry is invalid")
