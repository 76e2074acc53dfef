"""SSR-3, SSR-5..9 through each adapter's public render (Django's template backend behind
`django.shortcuts.render`, FastAPI's `render` and `arender`), against the fault-injecting
fake worker (tests/ssr/fake_worker.py): real processes, real pipes."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ssr.sites import SITES, alive, fake, parse_reply, serve, wait_for_exit, wait_for_in_flight

pytestmark = [pytest.mark.django_db]


def capability(site: str) -> pytest.MarkDecorator:
    return pytest.mark.capability("SSR helper", "django" if site == "django" else "fastapi")


SITE_PARAMS = [pytest.param(site, id=site, marks=capability(site)) for site in SITES]


@pytest.fixture(params=SITE_PARAMS)
def site_kind(request: pytest.FixtureRequest) -> Iterator[str]:
    yield request.param


def test_ssr3_markup_and_props(site_kind: str) -> None:
    """SSR-3: the worker's HTML in the root element, then the props as sorted, escaped JSON."""
    props = {"z": 1, "name": "Wörld", "a": [True, None]}
    with serve(site_kind, fake()) as site:
        body = site.render("Hello.jsx", props)
    pid, file, rendered = parse_reply(body)
    assert (file, rendered) == ("Hello.jsx", props)
    assert body == (
        f'<div id="mizan-root"><p data-pid="{pid}" data-file="Hello.jsx">'
        f"{json.dumps(props, sort_keys=True, ensure_ascii=False)}</p></div>"
        '<script>window.__MIZAN_SSR_DATA__={"a":[true,null],"name":"Wörld","z":1}</script>'
    )


def test_ssr8_error_reply(site_kind: str) -> None:
    """SSR-8: an `error` reply is RuntimeError("SSR render failed: ...")."""
    with serve(site_kind, fake()) as site, pytest.raises(RuntimeError, match=r"^SSR render failed: throw.jsx threw"):
        site.render("throw.jsx")


def test_ssr6_never_ready(site_kind: str, tmp_path: Path) -> None:
    """SSR-6: no ready line within `timeout` is a TimeoutError, and the worker is stopped."""
    pids = tmp_path / "pids"
    with serve(site_kind, fake("--never-ready", "--pid-file", str(pids)), timeout=0.5) as site:
        with pytest.raises(TimeoutError, match="did not say ready within 0.5 s"):
            site.render("Hello.jsx")
        [pid] = [int(line) for line in pids.read_text().split()]
        assert not alive(pid)
        assert not site.pool.bridges[0].running


def test_ssr6_restart_after_crash_fails_in_flight_at_once(site_kind: str, caplog: pytest.LogCaptureFixture) -> None:
    """A worker that exits mid-render fails every render in flight at once (RuntimeError,
    not a TimeoutError after the minute-long timeout), and the next render restarts it
    with a warning (SSR-6)."""
    with serve(site_kind, fake("--slow", "60"), timeout=60) as site:
        first_pid, _, _ = parse_reply(site.render("Hello.jsx"))
        failures: list[BaseException] = []

        def slow() -> None:
            try:
                site.render("slow.jsx")
            except RuntimeError as exc:
                failures.append(exc)

        waiting = threading.Thread(target=slow)
        waiting.start()
        wait_for_in_flight(site, 1)
        with pytest.raises(RuntimeError, match=r"SSR worker exited \(exit code 13\)"):
            site.render("crash.jsx")
        waiting.join()
        assert [str(exc) for exc in failures] == ["SSR worker exited (exit code 13)"]
        with caplog.at_level(logging.WARNING, "mizan.ssr"):
            second_pid, _, _ = parse_reply(site.render("Hello.jsx", {"after": "crash"}))
    assert second_pid != first_pid and not alive(first_pid)
    assert any("is gone (SSR worker exited (exit code 13)); restarting it" in r.getMessage() for r in caplog.records)


