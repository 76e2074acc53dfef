"""A throw-away `redis-server` for benchmarks.ctx, and `redis-benchmark` as the latency floor.

The server listens on a free loopback port with persistence off (`--save ""`, no AOF), so
nothing it does waits on a disk; it is started and stopped by the benchmark itself, like the
tests' `redis_server` fixture (tests/redis_server.py), without importing the test suite.
"""

from __future__ import annotations

import csv
import io
import shutil
import socket
import subprocess
import time
from types import TracebackType

START_TIMEOUT = 10.0


def unavailable() -> str | None:
    """Why the Redis rows cannot run here, or None when they can."""
    if shutil.which("redis-server") is None:
        return "redis-server is not installed (Debian: apt-get install redis-server)"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command(port: int, *args: bytes) -> bytes:
    """One command on a fresh connection; the raw RESP reply (a small independent client)."""
    payload = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
    with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
        sock.sendall(payload)
        return sock.recv(65536)


class LocalRedis:
    """`with LocalRedis() as server:` a redis-server on `server.port`, stopped on exit."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def __enter__(self) -> LocalRedis:
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "no", "--daemonize", "no"]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode} (port {self.port})")
            try:
                if _command(self.port, b"PING").startswith(b"+PONG"):
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError(f"redis-server did not answer PING on port {self.port}")
            time.sleep(0.05)

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


# The key `redis-benchmark -t get` reads when no -r is given (it is sent literally).
BENCHMARK_KEY = b"key:__rand_int__"


def benchmark_unavailable() -> str | None:
    if shutil.which("redis-benchmark") is None:
        return "redis-benchmark is not installed (Debian: apt-get install redis-tools)"
    return None


def benchmark_get(port: int, requests: int) -> float:
    """Seconds per GET of one client sending one command at a time (`-c 1 -P 1`): the
    round trip a cache lookup pays, with nothing but the C client around it. Read from
    its requests per second (the CSV `rps` column), as our own rows are timed per call."""
    command = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-t", "get", "-c", "1", "-P", "1"]
    command += ["-n", str(requests), "--csv"]
    out = subprocess.run(command, check=True, capture_output=True, text=True, timeout=60).stdout
    for row in csv.DictReader(io.StringIO(out)):
        if row.get("test") == "GET":
            return 1.0 / float(row["rps"])
    raise RuntimeError(f"redis-benchmark printed no GET row:\n{out}")


def set_key(port: int, key: bytes, value: bytes) -> None:
    """SET `key` on the server at `port` (bypassing any client's key prefix)."""
    if not _command(port, b"SET", key, value).startswith(b"+OK"):
        raise RuntimeError("redis-server refused SET")
