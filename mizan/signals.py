"""Django signals of Mizan."""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal

mizan_invalidated = Signal()
"""Sent for every emitted invalidation or merge entry (CPUR-9), after the mutation
succeeded, with keyword arguments `context`, `params` (None when broad), `function` (the
function-level target or merge slot, else None) and `source` (the mutation's registered
name). The sender is None."""


def send_invalidated(context: str, params: dict[str, Any] | None, function: str | None, source: str) -> None:
    """The core's `on_invalidate` listener that re-sends each notification as the signal."""
    mizan_invalidated.send(sender=None, context=context, params=params, function=function, source=source)