def test_ssr8_hung_render_times_out_and_the_worker_is_replaced(site_kind: str) -> None:
    """SSR-8: a render not answered within `timeout` is a TimeoutError; its waiter is gone,
    the stuck worker is stopped and the next render gets a fresh one."""
    with serve(site_kind, fake(), timeout=0.5) as site:
        first_pid, _, _ = parse_reply(site.render("Hello.jsx"))
        with pytest.raises(TimeoutError, match="not answered within 0.5 s"):
            site.render("hang.jsx")
        process = site.pool.bridges[0]._process
        assert process is not None and process.pending == {}  # no waiter left behind
        assert not alive(first_pid)
        second_pid, _, props = parse_reply(site.render("Hello.jsx", {"n": 2}))
    assert second_pid != first_pid and props == {"n": 2}


def test_ssr8_blocked_worker(site_kind: str) -> None:
    """A worker stuck in a loop (it answers nothing at all) is a TimeoutError, then replaced."""
    with serve(site_kind, fake(), timeout=0.5) as site:
        with pytest.raises(TimeoutError):
            site.render("block.jsx")
        assert parse_reply(site.render("Hello.jsx", {"n": 1}))[2] == {"n": 1}


def test_ssr5_garbage_and_unknown_ids_are_ignored(site_kind: str, caplog: pytest.LogCaptureFixture) -> None:
    """SSR-5: lines that are not JSON objects are logged (first 200 characters) and
    skipped; replies to ids nobody sent are ignored."""
    with caplog.at_level(logging.DEBUG, "mizan.ssr"), serve(site_kind, fake("--garbage", "--unknown-ids")) as site:
        for n in range(3):
            assert parse_reply(site.render("Hello.jsx", {"n": n}))[2] == {"n": n}
    logged = [r.getMessage() for r in caplog.records if "not a JSON object" in r.getMessage()]
    assert any(message.endswith(": this is not JSON") for message in logged)
    assert any(message.endswith(": [1, 2, 3]") for message in logged)
    assert any(message.endswith(": " + "x" * 200) for message in logged)
    assert not any("x" * 201 in message for message in logged)
    assert any(re.search(r"answered unknown id 100000\d$", r.getMessage()) for r in caplog.records)


def test_ssr9_stderr_flood_is_drained(site_kind: str, caplog: pytest.LogCaptureFixture) -> None:
    """SSR-9: a worker writing 2 MB to stderr per render (far past a pipe's 64 KB) is not
    blocked; its lines reach the `mizan.ssr` logger."""
    with caplog.at_level(logging.WARNING, "mizan.ssr"), serve(site_kind, fake("--flood-stderr", "2097152")) as site:
        for n in range(2):
            assert parse_reply(site.render("Hello.jsx", {"n": n}))[2] == {"n": n}
    flood = [r for r in caplog.records if r.name == "mizan.ssr" and r.getMessage().endswith("e" * 4095)]
    assert len(flood) == 2 * (2097152 // 4096)


def test_ssr6_worker_exiting_between_renders_is_restarted(site_kind: str, caplog: pytest.LogCaptureFixture) -> None:
    """SSR-6: a worker that exited on its own after two renders is restarted on the next."""
    with caplog.at_level(logging.WARNING, "mizan.ssr"), serve(site_kind, fake("--exit-after", "2")) as site:
        pids = []
        for n in range(5):
            pids.append(parse_reply(site.render("Hello.jsx", {"n": n}))[0])
            if n % 2:
                wait_for_exit(pids[-1], site)  # the exit is seen before the next render, not during it
    assert pids[0] == pids[1] != pids[2] == pids[3] != pids[4]
    assert sum("restarting it" in r.getMessage() for r in caplog.records) == 2


def test_ssr7_out_of_order_replies_reach_their_renders(site_kind: str) -> None:
    """SSR-7: replies answered out of order are routed by id, across 8 threads."""
    with serve(site_kind, fake("--shuffle")) as site:
        results: dict[tuple[int, int], object] = {}

        def work(thread: int) -> None:
            for n in range(10):
                results[thread, n] = parse_reply(site.render("Hello.jsx", {"t": thread, "n": n}))[2]

        threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert results == {(t, n): {"t": t, "n": n} for t in range(8) for n in range(10)}
