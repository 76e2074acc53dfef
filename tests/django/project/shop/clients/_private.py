"""A private helper module of the `clients` package: discovery never imports it."""

from __future__ import annotations

from typing import Any

from mizan import client


@client
def shop_hidden(request: Any) -> str:
    return "hidden"
