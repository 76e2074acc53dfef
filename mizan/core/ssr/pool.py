"""A pool of SSR workers: each render goes to the least busy one, so one slow render does
not hold up the rest of the site (SSR-7)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from typing import Any

from mizan.core.ssr.bridge import Bridge, Pending, render_params
from mizan.core.ssr.config import SSRConfig
from mizan.core.ssr.page import page, props_json


class WorkerPool:
    """Up to `config.workers` worker processes, started as they are needed.

    A render goes to the worker with the fewest renders in flight; among equals, to one
    already running (then the first), so a quiet site runs a single process and a second
    one starts only when every running worker is busy.

    Args:
        config: the command, timeout and pool size.
    """

    def __init__(self, config: SSRConfig) -> None:
        self.config = config
        self.bridges = tuple(
            Bridge(config.command, config.timeout, name=f"SSR worker {index + 1}/{config.workers}")
            for index in range(config.workers)
        )
        self._load = [0] * config.workers
        self._lock = threading.Lock()

    def _take(self) -> int:
        with self._lock:
            index = min(range(len(self.bridges)), key=lambda i: (self._load[i], not self.bridges[i].running, i))
            self._load[index] += 1
            return index

    def _release(self, index: int) -> None:
        with self._lock:
            self._load[index] -= 1

    def render_html(self, file: str, props_json: bytes) -> str:
        """The worker's HTML for one component (SSR-5), without the SSR-3 wrapper.

        Raises:
            TimeoutError: no ready line or no reply within the timeout (SSR-6, SSR-8).
            RuntimeError: an error reply, a broken pipe, or a worker that exited (SSR-8).
        """
        index = self._take()
        try:
            return self.bridges[index].render(file, props_json)
        finally:
            self._release(index)

    def render(self, file: str, props: Mapping[str, Any]) -> str:
        """Render a component and wrap it with its hydration data (SSR-3).

        Args:
            file: the component's absolute path.
            props: its props; the same JSON is embedded for hydration.

        Returns:
            `<div id="mizan-root">...</div><script>window.__MIZAN_SSR_DATA__=...</script>`.

        Raises:
            EncodeError: props no JSON can hold; TimeoutError, RuntimeError: as `render_html`.
        """
        data = props_json(props)
        return page(self.render_html(file, data), data)

    async def render_async(self, file: str, props: Mapping[str, Any]) -> str:
        """`render` for an event loop: start-up and the write run in a thread, the reply is
        awaited, so the loop never blocks on a worker.

        Raises:
            As `render`.
        """
        data = props_json(props)
        index = self._take()
        try:
            bridge = self.bridges[index]
            params = render_params(file, data)
            pending: Pending = await asyncio.to_thread(bridge.submit, "render", params)
            try:
                html: str = await asyncio.wait_for(asyncio.wrap_future(pending.reply), bridge.timeout)
            except TimeoutError:
                bridge.expire(pending)
                raise TimeoutError(f"SSR render not answered within {bridge.timeout} s") from None
            except asyncio.CancelledError:
                pending.process.forget(pending.ident)  # the client went away: no waiter left behind
                raise
        finally:
            self._release(index)
        return page(html, data)

    def ping(self) -> int:
        """Ping every running worker, starting the first if none runs.

        Returns:
            How many workers answered.

        Raises:
            TimeoutError, RuntimeError: a worker did not answer.
        """
        running = [bridge for bridge in self.bridges if bridge.running] or [self.bridges[0]]
        for bridge in running:
            bridge.ping()
        return len(running)

    def shutdown(self) -> None:
        """Stop every worker (SSR-6); the pool starts them again when next used."""
        for bridge in self.bridges:
            bridge.shutdown()
