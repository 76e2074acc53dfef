"""Django system checks for Mizan (tag "mizan")."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error

from mizan.core.registry import registry_problems

E001_ID = "mizan.E001"


def check_registry(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """mizan.E001: the registry fails `validate_registry()` (REG-9), one error per problem."""
    return [
        Error(
            problem,
            hint="Declare the context or register the function that affects=/merge= names.",
            id=E001_ID,
        )
        for problem in registry_problems()
    ]
