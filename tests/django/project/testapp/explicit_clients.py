"""A module that registers one function itself (REG-3/DISC-2: discovery skips it).

Imported only by tests/django/test_checks_discovery.py.
"""

from __future__ import annotations

from typing import Any

from mizan import client
from mizan.setup import register


@client
def explicit_fn(request: Any) -> str:
    return "explicit"


register(explicit_fn, "explicitly_named")


@client
def discovered_fn(request: Any) -> str:
    return "discovered"


class _Hidden:
    """Not a ServerFunction: discovery ignores it."""
