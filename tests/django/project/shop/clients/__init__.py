"""A `clients` package (issue 15): discovery registers what this file defines, then every
module under it, recursively, in name order; `_private.py` is skipped."""

from __future__ import annotations

from typing import Any

from mizan import client

ORDERS: dict[int, list[str]] = {}


@client
def shop_status(request: Any) -> str:
    return "open"
