"""The core bridge and pool against the fake worker: what the adapters' tests
(tests/ssr/test_sites.py) cannot reach from a page, and concurrency over 1 and N workers."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from mizan.core.ssr import Bridge, SSRConfig, WorkerPool
from tests.ssr.sites import COMPONENTS, alive, fake, parse_reply

HELLO = f"{COMPONENTS}/Hello.jsx"


def props_of(n: int) -> bytes:
    return json.dumps({"n": n}).encode()


def test_ssr6_starts_on_first_use_and_ping() -> None:
    """SSR-6: nothing runs before the first use; SSR-5's ping gets its pong."""
    bridge = Bridge(fake(), timeout=10)
    try:
        assert not bridge.running and bridge.pid is None
        bridge.ping()
        assert bridge.running and bridge.pid is not None
    finally:
        bridge.shutdown()
    assert not bridge.running


def test_ssr6_exit_before_ready_fails_at_once() -> None:
    """A worker that exits during start-up is a RuntimeError at once, not a TimeoutError
    after the (minute-long) timeout."""
    bridge = Bridge(fake("--exit-before-ready"), timeout=60)
    with pytest.raises(RuntimeError, match=r"exited before it was ready: .*exit code 7"):
        bridge.render(HELLO, b"{}")


def test_missing_command_is_a_runtime_error() -> None:
    bridge = Bridge(("/nonexistent/mizan-ssr-node",), timeout=5)
    with pytest.raises(RuntimeError, match="SSR worker could not start"):
        bridge.render(HELLO, b"{}")


def test_ssr6_failed_start_answers_the_renders_waiting_for_it(tmp_path: Path) -> None:
    """Renders queued behind a start-up that timed out share its TimeoutError instead of
    each starting (and waiting out) a worker of its own."""
    pids = tmp_path / "pids"
    bridge = Bridge(fake("--never-ready", "--pid-file", str(pids)), timeout=1)
    errors: list[BaseException] = []

    def render() -> None:
        try:
            bridge.render(HELLO, b"{}")
        except TimeoutError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=render) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(errors) == 4
    assert len(pids.read_text().split()) == 1


def test_ssr8_broken_pipe() -> None:
    """SSR-8: a worker that closed its stdin is a RuntimeError, and no waiter stays behind."""
    bridge = Bridge(fake("--close-stdin"), timeout=10)
    try:
        bridge.start()
        with pytest.raises(RuntimeError, match="SSR worker pipe broken"):
            bridge.render(HELLO, b"{}")
        process = bridge._process
        assert process is not None and process.pending == {}
    finally:
        bridge.shutdown()


def test_malformed_reply_is_a_runtime_error() -> None:
    bridge = Bridge(fake("--malformed"), timeout=10)
    try:
        with pytest.raises(RuntimeError, match="malformed reply"):
            bridge.render(HELLO, b"{}")
    finally:
        bridge.shutdown()


def test_ssr6_shutdown_kills_a_worker_that_ignores_terminate(tmp_path: Path) -> None:
    """SSR-6: stdin closed, SIGTERM, 3 s, then SIGKILL."""
    bridge = Bridge(fake("--ignore-term"), timeout=10)
    bridge.ping()
    process = bridge._process
    assert process is not None
    bridge.shutdown()
    assert process.popen.returncode == -9 and not alive(process.pid)


