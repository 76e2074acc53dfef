"""Servers on loopback and wrk driving them: the plumbing of the over-HTTP benchmarks.

A `Server` is a process group started on a free 127.0.0.1 port, pinned to one CPU, and
killed as a group when its `with` block ends, however it ends (gunicorn's master and its
worker, or uvicorn, never outlive the run). `load()` runs wrk pinned to another CPU against
one `Target` for a few seconds and reads its numbers from a JSON line printed by the Lua
`done()` hook, not from wrk's human-readable report, and reads from /proc the CPU time the
server's process group used meanwhile (`group_cpu_seconds`). `rounds()` runs several targets in
interleaved rounds, rotating the order, so drift on a shared machine hits every target
alike, and keeps the median of each.

Why these choices: the server and the load generator each get a core of their own, so
the load generator never steals the server's CPU (wrk is C and cheap, but it is not free);
4 connections keep the single server busy without queueing much; the requests are built
once by wrk (`wrk.method/body/headers`, no per-request Lua), so wrk's own cost stays low.
"""

from __future__ import annotations

import contextlib
import http.client
import importlib.metadata
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
START_TIMEOUT = 60.0  # seconds for a server to answer its first request (imports, Django setup)
STOP_TIMEOUT = 5.0  # seconds between the polite signal and SIGKILL
WARM_REQUESTS = 300  # per target, before the first round
_MARK = "MIZAN-WRK "  # prefix of the line the Lua done() hook prints


def missing_tools(*names: str) -> list[str]:
    """The commands among `names` that are not on PATH (wrk, taskset)."""
    return [name for name in names if shutil.which(name) is None]


def cpus() -> tuple[int | None, int | None]:
    """(server CPU, load-generator CPU): the first two CPUs this process may run on, or
    (None, None) when there are fewer than two or no `taskset` (nothing is pinned then)."""
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2 or shutil.which("taskset") is None:
        return None, None
    return allowed[0], allowed[1]


def pinned(command: Sequence[str], cpu: int | None) -> list[str]:
    """`command` run under `taskset -c <cpu>` (children inherit the affinity), or as is."""
    return list(command) if cpu is None else ["taskset", "-c", str(cpu), *command]


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Answer:
    """One response read by a plain HTTP client."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


JSON_HEADERS = (("Content-Type", "application/json"),)


def post(
    port: int, path: str, body: bytes, headers: Sequence[tuple[str, str]] = JSON_HEADERS, timeout: float = 10.0
) -> Answer:
    """POST `body` with `headers` to http://127.0.0.1:<port><path> with the stdlib client."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("POST", path, body, dict(headers))
        response = connection.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


