"""Where Mizan's run differs from the original's, and why: the exact lists the job checks.

Keys are `(step label, field)`, fields as in `afi.original.compare` (`status`,
`header:<name>`, `body`). `EXPECTED` holds the differences that a written DECISION of
PROTOCOL.md explains, each naming it (`GAP-n` from §12; `ERR-8` is the one DECISION that has
no §12 entry). `SPEC_OVER_ORIGINAL` holds the differences where the original departs from an
explicit, seed-sourced requirement, each naming a finding of `FINDINGS` and the requirement:
PROTOCOL.md's Precedence note lets the original decide only what the spec leaves open, so
there Mizan keeps the spec (README, "Protocol notes and decisions", D-AFI-1). A body that
differs for a decided reason *and* a finding is listed under the finding, which names the
GAPs that also apply.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, TypeVar

Key = tuple[str, str]
CACHE_CONTROL: Final = "header:cache-control"
CONTENT_TYPE: Final = "header:content-type"
V = TypeVar("V")


@dataclass(frozen=True)
class Decided:
    """An expected difference: the DECISIONs that cause it and a one-line reason."""

    gaps: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Finding:
    """Where the original departs from an explicit requirement: what it does, and the
    requirement Mizan keeps instead."""

    summary: str
    spec: str


def grid(functions: Iterable[str], users: Iterable[str]) -> tuple[str, ...]:
    """Labels of `afi.transcript.auth_grid` steps: each function as each user, both ways."""
    return tuple(f"{fn} as {user} ({way})" for fn in functions for user in users for way in ("MWT", "native"))


def _table(groups: Iterable[tuple[Iterable[str], Iterable[str], V]]) -> dict[Key, V]:
    """One entry per (label, field) of each group; a key listed twice is an error."""
    table: dict[Key, V] = {}
    for labels, fields, value in groups:
        for label in labels:
            for field in fields:
                if (label, field) in table:
                    raise ValueError(f"listed twice: {(label, field)}")
                table[(label, field)] = value
    return table


# --- decided ----------------------------------------------------------------------------------

ENCODING = Decided(
    ("GAP-8",),
    "the original encodes with Django's JsonResponse (', '/': ' separators, \\u escapes, "
    "insertion order); Mizan uses canonical JSON-1",
)
ENVELOPE = Decided(
    ("GAP-1", "GAP-8"),
    "the original's Django errors are flat {'error': true, 'code', 'message', 'details'}; "
    "Mizan nests them under 'error' (ERR-1)",
)
GUARD_MESSAGE = Decided(
    ("GAP-12", "GAP-1", "GAP-8"),
    "a falsy callable guard answers 'Access denied' in the original's Django adapter; ERR-3 fixes 'Permission denied'",
)
INTERNAL_MESSAGE = Decided(
    ("GAP-12", "GAP-11", "GAP-1", "GAP-8"),
    "the original's generic 500 text is 'An internal error occurred'; ERR-3 fixes 'Internal server error'",
)
JSON_MESSAGE = Decided(
    ("GAP-12", "GAP-1", "GAP-8"),
    "the original answers 'Invalid JSON in request body'; ERR-3 fixes 'Invalid request body'",
)
METHOD_BODY = Decided(
    ("GAP-9", "GAP-12", "GAP-1", "GAP-8"),
    "the original's 405 body is BAD_REQUEST 'Only POST/GET method allowed'; "
    "EP-3 answers METHOD_NOT_ALLOWED 'Method not allowed'",
)
METHOD_ALLOW = Decided(("GAP-9",), "the original's 405 has no Allow header; EP-3 adds it")
LIMITS = Decided(
    ("ERR-8",),
    "duplicate keys (the original keeps the last 'fn') and nesting deeper than 64 are "
    "accepted by the original; ERR-8 rejects them with 400 BAD_REQUEST",
)
OVERSIZE = Decided(
    ("ERR-8",),
    "an over-limit body gets Django's HTML 400 page from the original; ERR-8 answers the JSON envelope (with no-store)",
)
NOT_FOUND_DETAILS = Decided(
    ("GAP-1", "GAP-8"),
    "the original's flat 404 names no function; Mizan nests the envelope under 'error' (ERR-1) "
    "and adds details {'function': <the name asked for>}, which ERR-1 allows and the README's "
    "decision on unknown functions adds (issue 15)",
)
UPLOAD_REFUSALS = Decided(
    ("GAP-48", "ERR-8"),
    "a multipart call with a file part for a non-Upload argument, a file over the upload limit "
    "or no closing delimiter crashes the original's view (Django's HTML 500 page); UPL-2 and "
    "UPL-4 answer the 400 envelope, with details naming the part or the limit",
)
PYDANTIC_FORM = Decided(
    ("GAP-46", "GAP-45"),
    "the fixture's form is a Pydantic model (FORM-4), a kind of form the original does not "
    "offer, so its run has no feedback.* functions: 404 where Mizan answers the form (FORM-3 "
    "shapes), and without the submit's invalidation 'items' stays a HIT",
)
REV_PURGE = Decided(
    ("GAP-15",),
    "the original purges with rev 0 while 'profile' was stored under its effective rev 2, so "
    "the stale entry is still a HIT; Mizan purges by generation stamps",
)

_ERROR_ENVELOPES = (
    "missing param",
    "bad param type",
    "unknown context",
    "auth anon",
    "staff as user",
    "super as staff",
    "native super refused",
    "bad token",
    "private",
    "validation",
    "not implemented",
    "permission error",
    "raised MizanError",
    "upload over JSON",
    "upload without file",
    *grid(["whoami"], ["anon"]),
    *grid(["staff_report"], ["anon", "user1", "user2"]),
    *grid(["super_report"], ["anon", "user1", "user2", "staff"]),
)
_GUARD_REFUSALS = ("custom sync no", *grid(["only_user_one"], ["anon", "user2", "staff", "super"]))

EXPECTED: Final[dict[Key, Decided]] = _table(
    [
        (["echo", "echo default", "scoped", "merge direct", "merge upsert", "merge list-replace"], ["body"], ENCODING),
        (_ERROR_ENVELOPES, ["body"], ENVELOPE),
        (["unknown function"], ["body"], NOT_FOUND_DETAILS),
        (_GUARD_REFUSALS, ["body"], GUARD_MESSAGE),
        (["unexpected exception"], ["body"], INTERNAL_MESSAGE),
        (["malformed JSON"], ["body"], JSON_MESSAGE),
        (["GET on call", "POST on ctx"], ["body"], METHOD_BODY),
        (["GET on call", "POST on ctx"], ["header:allow"], METHOD_ALLOW),
        (["duplicate keys", "too deep"], ["status", "body"], LIMITS),
        (["oversize"], [CONTENT_TYPE, CACHE_CONTROL, "body"], OVERSIZE),
        (["profile after rename"], ["header:x-mizan-cache"], REV_PURGE),
        (
            ["upload stray file", "upload over limit", "upload unterminated"],
            ["status", CONTENT_TYPE, CACHE_CONTROL, "body"],
            UPLOAD_REFUSALS,
        ),
        (
            ["form schema", "form live validation", "form submit invalid", "form submit"],
            ["status", CACHE_CONTROL, "body"],
            PYDANTIC_FORM,
        ),
        (["form submit"], ["header:x-mizan-invalidate"], PYDANTIC_FORM),
        (["items after form"], ["header:x-mizan-cache"], PYDANTIC_FORM),
    ]
)

# --- the original departs from the spec: findings ----------------------------------------------------------------

FINDINGS: Final = {
    "U1": Finding(
        "the original wraps every result that is not a model (or a list/Optional of models) in "
        "its generated {'result': value} output model and sends that: /call/ answers "
        "{'result': {'result': v}} and bundle members {'member': {'result': v}} for int, str, "
        "None, dict and list[str] returns; Mizan sends the value itself. The bodies listed "
        "also differ by GAP-8 encoding, 'profile after rename' by GAP-15 stale data and "
        "'function-level' by GAP-3's 'function' key",
        "SIG-7 ('None → null', list → bare array), RPC-3 {'result': <serialized value>}, "
        "BND-4 {member_name: serialized result} — seed-sourced, no DECISION",
    ),
    "U2": Finding(
        "the original sends no Cache-Control on /call/ error responses (any 4xx/5xx envelope) "
        "nor on its 405 answers; Mizan sends no-store on every response",
        "ERR-6 and §2.7 ('Cache-Control: no-store on every Mizan response … 405'), EP-3 — "
        "seed-sourced (seed 002 ~line 1351–1360, ~3940–3947)",
    ),
    "U3": Finding(
        "the original's Django adapter calls an `async def` function without awaiting it: the "
        "coroutine fails its output model and the answer is 500 INTERNAL_ERROR 'An internal "
        "error occurred' (no Cache-Control); Mizan runs it to completion (200 {'result': 42})",
        "SIG-9: def and async def are supported on every adapter, results identical — seed-sourced",
    ),
    "U4": Finding(
        "the original calls an async auth callable without awaiting it and tests the "
        "coroutine's truthiness, so `only_user_two` passes for every identity, anonymous "
        "included (200); Mizan awaits it: 403 FORBIDDEN 'Permission denied' for all but user 2",
        "AUTH-1: a callable guard returning falsy → 403 (no DECISION on async guards); SIG-9",
    ),
    "U5": Finding(
        "a JSON body that is not an object ([1,2]) crashes the original's view "
        "(AttributeError: 'list' object has no attribute 'get'): Django's HTML 500 page; Mizan "
        "answers 400 BAD_REQUEST 'Invalid request body'",
        "RPC-2 step 3 ('not an object → 400 BAD_REQUEST') — seed-sourced; only the message is GAP-12",
    ),
    "U6": Finding(
        "the original's Django adapter does not serve `route=` functions at all (izana.urls "
        "has only session/, call/, ctx/; `route` only reaches _meta and the manifest), so "
        "every route step is Django's HTML 404, and the webhook's broad purge of 'items' never "
        "happens ('items after webhook' stays a HIT); Mizan serves them (VIEW-2..5)",
        "VIEW-1 ('reachable at its route=', seed 004 lines 11–20); the mount point and "
        "405/CSRF rules are GAP-33, which presumes the routes exist",
    ),
    "U7": Finding(
        "the original's Django adapter never binds a file part to an `Upload` parameter: the "
        "multipart call that carries the file answers 422 VALIDATION_ERROR 'file: Field "
        "required' (no Cache-Control); Mizan binds it and runs the function (200)",
        "UPL-1 ('carried in the IR and bound at dispatch', seed 002 ~line 1787–1789); the part layout is GAP-48",
    ),
}

_FAILED_CALLS = (
    "auth anon",
    "staff as user",
    "super as staff",
    "custom sync no",
    "native super refused",
    "bad token",
    "private",
    "validation",
    "not implemented",
    "permission error",
    "unexpected exception",
    "raised MizanError",
    "unknown function",
    "upload over JSON",
    "upload without file",
    "malformed JSON",
    "too deep",
    "GET on call",
    "POST on ctx",
    *grid(["whoami"], ["anon"]),
    *grid(["staff_report"], ["anon", "user1", "user2"]),
    *grid(["super_report"], ["anon", "user1", "user2", "staff"]),
    *grid(["only_user_one"], ["anon", "user2", "staff", "super"]),
)
_WRAPPED_RESULTS = (
    "none return",
    "dict return",
    "websocket fn over HTTP",
    "profile miss",
    "profile hit",
    "profile other user",
    "items with tag",
    "items all",
    "global",
    "global hit",
    "profile after rename",
    "function-level",
    "badges after award",
    "broad",
    "merge ambiguous",
    "items after merges",
    "auth user",
    "staff as staff",
    "super as super",
    "custom sync yes",
    "custom async yes",
    "native user",
    "native staff",
    "items after webhook",
    "items after form",
    *grid(["whoami"], ["user1", "user2", "staff", "super"]),
    *grid(["staff_report"], ["staff", "super"]),
    *grid(["super_report"], ["super"]),
    *grid(["only_user_one"], ["user1"]),
    *grid(["only_user_two"], ["user2"]),
)
_ROUTE_FIELDS = ["status", CONTENT_TYPE, CACHE_CONTROL, "body"]

SPEC_OVER_ORIGINAL: Final[dict[Key, str]] = _table(
    [
        (_WRAPPED_RESULTS, ["body"], "U1"),
        (_FAILED_CALLS, [CACHE_CONTROL], "U2"),
        (["async"], ["status", CACHE_CONTROL, "body"], "U3"),
        (grid(["only_user_two"], ["anon", "user1", "staff", "super"]), ["status", "body"], "U4"),
        (["not an object"], ["status", CONTENT_TYPE, CACHE_CONTROL, "body"], "U5"),
        (["route"], _ROUTE_FIELDS, "U6"),
        (["route wrong method", "webhook wrong method"], [*_ROUTE_FIELDS, "header:allow"], "U6"),
        (["private webhook"], [*_ROUTE_FIELDS, "header:x-mizan-invalidate"], "U6"),
        (["items after webhook"], ["header:x-mizan-cache"], "U6"),
        (["upload"], ["status", CACHE_CONTROL, "body"], "U7"),
    ]
)


# --- the README's tables ----------------------------------------------------------------------


def _groups(table: dict[Key, V]) -> list[tuple[V, list[str], list[str]]]:
    """Entries sharing a value, with their labels and fields in first-listed order."""
    groups: dict[int, tuple[V, list[str], list[str]]] = {}
    for (label, field), value in table.items():
        _, labels, fields = groups.setdefault(id(value), (value, [], []))
        if label not in labels:
            labels.append(label)
        if field not in fields:
            fields.append(field)
    return list(groups.values())


def markdown() -> str:
    """The two tables of afi/original/README.md, from the lists above."""
    rows = ["| Steps | Fields | Decision | Why |", "| --- | --- | --- | --- |"]
    for decided, labels, fields in _groups(EXPECTED):
        rows.append(f"| {', '.join(labels)} | {', '.join(fields)} | {', '.join(decided.gaps)} | {decided.reason} |")
    rows += [
        "",
        "| Finding | Steps | Fields | What the original does | Requirement Mizan keeps |",
        "| --- | --- | --- | --- | --- |",
    ]
    for finding, labels, fields in _groups(SPEC_OVER_ORIGINAL):
        details = FINDINGS[finding]
        rows.append(f"| {finding} | {', '.join(labels)} | {', '.join(fields)} | {details.summary} | {details.spec} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
