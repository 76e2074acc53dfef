"""The scripted wire transcript both adapters are sent (AFI-10, AFI-11, AFI-13).

Identities are MWTs minted by the core with the shared secret, so both adapters see the same
users; `Step.native` names an identity the framework itself supplies instead (a Django
session, FastAPI's `request.state.user`), for AFI-13.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlencode

from afi import settings as shared
from mizan.core.tokens import MWTConfig, mint_mwt, permission_key

CALL: Final = "/api/mizan/call/"
UPLOADED: Final = "uploaded by the transcript, é\r\n--afi-boundar".encode()  # a near-boundary inside
SESSION: Final = "/api/mizan/session/"
# The headers AFI-10 compares; everything else (Date, Server, Content-Length, Set-Cookie,
# Vary) is the framework's.
COMPARED_HEADERS: Final = ("content-type", "cache-control", "x-mizan-invalidate", "x-mizan-cache", "allow")
# (pk, is_staff, is_superuser) of the users the script acts as.
USERS: Final = {
    "anon": None,
    "user1": (1, False, False),
    "user2": (2, False, False),
    "staff": (3, True, False),
    "super": (4, True, True),
}


@dataclass(frozen=True)
class Step:
    """One request of the script."""

    label: str
    method: str
    path: str
    body: bytes | None = None
    content_type: str | None = None
    user: str = "anon"  # a key of USERS, sent as an MWT
    native: bool = False  # supply the user natively instead of by MWT
    headers: tuple[tuple[str, str], ...] = field(default=())


def mwt_for(user: str) -> str | None:
    spec = USERS[user]
    if spec is None:
        return None
    pk, staff, superuser = spec
    config = MWTConfig(secret=shared.MWT_SECRET)
    return mint_mwt(config, str(pk), pkey=permission_key((), staff, superuser), is_staff=staff, is_superuser=superuser)


def call(label: str, fn: Any, args: Any = None, *, user: str = "anon", native: bool = False) -> Step:
    payload: dict[str, Any] = {"fn": fn}
    if args is not None:
        payload["args"] = args
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Step(label, "POST", CALL, body, "application/json", user, native)


def raw(label: str, body: bytes, content_type: str = "application/json", user: str = "anon") -> Step:
    return Step(label, "POST", CALL, body, content_type, user)


BOUNDARY: Final = "afi-boundary"
FORM: Final = f"multipart/form-data; boundary={BOUNDARY}"


def multipart(
    label: str,
    fields: list[tuple[str, str]],
    files: list[tuple[str, str, bytes]] = [],  # noqa: B006 (never mutated)
    *,
    closed: bool = True,
) -> Step:
    """`/call/` as `multipart/form-data` (UPL-2): text parts, then file parts
    `(part name, filename, bytes)`; `closed=False` leaves out the closing delimiter."""
    body = b""
    for name, value in fields:
        body += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for name, filename, content in files:
        head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        body += head.encode() + b"Content-Type: text/plain\r\n\r\n" + content + b"\r\n"
    if closed:
        body += f"--{BOUNDARY}--\r\n".encode()
    return Step(label, "POST", CALL, body, FORM)


def ctx(
    label: str, name: str, query: dict[str, Any] | None = None, *, user: str = "anon", native: bool = False
) -> Step:
    suffix = f"?{urlencode(query)}" if query else ""
    return Step(label, "GET", f"/api/mizan/ctx/{name}/{suffix}", user=user, native=native)


def script() -> list[Step]:
    """The transcript, in order (state carries from step to step)."""
    return [
        # RPC dispatch and return shapes
        call("echo", "echo", {"text": "hé", "times": 2}),
        call("echo default", "echo", {"text": "a"}),
        call("none return", "ping"),
        call("dict return", "lookup", {"keys": ["ab", "c"], "scale": 0.5}),
        call("async", "add", {"a": 2, "b": 40}),
        call("websocket fn over HTTP", "live_count"),
        # contexts and the origin cache
        ctx("profile miss", "profile", {"user_id": 1}),
        ctx("profile hit", "profile", {"user_id": 1}),
        ctx("profile other user", "profile", {"user_id": 2, "limit": 1}),
        ctx("items with tag", "items", {"user_id": 1, "tag": "x"}),
        ctx("items all", "items", {"user_id": 1}),
        ctx("global", "global"),
        ctx("global hit", "global"),
        ctx("missing param", "profile"),
        ctx("bad param type", "profile", {"user_id": "abc"}),
        ctx("unknown context", "nowhere"),
        # invalidation: scoped, function-level, broad
        call("scoped", "rename", {"user_id": 1, "name": "Ada L."}),
        ctx("profile after rename", "profile", {"user_id": 1}),
        call("function-level", "award_badge", {"user_id": 1}),
        ctx("badges after award", "profile", {"user_id": 1, "limit": 5}),
        call("broad", "reset_all"),
        # merge
        call("merge direct", "set_profile", {"user_id": 2, "name": "B."}),
        call("merge upsert", "add_item", {"user_id": 1, "title": "nib"}),
        call("merge list-replace", "replace_items", {"user_id": 1}),
        call("merge ambiguous", "bump_twins"),
        ctx("items after merges", "items", {"user_id": 1}),
        # auth, by MWT and natively
        call("auth anon", "whoami"),
        call("auth user", "whoami", user="user1"),
        call("staff as user", "staff_report", user="user1"),
        call("staff as staff", "staff_report", user="staff"),
        call("super as staff", "super_report", user="staff"),
        call("super as super", "super_report", user="super"),
        call("custom sync yes", "only_user_one", user="user1"),
        call("custom sync no", "only_user_one", user="user2"),
        call("custom async yes", "only_user_two", user="user2"),
        call("native user", "whoami", user="user2", native=True),
        call("native staff", "staff_report", user="staff", native=True),
        call("native super refused", "super_report", user="staff", native=True),
        Step(
            "bad token",
            "POST",
            CALL,
            b'{"fn":"echo","args":{"text":"x"}}',
            "application/json",
            headers=(("X-Mizan-Token", "not.a.token"),),
        ),
        # private, errors, bad input
        call("private", "internal_job"),
        call("validation", "echo", {"text": 5}),
        call("not implemented", "not_ready"),
        call("permission error", "refuse"),
        call("unexpected exception", "explode"),
        call("raised MizanError", "reject", {"reason": "because"}),
        call("unknown function", "nope"),
        call("upload over JSON", "attach", {"file": "x.txt"}),
        # uploads (UPL-1..6)
        multipart("upload", [("fn", "attach"), ("args", '{"title":"t"}')], [("file", "notes é.txt", UPLOADED)]),
        multipart("upload without file", [("fn", "attach"), ("args", '{"title":"t"}')]),
        multipart("upload stray file", [("fn", "attach")], [("file", "a.txt", b"a"), ("title", "t.txt", b"t")]),
        multipart("upload over limit", [("fn", "attach")], [("file", "big.txt", b"x" * (shared.MAX_UPLOAD_BYTES + 1))]),
        multipart("upload unterminated", [("fn", "attach")], [("file", "a.txt", b"a")], closed=False),
        raw("malformed JSON", b'{"fn": "echo",'),
        raw("not an object", b"[1,2]"),
        raw("duplicate keys", b'{"fn":"echo","fn":"ping"}'),
        raw("too deep", b'{"fn":"echo","args":{"text":' + b"[" * 70 + b"]" * 70 + b"}}"),
        raw("oversize", b'{"fn":"echo","args":{"text":"' + b"x" * (shared.MAX_BODY_BYTES + 10) + b'"}}'),
        Step("GET on call", "GET", CALL),
        Step("POST on ctx", "POST", "/api/mizan/ctx/profile/", b"{}", "application/json"),
        # view-path routes
        Step("route", "GET", "/afi/report/7/", user="user1"),
        Step("route wrong method", "DELETE", "/afi/report/7/"),
        Step("private webhook", "POST", "/afi/hooks/stripe/", b"{}", "application/json"),
        Step("webhook wrong method", "GET", "/afi/hooks/stripe/"),
        ctx("items after webhook", "items", {"user_id": 1}),
        # a form (FORM-2..5): the fixture's Pydantic form, the same on both adapters
        call("form schema", "feedback.schema"),
        call("form live validation", "feedback.validate", {"data": {"rating": 9}, "fields": ["rating"]}),
        call("form submit invalid", "feedback.submit", {"data": {"rating": 0, "comment": "meh"}}),
        call("form submit", "feedback.submit", {"data": {"rating": 5, "comment": "great"}}),
        ctx("items after form", "items", {"user_id": 1}),
    ]


# The guarded fixture functions and the rule each enforces (AUTH-1): (function, rule).
GUARDS: Final = (
    ("whoami", "required"),
    ("staff_report", "staff"),
    ("super_report", "superuser"),
    ("only_user_one", "callable"),  # a sync callable: passes for user 1
    ("only_user_two", "callable"),  # an async callable: passes for user 2
)


def auth_grid() -> list[Step]:
    """Every guard against every identity, supplied by MWT and natively (AFI-13)."""
    return [
        call(f"{fn} as {user} ({'native' if native else 'MWT'})", fn, user=user, native=native)
        for fn, _rule in GUARDS
        for user in USERS
        for native in (False, True)
    ]
