"""Where emitted invalidation and merge entries go: the purge hook and `on_invalidate`.

The origin cache installs the purge hook (CPUR-2, INV-11, MRG-8); monitoring code
subscribes with `on_invalidate` (CPUR-9; the Django adapter re-sends each notification as
the `mizan_invalidated` signal). Neither may break a request: failures are logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

logger = logging.getLogger("mizan")

PurgeHook = Callable[[Any, str, dict[str, Any] | None], None]
"""`hook(request, context, params)`: params None for a broad entry."""

Listener = Callable[[str, dict[str, Any] | None, str | None, str], None]
"""`listener(context, params, function, source)` (CPUR-9)."""

PushHook = Callable[[Any, Sequence[Any], Sequence[dict[str, Any]]], None]
"""`hook(request, invalidate, merge)`, once per successful mutation (WS-9)."""

_purge_hook: PurgeHook | None = None
_push_hook: PushHook | None = None
_listeners: list[Listener] = []


def set_purge_hook(hook: PurgeHook | None) -> None:
    """Install the one purge hook (the origin cache), or remove it with None."""
    global _purge_hook
    _purge_hook = hook


def get_purge_hook() -> PurgeHook | None:
    """The installed purge hook (tests put it back after replacing it)."""
    return _purge_hook


def set_push_hook(hook: PushHook | None) -> None:
    """Install the hook that pushes a mutation's invalidation to the user's other sockets
    (WS-9); an adapter replaces the default to time it (Django: after the commit)."""
    global _push_hook
    _push_hook = hook


def get_push_hook() -> PushHook | None:
    return _push_hook


def on_invalidate(listener: Listener) -> Listener:
    """Call `listener(context, params, function, source)` for every emitted entry.

    `params` is the scope (None when broad); `function` the function-level target or the
    merge slot (None for a context target); `source` the registered name of the mutation.
    Usable as a decorator; returns the listener.
    """
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def remove_listener(listener: Listener) -> None:
    """Stop notifying `listener` (no error when it was not subscribed)."""
    if listener in _listeners:
        _listeners.remove(listener)


def _entry_parts(entry: str | dict[str, Any]) -> tuple[str, dict[str, Any] | None, str | None]:
    if isinstance(entry, str):
        return entry, None, None
    return entry["context"], entry.get("params"), entry.get("function")


def emit(
    request: Any, invalidate: Sequence[str | dict[str, Any]], merge: Sequence[dict[str, Any]], source: str
) -> None:
    """Hand every entry to the purge hook, then to the listeners, then the whole mutation
    to the push hook (after success only)."""
    if not (invalidate or merge) or (_purge_hook is None and _push_hook is None and not _listeners):
        return  # the common cases, kept free: nothing to hand on, or nobody to receive it
    targets = [_entry_parts(entry) for entry in invalidate]
    targets += [(item["context"], item.get("params"), item["slot"]) for item in merge]
    for context, params, function in targets:
        if _purge_hook is not None:
            try:
                _purge_hook(request, context, params)
            except Exception:
                logger.exception("Mizan purge of context %r failed", context)
        for listener in list(_listeners):
            try:
                listener(context, params, function, source)
            except Exception:
                logger.exception("A Mizan on_invalidate listener failed")
    if _push_hook is not None:
        try:
            _push_hook(request, invalidate, merge)
        except Exception:
            logger.exception("Mizan could not push an invalidation to the user's sockets")
