"""AFI-1, live servers: the transcript sent with a real HTTP client to Django and to FastAPI,
each under uvicorn on a free loopback port, must match between the adapters and match the
in-process runs of `afi.worker` (AFI-10, AFI-13); so must the WebSocket transcript, played
with a real WebSocket client (`websockets`) on the same servers (WS-1..10).

Run explicitly: `.venv/bin/python -m pytest afi/jobs/test_live.py` (and again with
`MIZAN_PURE=1`, which the servers inherit, AFI-6).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest

from afi.live import DJANGO_SETTINGS, HOST, ROOT, live_sender, ws_connect
from afi.transcript import COMPARED_HEADERS, auth_grid, script
from afi.worker import run_script
from afi.ws_transcript import ws_script
from afi.ws_worker import run_ws_script

ADAPTERS = ("django", "fastapi")
Records = list[dict[str, Any]]


@dataclass(frozen=True)
class LiveRun:
    """The records of one live run and the evidence that it went over the network."""

    records: Records
    ws: dict[str, Any]
    port: int
    answers: list[tuple[str, int | None, str | None]]
    alive_after_script: bool
    accepted_after_script: bool
    exit_code: int | None


def _accepts(port: int) -> bool:
    """Whether something accepts a TCP connection on the loopback port right now."""
    try:
        with socket.create_connection((HOST, port), timeout=2.0):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def live() -> dict[str, LiveRun]:
    runs = {}
    for adapter in ADAPTERS:
        with live_sender(adapter) as (server, send), ExitStack() as sockets:
            records = run_script(send) + run_script(send, auth_grid())  # AFI-10, then AFI-13
            ws = run_ws_script(ws_connect(server, sockets))
            alive = server.process.poll() is None
            accepted = _accepts(server.port)
        runs[adapter] = LiveRun(records, ws, server.port, server.answers, alive, accepted, server.process.returncode)
    return runs


@pytest.fixture(scope="module")
def in_process_outcomes() -> dict[str, dict[str, Any]]:
    """`python -m afi.worker <adapter>` in a fresh process, as the reference."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=DJANGO_SETTINGS)  # not pytest-django's
    env.pop("AFI_DATABASE", None)  # the worker's own in-memory database
    runs = {}
    for adapter in ADAPTERS:
        done = subprocess.run(
            [sys.executable, "-m", "afi.worker", adapter],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        runs[adapter] = json.loads(done.stdout)
    return runs


@pytest.fixture(scope="module")
def in_process(in_process_outcomes: dict[str, dict[str, Any]]) -> dict[str, Records]:
    return {adapter: outcome["steps"] + outcome["auth"] for adapter, outcome in in_process_outcomes.items()}


def _body(record: dict[str, Any]) -> str:
    text = repr(base64.b64decode(record["body"]))
    return text if len(text) <= 400 else f"{text[:400]}... ({len(text)} chars)"


def transcript_diff(left_name: str, left: Records, right_name: str, right: Records) -> str:
    """Empty when equal; otherwise one paragraph per differing step."""
    lines = []
    if len(left) != len(right):
        lines.append(f"{left_name} has {len(left)} records, {right_name} has {len(right)}")
    for index, (a, b) in enumerate(zip(left, right, strict=False)):
        if a == b:
            continue
        lines.append(f"step {index} {a['label']!r}" + ("" if a["label"] == b["label"] else f" / {b['label']!r}"))
        if a["status"] != b["status"]:
            lines.append(f"  status: {left_name}={a['status']} {right_name}={b['status']}")
        for name in COMPARED_HEADERS:
            if a["headers"].get(name) != b["headers"].get(name):
                lines.append(
                    f"  {name}: {left_name}={a['headers'].get(name)!r} {right_name}={b['headers'].get(name)!r}"
                )
        if a["body"] != b["body"]:
            lines.append(f"  body {left_name}: {_body(a)}")
            lines.append(f"  body {right_name}: {_body(b)}")
    return "\n".join(lines)


def test_live_django_equals_live_fastapi(live: dict[str, LiveRun]) -> None:
    diff = transcript_diff("django", live["django"].records, "fastapi", live["fastapi"].records)
    assert not diff, f"live transcripts differ:\n{diff}"


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_live_equals_in_process(adapter: str, live: dict[str, LiveRun], in_process: dict[str, Records]) -> None:
    diff = transcript_diff("live", live[adapter].records, "in-process", in_process[adapter])
    assert not diff, f"{adapter}: live and in-process transcripts differ:\n{diff}"


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_live_run_went_over_the_network(adapter: str, live: dict[str, LiveRun]) -> None:
    run = live[adapter]
    sent = len(script()) + len(auth_grid())
    assert len(run.records) == sent
    # Every scripted response came from uvicorn (its Server header; neither test client adds
    # one) on the chosen loopback port, and the server process outlived the script.
    assert run.answers == [(HOST, run.port, "uvicorn")] * sent
    assert run.alive_after_script
    assert run.accepted_after_script
    assert run.exit_code is not None  # and was stopped afterwards


def test_live_ws_django_equals_live_fastapi(live: dict[str, LiveRun]) -> None:
    assert live["fastapi"].ws == live["django"].ws


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_live_ws_equals_in_process(
    adapter: str, live: dict[str, LiveRun], in_process_outcomes: dict[str, dict[str, Any]]
) -> None:
    """Real sockets on uvicorn answer every frame as the in-process run does, and each
    socket has nothing more to say at the end."""
    assert live[adapter].ws == in_process_outcomes[adapter]["ws"]
    assert len(live[adapter].ws["steps"]) == len(ws_script())
