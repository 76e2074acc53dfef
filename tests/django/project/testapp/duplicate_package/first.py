"""One of two modules defining `same_name` (REG-3: the second cannot take the name)."""

from __future__ import annotations

from typing import Any

from mizan import client


@client
def same_name(request: Any) -> str:
    return "first"