@dataclass
class Server:
    """A server command listening on `port`, as a process group of its own.

    Use as a context manager: entering starts it and waits until `ready_path` answers
    (any HTTP status: the app is loaded and serving), leaving kills the group.
    """

    name: str
    command: list[str]
    port: int
    env: dict[str, str]
    ready_path: str = "/"
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    _log: IO[bytes] | None = field(default=None, init=False)

    def __enter__(self) -> Server:
        self._log = tempfile.TemporaryFile(prefix="mizan-http-server-")
        # A new session makes the server the leader of its own process group, so one
        # killpg reaches gunicorn's worker as well as its master.
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.output()}")
            try:
                post(self.port, self.ready_path, b"{}", timeout=5.0)
                return
            except (OSError, http.client.HTTPException):
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer within {START_TIMEOUT:.0f} s:\n{self.output()}")

    @property
    def group(self) -> int:
        """The process group id (the leader's pid): what `group_cpu_seconds` sums over."""
        assert self.process is not None, "the server is not running"
        return self.process.pid

    def output(self, lines: int = 30) -> str:
        """The last `lines` lines the server printed (its log goes to a temporary file)."""
        if self._log is None:
            return ""
        self._log.seek(0)
        return "\n".join(self._log.read().decode(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """SIGINT to the group (quick shutdown for gunicorn and uvicorn), SIGKILL if it lingers."""
        process, self.process = self.process, None
        if process is not None:
            for sig, wait in ((signal.SIGINT, STOP_TIMEOUT), (signal.SIGKILL, STOP_TIMEOUT)):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, sig)
                try:
                    process.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
            # The group may outlive its leader (a worker still exiting): make sure it is gone.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        if self._log is not None:
            self._log.close()
            self._log = None


def python_command(*args: str) -> list[str]:
    """`python -m ...` with this interpreter (the virtualenv's gunicorn and uvicorn)."""
    return [sys.executable, *args]


GUNICORN_THREADS = 4  # one per wrk connection: a keep-alive connection never waits for a thread


def gunicorn_command(app: str, port: int) -> list[str]:
    """One gunicorn gthread worker with GUNICORN_THREADS threads serving `app` on `port`.

    `--no-control-socket` where gunicorn has a control socket (25.1+): every gunicorn would
    otherwise listen on the same ~/.gunicorn/gunicorn.ctl, the C and pure servers (or another
    run's) taking it from each other."""
    major, minor = (int(part) for part in importlib.metadata.version("gunicorn").split(".")[:2])
    extra = ["--no-control-socket"] if (major, minor) >= (25, 1) else []
    return python_command(
        "-m",
        "gunicorn",
        "--worker-class",
        "gthread",
        "--workers",
        "1",
        "--threads",
        str(GUNICORN_THREADS),
        "--bind",
        f"{HOST}:{port}",
        "--log-level",
        "warning",
        *extra,
        app,
    )


def server_env(**extra: str) -> dict[str, str]:
    """This environment with the repository importable and `extra` set (MIZAN_PURE)."""
    env = dict(os.environ, **extra)
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the WSGI module configures its own settings
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))
    return env


@dataclass(frozen=True)
class Target:
    """One endpoint to load: a POST of `body` (or a GET, `method="GET"`, body unsent) to
    `path` on `port`."""

    name: str
    port: int
    path: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = JSON_HEADERS
    group: int | None = None  # the server's process group, whose CPU time is read per run
    method: str = "POST"

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}{self.path}"


@dataclass(frozen=True)
class Load:
    """What wrk measured in one run: completed requests per second and latency in µs."""

    requests: int
    seconds: float
    mean_us: float
    p50_us: float
    p99_us: float
    errors: dict[str, int]
    server_cpu_seconds: float | None = None  # CPU time the server's process group used

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_us(self) -> float | None:
        """Server CPU time per request, µs."""
        return None if self.server_cpu_seconds is None else self.server_cpu_seconds / self.requests * 1e6


def group_cpu_seconds(group: int) -> float:
    """CPU time (user + system) used so far by every process of a process group.

    Read from /proc/<pid>/stat, which counts the threads a process has had (gthread's pool,
    uvicorn's threadpool) even after they exit. Unlike req/s, a server's CPU time per request
    barely moves when other jobs share its CPU: time spent waiting for the CPU is not counted.
    Resolution: one clock tick (10 ms), under 1 % of a run of a second or more at full load.
    """
    ticks = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as stat:
                # After the command name in parentheses: state ppid pgrp ... utime(12th) stime(13th).
                fields = stat.read().rpartition(")")[2].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[2]) == group:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _lua_string(data: bytes) -> str:
    # Every byte as a 3-digit decimal escape: any body is a valid Lua literal, unambiguously.
    return '"' + "".join(f"\\{byte:03d}" for byte in data) + '"'


