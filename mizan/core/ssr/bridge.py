"""The bridge to one SSR worker process: SSR-5 over its stdin and stdout (SSR-5..9).

One `Bridge` owns at most one running process at a time. Each process gets a
`_Process` record holding its pipes, its reader threads and the renders waiting on it,
so a reply from a process that was replaced can never reach a render sent to the new one.
"""

from __future__ import annotations

import atexit
import io
import json
import logging
import os
import subprocess
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import IO, Any, Final

logger = logging.getLogger("mizan.ssr")

SHUTDOWN_GRACE: Final = 3.0  # SSR-6: seconds between terminate and kill
LOGGED_LINE_CHARS: Final = 200  # SSR-5: how much of a non-JSON line is logged
STDERR_CHUNK: Final = 65536  # a stderr line longer than this is logged in pieces
ESCAPES: Final = ((b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


class _Process:
    """One running worker: its pipes, the renders in flight on it and its reader threads."""

    def __init__(self, command: Sequence[str]) -> None:
        try:
            # bufsize=0: stdin is a raw pipe without Python's buffer lock, so shutdown can
            # close it while another thread is blocked writing to a stuck worker.
            self.popen = subprocess.Popen(
                list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0
            )
        except OSError as exc:
            raise RuntimeError(f"SSR worker could not start ({' '.join(command)}): {exc}") from exc
        self.owner = os.getpid()  # a forked child must not use (or stop) its parent's worker
        self.lock = threading.Lock()
        self.write_lock = threading.Lock()
        self.ready = threading.Event()
        self.pending: dict[int, Future[Any]] = {}
        self.ended: str | None = None  # why this process takes no more renders
        _live.add(self)
        self.threads = [
            threading.Thread(target=target, name=f"mizan-ssr-{role}-{self.popen.pid}", daemon=True)
            for target, role in ((self._read_stdout, "reader"), (self._drain_stderr, "stderr"))
        ]
        for thread in self.threads:
            thread.start()

    @property
    def pid(self) -> int:
        return self.popen.pid

    def usable(self) -> bool:
        return self.ended is None and self.owner == os.getpid() and self.popen.poll() is None

    # --- reading -----------------------------------------------------------------------

    def _read_stdout(self) -> None:
        """SSR-7: route each reply to its render by id; on end of output, fail the rest."""
        stream = self.popen.stdout
        assert stream is not None
        with io.BufferedReader(stream) as stream:  # type: ignore[type-var]  # bufsize=0: raw readline reads byte by byte
            for raw in iter(stream.readline, b""):
                self._route(raw)
        self.popen.wait()
        self.end(f"SSR worker exited (exit code {self.popen.returncode})")

    def _route(self, raw: bytes) -> None:
        text = raw.decode("utf-8", "replace").strip()
        if not text:
            return
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        if not isinstance(message, dict):
            logger.warning(
                "SSR worker %s wrote a line that is not a JSON object: %s", self.pid, text[:LOGGED_LINE_CHARS]
            )
            return
        ident = message.get("id")
        if ident == 0 and message.get("ready") is True:
            self.ready.set()
            return
        with self.lock:
            waiter = self.pending.pop(ident, None) if isinstance(ident, int) else None
        if waiter is None:  # a reply to a render that timed out, or to no render at all
            logger.debug("SSR worker %s answered unknown id %r", self.pid, ident)
            return
        if isinstance(message.get("error"), str):
            waiter.set_exception(RuntimeError(f"SSR render failed: {message['error']}"))
        elif isinstance(message.get("html"), str) or message.get("pong") is True:
            waiter.set_result(message.get("html"))
        else:
            waiter.set_exception(RuntimeError(f"SSR worker sent a malformed reply: {text[:LOGGED_LINE_CHARS]}"))

    def _drain_stderr(self) -> None:
        """SSR-9: a worker blocked on a full stderr pipe would stop answering."""
        stream = self.popen.stderr
        assert stream is not None
        with io.BufferedReader(stream) as buffered:  # type: ignore[type-var]  # as _read_stdout
            for raw in iter(lambda: buffered.readline(STDERR_CHUNK), b""):
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                if line:
                    logger.warning("SSR worker %s: %s", self.pid, line)

    # --- writing -----------------------------------------------------------------------

    def send(self, ident: int, method: bytes, params: bytes) -> Future[Any]:
        """Register a waiter for `ident` and write the request line.

        Raises:
            RuntimeError: the process ended, or its stdin is closed (a broken pipe, SSR-8).
        """
        waiter: Future[Any] = Future()
        with self.lock:
            if self.ended is not None:
                raise RuntimeError(self.ended)
            self.pending[ident] = waiter
        line = b'{"id":%d,"method":"%s","params":%s}\n' % (ident, method, params)
        try:
            with self.write_lock:
                self._write_all(line)
        except (OSError, ValueError) as exc:  # ValueError: stdin already closed by shutdown
            self.forget(ident)
            raise RuntimeError(f"SSR worker pipe broken: {exc}") from exc
        return waiter

    def _write_all(self, data: bytes) -> None:
        stream = self.popen.stdin
        assert stream is not None
        view = memoryview(data)
        while view:  # a raw pipe write may be partial (a signal interrupted it)
            written = stream.write(view)
            view = view[written or 0 :]

    def forget(self, ident: int) -> None:
        """Drop the waiter of `ident` (timed out or never sent): no waiter outlives its render."""
        with self.lock:
            self.pending.pop(ident, None)

    # --- ending ------------------------------------------------------------------------

    def end(self, reason: str) -> None:
        """Take no more renders and fail every render in flight at once with `reason`."""
        with self.lock:
            if self.ended is None:
                self.ended = reason
            waiters, self.pending = list(self.pending.values()), {}
        self.ready.set()  # a start-up wait learns of the exit now, not at its timeout
        for waiter in waiters:
            if not waiter.done():
                waiter.set_exception(RuntimeError(reason))

    def stop(self, reason: str = "SSR worker shut down") -> None:
        """SSR-6: close stdin, terminate, wait 3 s, kill."""
        self.end(reason)
        _live.discard(self)
        if self.owner != os.getpid():
            return
        stdin: IO[bytes] | None = self.popen.stdin
        try:
            if stdin is not None:
                stdin.close()
        except OSError:
            pass  # the worker already closed its end
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(SHUTDOWN_GRACE)
            except subprocess.TimeoutExpired:
                logger.warning("SSR worker %s did not stop within %s s; killing it", self.pid, SHUTDOWN_GRACE)
                self.popen.kill()
                self.popen.wait()
        for thread in self.threads:  # everything the worker wrote is routed and logged
            if thread is not threading.current_thread():
                thread.join(SHUTDOWN_GRACE)


_live: set[_Process] = set()


def render_params(file: str, props_json: bytes) -> bytes:
    """The params of a render request (SSR-5): the file path and the encoded props."""
    return b'{"file":%s,"props":%s}' % (json.dumps(file).encode("ascii"), props_json)


@dataclass(frozen=True)
class Pending:
    """A request written to a worker: the future of its reply, and where it went."""

    process: _Process
    ident: int
    reply: Future[Any]


@atexit.register
def _stop_all() -> None:
    """SSR-6: no worker outlives the Python process that started it."""
    for process in list(_live):
        process.stop()


class Bridge:
    """A thread-safe bridge to one worker process (SSR-5..9).

    The process starts on first use and again after it exited. Many renders may be in
    flight at once; a reader thread routes replies by id.

    Args:
        command: the worker's argv.
        timeout: seconds to wait for the ready line, and for each reply.
        name: how log lines name this bridge.
    """

    def __init__(self, command: Sequence[str], timeout: float, name: str = "SSR worker") -> None:
        self.command = tuple(command)
        self.timeout = timeout
        self.name = name
        self._lock = threading.Lock()  # the current process and the id counter
        self._start_lock = threading.Lock()  # one start-up at a time
        self._process: _Process | None = None
        self._next_id = 0
        self._starts = 0
        self._start_error: BaseException | None = None

    @property
    def running(self) -> bool:
        """True when a started process is taking renders."""
        process = self._process
        return process is not None and process.usable()

    @property
    def pid(self) -> int | None:
        """The running process's id, or None."""
        process = self._process
        return process.pid if process is not None and process.usable() else None

    def start(self) -> None:
        """Start the worker unless it runs: wait up to `timeout` for its ready line (SSR-6).

        Raises:
            TimeoutError: no ready line in time (the process is stopped).
            RuntimeError: the command could not run, or the process exited before ready.
        """
        self._ready_process()

    def _ready_process(self) -> _Process:
        process = self._process
        if process is not None and process.usable():
            return process
        starts = self._starts
        with self._start_lock:
            process = self._process
            if process is not None and process.usable():
                return process
            if self._starts != starts and self._start_error is not None:
                # A start-up that failed while this thread waited answers for it too,
                # rather than making every queued render wait out its own timeout.
                raise type(self._start_error)(*self._start_error.args)
            self._start_error = None
            try:
                fresh = self._spawn(process)
            except (TimeoutError, RuntimeError) as exc:
                self._start_error = exc
                raise
            finally:
                self._starts += 1  # start-ups finished, counted when they end
            with self._lock:
                self._process = fresh
            return fresh

    def _spawn(self, previous: _Process | None) -> _Process:
        if previous is not None and previous.owner == os.getpid():
            logger.warning(
                "%s (pid %s) is gone (%s); restarting it", self.name, previous.pid, previous.ended or "exited"
            )
            previous.stop(previous.ended or "SSR worker exited")
        process = _Process(self.command)
        if not process.ready.wait(self.timeout):
            process.stop("SSR worker did not become ready")
            raise TimeoutError(f"{self.name} did not say ready within {self.timeout} s")
        if process.ended is not None:
            process.stop(process.ended)
            raise RuntimeError(f"{self.name} exited before it was ready: {process.ended}")
        logger.info("%s started (pid %s)", self.name, process.pid)
        return process

    def submit(self, method: str, params: bytes) -> Pending:
        """Send one request and return the future of its reply (blocks only to start the
        worker and to write the line).

        Args:
            method: `render` or `ping`.
            params: the JSON object of its params, as bytes.

        Raises:
            TimeoutError, RuntimeError: as `start`; RuntimeError for a broken pipe.
        """
        process = self._ready_process()
        with self._lock:
            self._next_id += 1
            ident = self._next_id
        for before, after in ESCAPES:  # no line separator inside the line, whoever reads it
            params = params.replace(before, after)
        return Pending(process, ident, process.send(ident, method.encode("ascii"), params))

    def expire(self, pending: Pending) -> None:
        """A request was not answered in time: drop its waiter and stop the process.

        A JavaScript worker that misses the deadline is most often stuck in a synchronous
        loop that no later render gets past; a fresh process serves the next render. The
        renders still in flight on it fail at once.
        """
        process = pending.process
        with process.lock:
            known = process.pending.pop(pending.ident, None) is not None
        if known and process.ended is None:
            logger.warning("%s (pid %s) missed the %s s deadline; stopping it", self.name, process.pid, self.timeout)
            process.stop(f"SSR worker stopped: another render on it timed out after {self.timeout} s")

    def call(self, method: str, params: bytes) -> Any:
        """Send one request and wait up to `timeout` for its reply.

        Raises:
            TimeoutError: no reply in time (SSR-8).
            RuntimeError: an error reply, a broken pipe or a worker that exited (SSR-8).
        """
        pending = self.submit(method, params)
        try:
            return pending.reply.result(self.timeout)
        except TimeoutError:
            if pending.reply.done():  # answered at the deadline
                return pending.reply.result()
            self.expire(pending)
            raise TimeoutError(f"SSR {method} not answered within {self.timeout} s") from None

    def render(self, file: str, props_json: bytes) -> str:
        """Render one component (SSR-5).

        Args:
            file: the component's absolute path.
            props_json: the props as a JSON object, encoded.

        Returns:
            The worker's HTML.
        """
        html: str = self.call("render", render_params(file, props_json))
        return html

    def ping(self) -> None:
        """Round-trip a ping (starting the worker if needed).

        Raises:
            TimeoutError, RuntimeError: as `call`.
        """
        self.call("ping", b"{}")

    def shutdown(self) -> None:
        """Stop the process if it runs (SSR-6); the next render starts a new one."""
        with self._lock:
            process, self._process = self._process, None
        if process is not None:
            process.stop()
            logger.info("%s (pid %s) stopped", self.name, process.pid)
