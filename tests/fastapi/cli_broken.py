"""An application module whose registry is invalid (REG-9). Imported only by subprocesses."""

from __future__ import annotations

from typing import Any

import mizan_fastapi


@mizan_fastapi.client(affects="no_such_context")
def orphan(request: Any) -> None:
    return None


mizan_fastapi.register(orphan, "orphan")