def wrk_script(target: Target) -> str:
    """The Lua script for `target`: a fixed POST, and a done() hook printing one JSON line."""
    headers = "".join(
        f"wrk.headers[{_lua_string(k.encode())}] = {_lua_string(v.encode())}\n" for k, v in target.headers
    )
    body = target.body if target.method == "POST" else b""
    return f"""wrk.method = "{target.method}"
wrk.body = {_lua_string(body)}
{headers}
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{_MARK}{{"requests":%d,"duration_us":%d,"mean_us":%.3f,"p50_us":%d,"p99_us":%d,'
    .. '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\\n',
    summary.requests, summary.duration, latency.mean, latency:percentile(50),
    latency:percentile(99), e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def load(target: Target, seconds: int, script: Path, cpu: int | None, connections: int = 4, threads: int = 1) -> Load:
    """Run `wrk -t<threads> -c<connections> -d<seconds>s` (pinned to `cpu`) on `target`."""
    command = pinned(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s", str(script), target.url],
        cpu,
    )
    before = None if target.group is None else group_cpu_seconds(target.group)
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith(_MARK)), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed on {target.name} (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    raw = json.loads(line[len(_MARK) :])
    cpu_seconds = None if before is None or target.group is None else group_cpu_seconds(target.group) - before
    errors = {key: raw[key] for key in ("connect", "read", "write", "status", "timeout") if raw[key]}
    if raw["status"]:
        raise RuntimeError(f"{target.name}: {raw['status']} of {raw['requests']} answers were not 2xx/3xx")
    duration = raw["duration_us"] / 1e6
    return Load(raw["requests"], duration, raw["mean_us"], raw["p50_us"], raw["p99_us"], errors, cpu_seconds)


@dataclass(frozen=True)
class Summary:
    """Medians over the rounds of one target, and the spread of its req/s."""

    per_second: float
    low: float
    high: float
    p50_us: float
    p99_us: float
    rounds: int
    errors: dict[str, int]
    cpu_us: float | None  # median server CPU time per request, when the server's group is known


def warm(target: Target, count: int) -> None:
    """`count` requests on one keep-alive connection: the server's caches and CPython's
    specialising interpreter reach their steady state before anything is measured."""
    connection = http.client.HTTPConnection(HOST, target.port, timeout=10.0)
    try:
        for _ in range(count):
            body = target.body if target.method == "POST" else None
            connection.request(target.method, target.path, body, dict(target.headers))
            connection.getresponse().read()
    finally:
        connection.close()


def rounds(
    targets: Sequence[Target],
    count: int,
    seconds: int,
    cpu: int | None,
    connections: int = 4,
    warm_requests: int = WARM_REQUESTS,
) -> dict[str, Summary]:
    """Median req/s and latency of each target over `count` interleaved wrk rounds.

    Round i starts at target i (mod n) and goes through the rest in order, so no target
    always runs first or last. Each target is warmed first (`warm`).
    """
    with tempfile.TemporaryDirectory(prefix="mizan-wrk-") as scratch:
        scripts = {}
        for index, target in enumerate(targets):
            scripts[target.name] = Path(scratch) / f"target{index}.lua"
            scripts[target.name].write_text(wrk_script(target))
            warm(target, warm_requests)
        samples: dict[str, list[Load]] = {target.name: [] for target in targets}
        for index in range(count):
            start = index % len(targets)
            for target in (*targets[start:], *targets[:start]):
                samples[target.name].append(load(target, seconds, scripts[target.name], cpu, connections))
    summaries = {}
    for name, loads in samples.items():
        rates = [item.per_second for item in loads]
        cpu_us = [item.cpu_us for item in loads if item.cpu_us is not None]
        errors: dict[str, int] = {}
        for item in loads:
            for key, value in item.errors.items():
                errors[key] = errors.get(key, 0) + value
        summaries[name] = Summary(
            statistics.median(rates),
            min(rates),
            max(rates),
            statistics.median(item.p50_us for item in loads),
            statistics.median(item.p99_us for item in loads),
            len(loads),
            errors,
            statistics.median(cpu_us) if cpu_us else None,
        )
    return summaries


@contextlib.contextmanager
def servers(*items: Server) -> Iterator[list[Server]]:
    """Start every server (in order), stop them all on leaving, even on error."""
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(item) for item in items]
