"""What each transcript step must produce on every adapter, written from the fixture and the
spec rather than recorded from a run, and the capability row each step gives evidence for
(AFI-10, AFI-13, AFI-14).

Cross-adapter equality alone cannot show that a capability works (two adapters can be wrong
the same way), so each step is also checked against this independent expectation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from afi.transcript import GUARDS, UPLOADED, USERS, Step

JSON: Final = "application/json"
TEXT: Final = "text/plain; charset=utf-8"
# The capability rows (AFI-14) the transcript gives evidence for; afi/matrix.py lists them all.
RPC: Final = "RPC dispatch"
BUNDLES: Final = "Context bundles"
INVALIDATE_JSON: Final = "JSON invalidation"
INVALIDATE_HEADER: Final = "X-Mizan-Invalidate"
SCOPING: Final = "Auto-scoping tiers"
MERGE: Final = "Merge"
AUTH: Final = "Auth enforcement"
PRIVATE: Final = "Private functions"
ERRORS: Final = "Error envelopes"
CACHE: Final = "Origin cache"
MWT: Final = "MWT"
ROUTES: Final = "View-path routes"
UPLOADS: Final = "Uploads"
FORMS: Final = "Forms (schema, validate, submit)"


@dataclass(frozen=True)
class Expect:
    """One step's outcome: status, body (decoded JSON, or raw bytes for a view response) and
    the Mizan headers; a header given as None must be absent."""

    rows: tuple[str, ...]
    status: int
    body: Any
    headers: Mapping[str, str | None] = field(default_factory=dict)
    content_type: str = JSON

    def problems(self, record: Mapping[str, Any], body: bytes) -> list[str]:
        """Every way `record` (status, headers, body bytes) differs from the expectation."""
        found: list[str] = []
        if record["status"] != self.status:
            found.append(f"status {record['status']} != {self.status}")
        headers = record["headers"]
        wanted = {"content-type": self.content_type, "cache-control": "no-store", "x-mizan-invalidate": None}
        wanted.update({"x-mizan-cache": None, "allow": None})
        wanted.update(self.headers)
        for name, value in wanted.items():
            if headers.get(name) != value:
                found.append(f"header {name}: {headers.get(name)!r} != {value!r}")
        actual: Any = body
        if self.content_type == JSON:
            try:
                actual = json.loads(body)
            except ValueError:
                return [*found, f"body is not JSON: {body[:80]!r}"]
        if actual != self.body:
            found.append(f"body {actual!r} != {self.body!r}")
        return found


def ok(result: Any, *rows: str, **extra: Any) -> Expect:
    return Expect((RPC, *rows), 200, {"result": result, **extra})


def error(status: int, code: str, message: str, *rows: str, details: Any = None, **headers: str) -> Expect:
    payload: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        payload["details"] = details
    return Expect((ERRORS, *rows), status, {"error": payload}, {k.replace("_", "-"): v for k, v in headers.items()})


def invalid(fields: dict[str, list[str]], *rows: str) -> Expect:
    return error(422, "VALIDATION_ERROR", "Input validation failed", *rows, details={"fields": fields})


def bundle(body: dict[str, Any], cache: str) -> Expect:
    return Expect((BUNDLES, CACHE), 200, body, {"x-mizan-cache": cache})


def changed(result: Any, header: str, invalidate: list[Any], *rows: str, **extra: Any) -> Expect:
    """A mutation that invalidates: the same list in the body and in the header (INV-9)."""
    body = {"result": result, "invalidate": invalidate, **extra}
    return Expect((RPC, INVALIDATE_JSON, INVALIDATE_HEADER, SCOPING, *rows), 200, body, {"x-mizan-invalidate": header})


def profile(user_id: int, name: str, badges: int = 0) -> dict[str, Any]:
    return {"user_id": user_id, "name": name, "badges": badges}


def item(id: int, title: str, tags: list[str] | None = None, user_id: int = 1) -> dict[str, Any]:
    return {"id": id, "user_id": user_id, "title": title, "tags": tags or []}


BAD_BODY: Final = error(400, "BAD_REQUEST", "Invalid request body")
PEN, INK, FRESH = item(1, "pen"), item(2, "ink", ["x"]), item(9, "fresh")
NOT_ALLOWED: Final = "Method not allowed"

TRANSCRIPT: Final[dict[str, Expect]] = {
    "echo": ok({"text": "héhé", "times": 2}),
    "echo default": ok({"text": "a", "times": 1}),
    "none return": ok(None),
    "dict return": ok({"ab": 1.0, "c": 0.5}),
    "async": ok(42),
    "websocket fn over HTTP": ok(2),
    "profile miss": bundle({"profile": profile(1, "Ada"), "profile_badges": []}, "MISS"),
    "profile hit": bundle({"profile": profile(1, "Ada"), "profile_badges": []}, "HIT"),
    "profile other user": bundle({"profile": profile(2, "Brook"), "profile_badges": []}, "MISS"),
    "items with tag": bundle({"items": [INK], "item_total": 2}, "MISS"),
    "items all": bundle({"items": [PEN, INK], "item_total": 2}, "MISS"),
    "global": bundle({"site": {"name": "afi", "users": 2}}, "MISS"),
    "global hit": bundle({"site": {"name": "afi", "users": 2}}, "HIT"),
    "missing param": invalid({"user_id": ["Field required"]}, BUNDLES),
    "bad param type": invalid(
        {"user_id": ["Input should be a valid integer, unable to parse string as an integer"]}, BUNDLES
    ),
    "unknown context": error(404, "NOT_FOUND", "Context 'nowhere' not found", BUNDLES),
    "scoped": changed(
        profile(1, "Ada L."), "profile;user_id=1", [{"context": "profile", "params": {"user_id": 1}}], CACHE
    ),
    "profile after rename": bundle({"profile": profile(1, "Ada L."), "profile_badges": []}, "MISS"),
    "function-level": changed(
        1, "profile;user_id=1", [{"context": "profile", "function": "profile_badges", "params": {"user_id": 1}}], CACHE
    ),
    "badges after award": bundle({"profile": profile(1, "Ada L.", 1), "profile_badges": ["badge-0"]}, "MISS"),
    "broad": changed(None, "profile, items, global", ["profile", "items", "global"], CACHE),
    "merge direct": ok(
        profile(2, "B."),
        MERGE,
        merge=[{"context": "profile", "params": {"user_id": 2}, "slot": "profile", "value": profile(2, "B.")}],
    ),
    "merge upsert": changed(
        item(102, "nib"),
        "items;user_id=1",
        [{"context": "items", "params": {"user_id": 1}}],
        MERGE,
        merge=[{"context": "items", "params": {"user_id": 1}, "slot": "items", "value": item(102, "nib")}],
    ),
    "merge list-replace": ok(
        [FRESH], MERGE, merge=[{"context": "items", "params": {"user_id": 1}, "slot": "items", "value": [FRESH]}]
    ),
    "merge ambiguous": ok(3, MERGE),
    "items after merges": bundle({"items": [FRESH], "item_total": 1}, "MISS"),
    "auth anon": error(401, "UNAUTHORIZED", "Authentication required", AUTH),
    "auth user": ok("1", AUTH, MWT),
    "staff as user": error(403, "FORBIDDEN", "Staff access required", AUTH, MWT),
    "staff as staff": ok("staff:3", AUTH, MWT),
    "super as staff": error(403, "FORBIDDEN", "Superuser access required", AUTH, MWT),
    "super as super": ok("super:4", AUTH, MWT),
    "custom sync yes": ok("one", AUTH, MWT),
    "custom sync no": error(403, "FORBIDDEN", "Permission denied", AUTH, MWT),
    "custom async yes": ok("two", AUTH, MWT),
    "native user": ok("2", AUTH),
    "native staff": ok("staff:3", AUTH),
    "native super refused": error(403, "FORBIDDEN", "Superuser access required", AUTH),
    "bad token": error(401, "UNAUTHORIZED", "Invalid or expired MWT", MWT),
    "private": error(403, "FORBIDDEN", "Function is not client-callable", PRIVATE),
    "validation": invalid({"text": ["Input should be a valid string"]}, RPC),
    "not implemented": error(501, "NOT_IMPLEMENTED", "later", RPC),
    "permission error": error(403, "FORBIDDEN", "no", RPC),
    "unexpected exception": error(500, "INTERNAL_ERROR", "Internal server error", RPC),
    "raised MizanError": error(400, "BAD_REQUEST", "rejected: because", RPC),
    "unknown function": error(404, "NOT_FOUND", "Function not found", RPC, details={"function": "nope"}),
    "upload over JSON": invalid({"file": ["Input should be an instance of Upload"]}, RPC),
    "upload": ok(
        {
            "filename": "notes é.txt",
            "title": "t",
            "size": len(UPLOADED),
            "sha256": hashlib.sha256(UPLOADED).hexdigest(),
        },
        UPLOADS,
    ),
    "upload without file": invalid({"file": ["Field required"]}, UPLOADS),
    "upload stray file": error(
        400,
        "BAD_REQUEST",
        "Invalid request body",
        UPLOADS,
        details={"part": "title", "reason": "no Upload parameter has this name"},
    ),
    "upload over limit": error(
        400, "BAD_REQUEST", "Invalid request body", UPLOADS, details={"limit": "max_upload_bytes"}
    ),
    "upload unterminated": error(400, "BAD_REQUEST", "Invalid request body", UPLOADS),
    "malformed JSON": BAD_BODY,
    "not an object": BAD_BODY,
    "duplicate keys": BAD_BODY,
    "too deep": BAD_BODY,
    "oversize": BAD_BODY,
    "GET on call": error(405, "METHOD_NOT_ALLOWED", NOT_ALLOWED, RPC, allow="POST"),
    "POST on ctx": error(405, "METHOD_NOT_ALLOWED", NOT_ALLOWED, BUNDLES, allow="GET"),
    "route": Expect((ROUTES, MWT), 200, b"report 7 for 1", content_type=TEXT),
    "route wrong method": error(405, "METHOD_NOT_ALLOWED", NOT_ALLOWED, ROUTES, allow="GET"),
    "private webhook": Expect(
        (ROUTES, PRIVATE, INVALIDATE_HEADER, CACHE), 202, b"ok", {"x-mizan-invalidate": "items"}, TEXT
    ),
    "webhook wrong method": error(405, "METHOD_NOT_ALLOWED", NOT_ALLOWED, ROUTES, allow="POST"),
    "items after webhook": bundle({"items": [FRESH], "item_total": 1}, "MISS"),
    "form schema": ok(
        {
            "name": "feedback",
            "title": "Feedback",
            "submit_label": "Submit",
            "live_validation": True,
            "field_order": ["rating", "comment"],
            "fields": {
                "rating": {
                    "type": "integer",
                    "required": True,
                    "label": "Rating",
                    "help_text": "From 1 to 5",
                    "initial": None,
                    "widget": "number",
                },
                "comment": {
                    "type": "string",
                    "required": False,
                    "label": "Comment",
                    "help_text": "",
                    "initial": "",
                    "widget": "text",
                    "max_length": 200,
                },
            },
        },
        FORMS,
    ),
    "form live validation": ok(
        {"valid": False, "errors": {"rating": ["Input should be less than or equal to 5"]}, "non_field_errors": []},
        FORMS,
    ),
    "form submit invalid": ok(
        {
            "success": False,
            "errors": {"rating": ["Input should be greater than or equal to 1"]},
            "non_field_errors": [],
        },
        FORMS,
    ),
    "form submit": changed({"success": True, "data": {"rating": 5, "comment": "great"}}, "items", ["items"], FORMS),
    "items after form": bundle({"items": [FRESH], "item_total": 1}, "MISS"),
}

# The transcript's X-Mizan-Cache sequence, in order (AFI-11).
HIT_MISS: Final = [
    ("profile miss", "MISS"),
    ("profile hit", "HIT"),
    ("profile other user", "MISS"),
    ("items with tag", "MISS"),
    ("items all", "MISS"),
    ("global", "MISS"),
    ("global hit", "HIT"),
    ("profile after rename", "MISS"),
    ("badges after award", "MISS"),
    ("items after merges", "MISS"),
    ("items after webhook", "MISS"),
    ("items after form", "MISS"),
]


def _passes(rule: str, fn: str, user: str) -> bool:
    """AUTH-1's table, applied to the fixture's guards."""
    spec = USERS[user]
    if rule == "callable":
        return spec is not None and spec[0] == {"only_user_one": 1, "only_user_two": 2}[fn]
    if spec is None:
        return False
    _pk, staff, superuser = spec
    return {"required": True, "staff": staff, "superuser": superuser}[rule]


def auth_expectation(step: Step) -> Expect:
    """The AFI-13 grid: the guard's outcome for the step's identity, by MWT or natively."""
    fn = json.loads(step.body or b"{}")["fn"]
    rule = dict(GUARDS)[fn]
    rows = (AUTH, MWT) if not step.native and USERS[step.user] is not None else (AUTH,)
    if _passes(rule, fn, step.user):
        spec = USERS[step.user]
        pk = spec[0] if spec else 0
        result = {"whoami": str(pk), "staff_report": f"staff:{pk}", "super_report": f"super:{pk}"}.get(fn)
        return Expect((RPC, *rows), 200, {"result": result or {"only_user_one": "one", "only_user_two": "two"}[fn]})
    if rule != "callable" and USERS[step.user] is None:
        return error(401, "UNAUTHORIZED", "Authentication required", *rows)
    message = {"staff": "Staff access required", "superuser": "Superuser access required"}.get(rule)
    return error(403, "FORBIDDEN", message or "Permission denied", *rows)
