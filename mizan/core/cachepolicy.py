"""Per-context cache policy, derived from the registry once per change (§6.2-§6.3)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mizan.core import _backend, registry
from mizan.core._py.validate import DEFAULT_VALUE
from mizan.core.auth import get_user, identity_key
from mizan.core.errors import ValidationError
from mizan.core.rules import same_shape
from mizan.core.signature import node_for

_ANY = ("any", None, None)


@dataclass(frozen=True)
class ContextPolicy:
    """Effective rev (CACHE-4), policy (CACHE-5) and how fetch params become key params."""

    rev: int
    cache: bool | int
    key_spec: Any  # ParamSpec over the context's params, all optional (CKEY-6)

    @property
    def enabled(self) -> bool:
        return self.cache is not False

    def entry_ttl(self, default_ttl: int) -> int:
        """CACHE-7: the effective integer TTL, else the default."""
        return self.cache if type(self.cache) is int else default_ttl

    def key_params(self, query: Mapping[str, str]) -> dict[str, Any] | None:
        """CKEY-6: declared params present in the query, coerced by their declared type
        (raw text where members disagree); None when one cannot be coerced (the fetch then
        skips the cache and answers the 422)."""
        try:
            values, supplied = _backend.validate_args(self.key_spec, dict(query))
        except ValidationError:
            return None
        return {name: values[name] for name in supplied}


_lock = threading.Lock()
_policies: dict[str, ContextPolicy] = {}
_version = -1
_generation_ttl: dict[int, int] = {}


def _annotations(members: Any) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for _, fn_class in members:
        if fn_class.Input is not None:
            for name, info in fn_class.Input.model_fields.items():
                found.setdefault(name, []).append(info.annotation)
    return found


def policy_for(context: str) -> ContextPolicy | None:
    """The policy of a registered context (None when unknown)."""
    global _version
    with _lock:
        if _version != registry.version():
            _policies.clear()
            _generation_ttl.clear()
            _version = registry.version()
        if context in _policies:
            return _policies[context]
    view = registry.context_view(context)
    if view is None:
        return None
    options = [fn_class._options for _, fn_class in view.members]
    rev = max(o.rev for o in options)
    ints = [o.cache for o in options if type(o.cache) is int]
    cache: bool | int = False if any(o.cache is False for o in options) else (min(ints) if ints else True)
    entries = []
    for name, declared in sorted(_annotations(view.members).items()):
        agree = all(same_shape(a, declared[0]) for a in declared)
        entries.append((name, node_for(declared[0]) if agree else _ANY, DEFAULT_VALUE, None))
    policy = ContextPolicy(rev, cache, _backend.compile_params(entries))
    with _lock:
        _policies[context] = policy
    return policy


def generation_ttl(default_ttl: int) -> int:
    """CPUR-4: at least the longest entry TTL any context can have."""
    if default_ttl not in _generation_ttl:
        longest = [f._options.cache for f in registry.get_all_functions().values() if type(f._options.cache) is int]
        _generation_ttl[default_ttl] = max([default_ttl, *longest])
    return _generation_ttl[default_ttl]


def user_key(request: Any) -> str | None:
    """CKEY-6, FA-3a: the identity key of the request's user; None when anonymous (public).

    Raises:
        UnkeyedIdentity: an authenticated user without a key; its fetches are never cached.
    """
    return identity_key(get_user(request))
