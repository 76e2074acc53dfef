"""`mizan.ssr.MizanTemplates`: a Django template backend whose templates are React
components rendered by the SSR worker pool (SSR-1..3)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Final

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.template import Origin, TemplateDoesNotExist
from django.template.backends.base import BaseEngine
from django.utils.safestring import SafeString, mark_safe

from mizan.core.errors import ConfigError
from mizan.core.ssr import SSRConfig, WorkerPool, default_command, find_component
from mizan.core.ssr.config import DEFAULT_TIMEOUT, default_workers

# SSR-3: the request and Django's CSRF token are page machinery, not component props.
NOT_PROPS: Final = frozenset({"request", "csrf_token"})
OPTIONS: Final = ("worker", "worker_path", "command", "timeout", "workers")


def ssr_config(dirs: list[str], options: Mapping[str, Any]) -> SSRConfig:
    """The pool's settings from the backend's OPTIONS (SSR-1, SSR-10).

    `command` is the worker's whole argv; `worker` (or its alias `worker_path`) names a
    worker script run as `node <worker>`; with neither, the packaged worker runs.

    Raises:
        ConfigError: an unknown option, both `worker` and `worker_path`, `worker` together
            with `command`, or a value of the wrong type (ConfigError is a ValueError).
    """
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ConfigError(f"MizanTemplates: unknown OPTIONS {', '.join(unknown)}; known: {', '.join(OPTIONS)}")
    if "worker" in options and "worker_path" in options:
        raise ConfigError("MizanTemplates: give OPTIONS 'worker' or its alias 'worker_path', not both")
    worker = options.get("worker", options.get("worker_path"))
    if worker is not None and "command" in options:
        raise ConfigError("MizanTemplates: OPTIONS 'command' is the whole argv; leave out 'worker' with it")
    if worker is not None and (not isinstance(worker, str) or not worker):
        raise ConfigError(f"MizanTemplates: OPTIONS 'worker' must be a path, not {worker!r}")
    return SSRConfig(
        command=options.get("command", default_command(worker)),
        timeout=options.get("timeout", DEFAULT_TIMEOUT),
        workers=options.get("workers", default_workers()),
        dirs=tuple(dirs),
    )


class MizanTemplate:
    """One component file; `render` sends it to a worker (SSR-2, SSR-3)."""

    def __init__(self, path: str, name: str, engine: MizanTemplates) -> None:
        self.path = path
        self.origin = Origin(name=path, template_name=name)
        self.engine = engine

    def render(self, context: Mapping[str, Any] | None = None, request: HttpRequest | None = None) -> SafeString:
        """The SSR-3 markup of the component rendered with `context` as its props.

        Args:
            context: the props; `request` and `csrf_token` are left out.
            request: unused (Django's template API passes it).

        Raises:
            TimeoutError, RuntimeError: as `WorkerPool.render` (SSR-6, SSR-8).
        """
        props = {key: value for key, value in (context or {}).items() if key not in NOT_PROPS}
        return mark_safe(self.engine.pool.render(self.path, props))


class MizanTemplates(BaseEngine):
    """A template backend rendering React components through SSR workers (SSR-1).

    In `TEMPLATES`: `"BACKEND": "mizan.ssr.MizanTemplates"`, `DIRS` (where component files
    are looked up) and `OPTIONS`: `worker`/`worker_path`, `command`, `timeout` (seconds,
    default 5) and `workers` (the pool size, default min(4, CPU count)). The workers start
    on the first render and stop when the process exits.
    """

    def __init__(self, params: dict[str, Any]) -> None:
        params = dict(params)
        options = params.pop("OPTIONS", {}) or {}
        params.setdefault("DIRS", [])
        params.setdefault("APP_DIRS", False)
        super().__init__(params)
        if self.app_dirs:
            raise ImproperlyConfigured("MizanTemplates looks up components in DIRS only; set APP_DIRS to False")
        self.config = ssr_config(self.dirs, options)
        self._pool: WorkerPool | None = None
        self._pool_lock = threading.Lock()

    @property
    def pool(self) -> WorkerPool:
        """The engine's worker pool, made on first use (no process starts before a render)."""
        if self._pool is None:
            with self._pool_lock:
                if self._pool is None:
                    self._pool = WorkerPool(self.config)
        return self._pool

    def from_string(self, template_code: str) -> MizanTemplate:
        """Components are files (SSR-2).

        Raises:
            TemplateDoesNotExist: always.
        """
        raise TemplateDoesNotExist("MizanTemplates renders component files, not strings", backend=self)

    def get_template(self, template_name: str) -> MizanTemplate:
        """The first `DIRS/<template_name>` that is a file (SSR-2).

        Raises:
            TemplateDoesNotExist: none is.
        """
        path = find_component(self.config.dirs, template_name)
        if path is None:
            raise TemplateDoesNotExist(template_name, backend=self)
        return MizanTemplate(path, template_name, self)