def test_ssr6_workers_stop_when_python_exits(tmp_path: Path) -> None:
    """SSR-6: atexit stops the workers of a process that never called shutdown()."""
    pids = tmp_path / "pids"
    script = (
        "import sys\n"
        "from mizan.core.ssr import SSRConfig, WorkerPool\n"
        f"pool = WorkerPool(SSRConfig(command={list(fake('--pid-file', str(pids)))!r}, workers=2))\n"
        f"print(pool.render({HELLO!r}, {{'n': 1}}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert parse_reply(done.stdout)[2] == {"n": 1}
    [pid] = [int(line) for line in pids.read_text().split()]
    assert not alive(pid)


def test_ssr3_props_reach_the_worker_escaped_and_intact() -> None:
    """What the worker renders with is the hydration data itself: `</script>`, U+2028 and
    non-ASCII text arrive unchanged through the escaped line."""
    pool = WorkerPool(SSRConfig(command=fake(), workers=1))
    props = {"evil": "</script><script>alert(1)</script>", "sep": "a\u2028b\u2029c", "text": "سلام & <b>"}
    try:
        assert parse_reply(pool.render(HELLO, props))[2] == props
    finally:
        pool.shutdown()


@pytest.mark.parametrize("workers", [1, 3], ids=["1-worker", "3-workers"])
def test_ssr7_eight_threads_every_reply_matched(workers: int) -> None:
    """SSR-7: 8 threads x 50 renders, answered out of order, each reply the request's own."""
    pool = WorkerPool(SSRConfig(command=fake("--shuffle"), workers=workers, timeout=30))
    results: dict[tuple[int, int], object] = {}
    pids: set[int] = set()

    def work(thread: int) -> None:
        for n in range(50):
            pid, _, props = parse_reply(pool.render(HELLO, {"t": thread, "n": n}))
            results[thread, n] = props
            pids.add(pid)

    try:
        threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        pool.shutdown()
    assert results == {(t, n): {"t": t, "n": n} for t in range(8) for n in range(50)}
    assert 1 <= len(pids) <= workers


def test_pool_a_hung_render_does_not_hold_up_the_others() -> None:
    """A render hanging on one worker leaves the others serving: the next renders go to
    the least busy worker, and a quiet pool runs one process only."""
    pool = WorkerPool(SSRConfig(command=fake(), workers=2, timeout=60))
    try:
        first = parse_reply(pool.render(HELLO, {"n": 0}))[0]
        assert parse_reply(pool.render(HELLO, {"n": 1}))[0] == first
        assert not pool.bridges[1].running  # sequential renders never needed a second worker
        hung: list[BaseException] = []

        def hang() -> None:
            try:
                pool.render(f"{COMPONENTS}/hang.jsx", {})
            except RuntimeError as exc:
                hung.append(exc)

        waiting = threading.Thread(target=hang)
        waiting.start()
        process = pool.bridges[0]._process
        while process is None or not process.pending:
            process = pool.bridges[0]._process
            threading.Event().wait(0.01)
        served = {parse_reply(pool.render(HELLO, {"n": n}))[0] for n in range(5)}
        assert first not in served and len(served) == 1
    finally:
        pool.shutdown()  # fails the hung render at once
        waiting.join()
    assert [str(exc) for exc in hung] == ["SSR worker shut down"]


def test_render_async_keeps_the_loop_running() -> None:
    """The awaitable path: while a slow render is awaited, other coroutines run; many
    renders are in flight at once."""
    pool = WorkerPool(SSRConfig(command=fake("--slow", "0.3", "--shuffle"), workers=2, timeout=30))

    async def main() -> tuple[int, list[str]]:
        ticks = 0
        slow = asyncio.ensure_future(pool.render_async(f"{COMPONENTS}/slow.jsx", {"slow": True}))
        while not slow.done():
            ticks += 1
            await asyncio.sleep(0.01)
        others = await asyncio.gather(*(pool.render_async(HELLO, {"n": n}) for n in range(20)))
        await slow
        return ticks, others

    try:
        ticks, others = asyncio.run(main())
    finally:
        pool.shutdown()
    assert ticks > 1
    assert [parse_reply(html)[2] for html in others] == [{"n": n} for n in range(20)]


def test_render_async_timeout_drops_the_waiter() -> None:
    pool = WorkerPool(SSRConfig(command=fake(), workers=1, timeout=0.5))
    try:
        with pytest.raises(TimeoutError):
            asyncio.run(pool.render_async(f"{COMPONENTS}/hang.jsx", {}))
        process = pool.bridges[0]._process
        assert process is not None and process.pending == {} and process.ended is not None
        assert parse_reply(asyncio.run(pool.render_async(HELLO, {"n": 1})))[2] == {"n": 1}
    finally:
        pool.shutdown()
