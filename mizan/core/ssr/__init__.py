"""Server-side rendering through JavaScript worker processes (PROTOCOL §10.6, framework-neutral).

`WorkerPool(SSRConfig(...)).render(file, props)` answers the SSR-3 markup; the Django
template backend (`mizan.ssr`) and FastAPI's `mizan_fastapi.ssr.render` are thin adapters.
"""

from __future__ import annotations

from mizan.core.ssr.bridge import Bridge, Pending
from mizan.core.ssr.config import PACKAGED_WORKER, SSRConfig, default_command, default_workers
from mizan.core.ssr.files import find_component
from mizan.core.ssr.page import page, props_json
from mizan.core.ssr.pool import WorkerPool

__all__ = [
    "PACKAGED_WORKER",
    "Bridge",
    "Pending",
    "SSRConfig",
    "WorkerPool",
    "default_command",
    "default_workers",
    "find_component",
    "page",
    "props_json",
]
