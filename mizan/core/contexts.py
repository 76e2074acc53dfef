"""Named contexts: `ReactContext` values and the reserved global context (PROTOCOL §1.2)."""

from __future__ import annotations

import re
from typing import Final

# CTX-3: names are embedded unencoded in cache keys and in X-Mizan-Invalidate.
CONTEXT_NAME: Final = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")
GLOBAL_NAME: Final = "global"


def is_valid_context_name(name: object) -> bool:
    """True when `name` is a str matching CTX-3."""
    return isinstance(name, str) and CONTEXT_NAME.fullmatch(name) is not None


class ReactContext:
    """An immutable reference to a named context, compared and hashed by name (CTX-1).

    Use it in `context=`, `affects=` and `merge=`; the plain string is the escape hatch.
    """

    __slots__ = ("_name",)
    _name: str

    def __init__(self, name: str) -> None:
        if not isinstance(name, str):
            raise TypeError("ReactContext name must be a str")
        object.__setattr__(self, "_name", name)

    @property
    def name(self) -> str:
        """The context's name."""
        return self._name

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError("ReactContext is immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ReactContext) and other._name == self._name

    def __hash__(self) -> int:
        return hash((ReactContext, self._name))

    def __repr__(self) -> str:
        return f"ReactContext({self._name!r})"

    def __reduce__(self) -> tuple[type[ReactContext], tuple[str]]:
        return (ReactContext, (self._name,))


GlobalContext: Final = ReactContext(GLOBAL_NAME)
"""The predefined global context (CTX-2): fetched once at the root and SSR-hydrated."""
