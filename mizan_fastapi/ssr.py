"""`mizan_fastapi.ssr.render`: a React component rendered by the SSR workers as an
`HTMLResponse` (SSR-11), through the same core bridge and markup as Django's backend."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any

from fastapi.responses import HTMLResponse

from mizan.core.ssr import SSRConfig, WorkerPool, find_component
from mizan_fastapi.conf import get_settings

_lock = threading.Lock()
_pool: WorkerPool | None = None


def get_pool() -> WorkerPool:
    """The process's worker pool for the settings in force; a `configure()` that changed
    the SSR settings stops the old pool's workers and makes a new pool."""
    global _pool
    config = get_settings().ssr
    with _lock:
        if _pool is None or _pool.config != config:
            if _pool is not None:
                _pool.shutdown()
            _pool = WorkerPool(config)
        return _pool


def shutdown() -> None:
    """Stop the workers now (they also stop when the process exits); a later render starts
    them again."""
    with _lock:
        if _pool is not None:
            _pool.shutdown()


def component_path(file: str | os.PathLike[str], config: SSRConfig) -> str:
    """The absolute path of a component: looked up in `ssr_dirs` when configured (first
    match wins, SSR-2), else taken as given (relative to the working directory).

    Raises:
        FileNotFoundError: no such file.
    """
    name = os.fspath(file)
    path = (
        find_component(config.dirs, name) if config.dirs else (os.path.abspath(name) if os.path.isfile(name) else None)
    )
    if path is None:
        where = f" in {', '.join(config.dirs)}" if config.dirs else ""
        raise FileNotFoundError(f"SSR component {name!r} not found{where}")
    return path


def render(
    file: str | os.PathLike[str], props: Mapping[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render a component with `props` for a sync (`def`) route, which FastAPI runs in its
    thread pool.

    Args:
        file: the component file (see `component_path`).
        props: its props, embedded for hydration too (SSR-3).
        status_code: the response status.

    Returns:
        The SSR-3 markup as `text/html`.

    Raises:
        FileNotFoundError: no such component; TimeoutError, RuntimeError: the worker failed
            (SSR-6, SSR-8).
    """
    pool = get_pool()
    return HTMLResponse(pool.render(component_path(file, pool.config), props or {}), status_code=status_code)


async def arender(
    file: str | os.PathLike[str], props: Mapping[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """`render` for an `async def` route: the wait for the worker never blocks the event loop.

    Raises:
        As `render`.
    """
    pool = get_pool()
    html = await pool.render_async(component_path(file, pool.config), props or {})
    return HTMLResponse(html, status_code=status_code)
