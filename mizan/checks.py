"""Django system checks for Mizan (tag "mizan")."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from mizan.core.registry import registry_problems

E001_ID = "mizan.E001"
E002_ID = "mizan.E002"
W001_ID = "mizan.W001"
W002_ID = "mizan.W002"
MIN_SECRET_BYTES = 32


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


def _secrets() -> dict[str, str]:
    configured = {
        "MIZAN_CACHE_SECRET": getattr(settings, "MIZAN_CACHE_SECRET", None),
        "MIZAN_MWT_SECRET": getattr(settings, "MIZAN_MWT_SECRET", None),
        "MIZAN_JWT_SECRET": getattr(settings, "MIZAN_JWT_SECRET", None) or getattr(settings, "SECRET_KEY", None),
    }
    return {name: value for name, value in configured.items() if value}


def check_cache(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """SEC-1 (E002): secrets shared between purposes; CACHE-1 (W001): caching half
    configured; SEC-2 (W002): a cache secret shorter than 32 bytes."""
    messages: list[CheckMessage] = []
    secrets = _secrets()
    names = sorted(secrets)
    for index, first in enumerate(names):
        for second in names[index + 1 :]:
            if secrets[first] == secrets[second]:
                messages.append(
                    Error(
                        f"{first} and {second} are the same value",
                        hint="Use separate secrets: a leaked cache key must not forge tokens (SEC-1).",
                        id=E002_ID,
                    )
                )
    secret = getattr(settings, "MIZAN_CACHE_SECRET", None)
    url = getattr(settings, "MIZAN_CACHE_REDIS_URL", None)
    if (secret is None) != (url is None):
        missing = "MIZAN_CACHE_SECRET" if secret is None else "MIZAN_CACHE_REDIS_URL"
        messages.append(
            Warning(f"the origin cache stays disabled: {missing} is not set", hint="Set both or neither.", id=W001_ID)
        )
    if secret is not None and len(str(secret).encode("utf-8")) < MIN_SECRET_BYTES:
        messages.append(Warning("MIZAN_CACHE_SECRET is shorter than 32 bytes", id=W002_ID))
    return messages
