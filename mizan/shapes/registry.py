"""Every bound Shape declared in the process, for the system check (mizan.E015..E018).

No Django or django-readers import here: `mizan.checks` reads this list whether or not the
`shapes` extra is installed.
"""

from __future__ import annotations

from typing import Any

_SHAPES: list[type[Any]] = []


def declare(shape: type[Any]) -> None:
    """Record a Shape subclass bound to a model (called when the class is created)."""
    _SHAPES.append(shape)


def declared() -> list[type[Any]]:
    """The bound Shapes in declaration order."""
    return list(_SHAPES)


def forget(shape: type[Any]) -> None:
    """Drop a Shape from the check's list (tests that declare broken Shapes on purpose)."""
    if shape in _SHAPES:
        _SHAPES.remove(shape)
