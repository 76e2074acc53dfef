"""The origin edge: a context fetch answered from the origin cache before the web
framework runs, when the answer is certain to be the one the framework's view would give.

Framework-neutral: an adapter (`mizan.edge` for Django) extracts the method, the path, the
query and the identity from its server's request, and asks `cached_body` for the stored
bundle. Anything this module cannot decide exactly as the view decides it returns None,
and the adapter passes the request on to the framework untouched: a MISS, an invalid
registry, an unknown context, a guard that needs more than the identity's flags, a
failing or recovering backend, a parameter that does not coerce.

A HIT is the view's HIT byte for byte: the same key (`cache.lookup`, with the identity
key the view derives, FA-3a), the same stamp check, the same headers (`RESPONSE_HEADERS`,
those of `executor._cached_response`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from mizan.core import cache, cachepolicy, registry
from mizan.core.auth import check_level, identity_key
from mizan.core.errors import MizanError
from mizan.core.executor import HEADER_CACHE, JSON, NO_STORE

CTX_SEGMENT: Final = "/ctx/"
# The view's HIT headers, in the order the view sets them (executor._cached_response).
RESPONSE_HEADERS: Final = (("Content-Type", JSON), ("Cache-Control", NO_STORE), (HEADER_CACHE, "HIT"))
# The query characters whose meaning is plain text: anything else (`%`, `+`, `;`, non-ASCII)
# goes through the framework's own parser.
_ENCODED: Final = ("%", "+")


class _Identity:
    """What `check_level` and `get_user` read of a request: its user, nothing else."""

    __slots__ = ("user",)
    state = None  # not a Starlette request: get_user reads `user`

    def __init__(self, user: Any) -> None:
        self.user = user


def ctx_prefix(base_url: str) -> str:
    """The path every context fetch starts with, for endpoints mounted at `base_url`
    (`/api/mizan` or `/api/mizan/` -> `/api/mizan/ctx/`; `""` -> `/ctx/`)."""
    return base_url.rstrip("/") + CTX_SEGMENT


def context_name(path: str, prefix: str) -> str | None:
    """The context of `<prefix><name>/`, the view's route (`<str:name>`: one non-empty
    segment, trailing slash), or None for any other path or a non-ASCII one (the server's
    decoding of those is the framework's business)."""
    if not path.startswith(prefix) or not path.endswith("/") or not path.isascii():
        return None
    name = path[len(prefix) : -1]
    if not name or "/" in name:
        return None
    return name


def plain_query(text: str, max_fields: int | None) -> dict[str, str] | None:
    """The query as the view reads it (a repeated key keeps its last value, a key without
    `=` is empty, empty pieces are skipped), for a query of plain ASCII text; None when
    it needs decoding (`%`, `+`, non-ASCII) or has more fields than `max_fields`, so that
    the framework's parser (and its refusal) decides."""
    if not text:
        return {}
    if not text.isascii() or _ENCODED[0] in text or _ENCODED[1] in text:
        return None
    if max_fields is not None and text.count("&") + 1 > max_fields:
        return None
    query: dict[str, str] = {}
    for piece in text.split("&"):
        if piece:
            key, _, value = piece.partition("=")
            query[key] = value
    return query


def cached_body(name: str, query: Mapping[str, str], user: Any) -> bytes | None:
    """The stored bundle the view would answer as a HIT for this fetch, or None.

    Args:
        name: the context.
        query: the fetch's query values (the last value of a repeated key, BND-2).
        user: the identity the view would see: None (or an anonymous user) for a public
            fetch, or a token identity whose flags decide the guards.

    Returns:
        The body of a current entry (CACHE-10), when every executed member's guard is
        decided by the identity alone and passes (AUTH-1); None otherwise.
    """
    if registry.cached_registry_problems():
        return None
    view = registry.context_view(name)
    if view is None:
        return None
    if view.guarded:
        holder = _Identity(user)
        for fn_class in view.guarded:
            requirement = fn_class._options.auth
            if not isinstance(requirement, str):
                return None  # a callable guard: only the framework can run it
            try:
                check_level(requirement, holder)
            except MizanError:
                return None  # the view answers the 401/403
    backend, secret = cache.get_cache(), cache.active_secret()
    policy = cachepolicy.policy_for(name)
    if backend is None or secret is None or policy is None or not policy.enabled:
        return None
    try:
        if not cache.replay_pending():
            return None
        params = policy.key_params(query)
        if params is None:
            return None
        found = cache.lookup(backend, secret, name, params, identity_key(user), policy.rev)
    except Exception:  # a failing backend, an unkeyed identity: the view decides and logs
        return None
    return found.body
