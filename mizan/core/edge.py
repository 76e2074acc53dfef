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

from typing import Any, Final, NamedTuple

from mizan.core import _backend, cache, cachepolicy, registry
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


class _Plan(NamedTuple):
    """What a context's fetch needs before its key, fixed until the registry changes."""

    version: int  # registry.version() it was built at
    levels: tuple[str, ...]  # the executed members' guard levels, in the view's order
    policy: cachepolicy.ContextPolicy


_plans: dict[str, _Plan] = {}
_PLANS_MAX = 4096  # more contexts than any project has; emptied when full


def _plan(name: str) -> _Plan | None:
    """The context's plan, or None when the edge cannot serve it at all: an invalid
    registry (the view answers its 500), an unknown context (404), a callable guard, a
    context that is never cached."""
    version = registry.version()
    plan = _plans.get(name)
    if plan is not None and plan.version == version:
        return plan
    if registry.cached_registry_problems():
        return None
    view = registry.context_view(name)
    policy = cachepolicy.policy_for(name)
    if view is None or policy is None or not policy.enabled:
        return None
    requirements = [fn_class._options.auth for fn_class in view.guarded]
    levels = tuple(level for level in requirements if isinstance(level, str))
    if len(levels) != len(requirements):
        return None  # a callable guard: only the framework can run it
    if len(_plans) >= _PLANS_MAX:
        _plans.clear()
    plan = _plans[name] = _Plan(version, levels, policy)
    return plan


class _Key(NamedTuple):
    """A fetch's key params and entry key, as the view derives them (CKEY-6, FA-3a)."""

    version: int  # the plan's registry version
    secret: str  # the cache secret the keys were derived with
    names: list[str]  # the key params' names, sorted
    keys: list[str]  # the entry's key, then its generation keys (cache.lookup_keys)


# (context, identity key, raw query) -> its keys: a repeated fetch skips the query parse,
# the coercion and the HMACs. Bounded, emptied when full.
_keys: dict[tuple[str, str | None, str], _Key] = {}
_KEYS_MAX = 4096


def cached_body(name: str, query_text: str, max_fields: int | None, user: Any) -> bytes | None:
    """The stored bundle the view would answer as a HIT for this fetch, or None.

    Args:
        name: the context.
        query_text: the raw query string (`plain_query` reads it; None from it passes).
        max_fields: the framework's limit on query fields (None: no limit).
        user: the identity the view would see: None (or an anonymous user) for a public
            fetch, or a token identity whose flags decide the guards.

    Returns:
        The body of a current entry (CACHE-10), when every executed member's guard is
        decided by the identity alone and passes (AUTH-1); None otherwise.
    """
    plan = _plan(name)
    if plan is None:
        return None
    if plan.levels:
        holder = _Identity(user)
        for level in plan.levels:
            try:
                check_level(level, holder)
            except MizanError:
                return None  # the view answers the 401/403
    backend, secret = cache.get_cache(), cache.active_secret()
    if backend is None or secret is None or cache.purges_pending():
        return None  # no cache; or purges the view replays first (CACHE-3)
    try:
        user_id = identity_key(user)
        slot = (name, user_id, query_text)
        known = _keys.get(slot)
        if known is None or known.version != plan.version or known.secret != secret:
            query = plain_query(query_text, max_fields)
            params = plan.policy.key_params(query) if query is not None else None
            if params is None:
                return None  # the framework parses it, or answers the 422
            key = _backend.derive_cache_key(secret, name, params, user_id, plan.policy.rev)
            keys = [key, *cache.generation_keys(secret, name, params)]
            if len(_keys) >= _KEYS_MAX:
                _keys.clear()
            known = _keys[slot] = _Key(plan.version, secret, sorted(params), keys)
        found = cache.lookup_keys(backend, known.names, known.keys)
    except Exception:  # a failing backend, an unkeyed identity: the view decides and logs
        return None
    return found.body
