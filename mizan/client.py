"""Re-export of the declaration API (PROTOCOL §0.6: `mizan.client`)."""

from __future__ import annotations

from mizan.core import GlobalContext, ReactContext, ServerFunction, client

__all__ = ["GlobalContext", "ReactContext", "ServerFunction", "client"]
