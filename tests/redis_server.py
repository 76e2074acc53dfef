"""A real `redis-server` on a free loopback port for the tests (CBE-5, issue 4 "Real components").

`redis_server` is a session fixture: it starts `redis-server --port N --bind 127.0.0.1 --save ""
--appendonly no --daemonize no`, waits for PING, and terminates it at the end. The
`RedisServer` helper also serves fault tests: `.stop()` / `.start()` (restart on the same
port), `.pause()` / `.resume()` (SIGSTOP / SIGCONT). When `redis-server` is not on PATH the
fixture fails with a clear message instead of skipping (the README's test command installs it).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence

import pytest

INSTALL_HINT = "redis-server is not on PATH: install it (Debian: sudo apt-get install redis-server)"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def raw_command(port: int, *args: bytes, password: bytes | None = None, db: int = 0, timeout: float = 2.0) -> bytes:
    """Send one command (after AUTH when `password` is given, after SELECT when `db` is not 0)
    on a fresh socket; the command's raw RESP reply. A tiny helper independent of both
    RedisCache implementations."""
    commands: list[tuple[bytes, ...]] = []
    if password is not None:
        commands.append((b"AUTH", password))
    if db:
        commands.append((b"SELECT", str(db).encode()))
    commands.append(args)
    payload = b"".join(b"*%d\r\n" % len(c) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in c) for c in commands)
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(payload)
        data = b""
        while data.count(b"\r\n") < len(commands):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n", len(commands) - 1)[-1]


class RedisServer:
    """One redis-server process on a fixed loopback port.

    Args:
        port: the port (a free one when None).
        extra: further command-line arguments (e.g. `["--requirepass", "s3cret"]`).
    """

    def __init__(self, port: int | None = None, extra: Sequence[str] = ()) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise RuntimeError(INSTALL_HINT)
        self.executable = executable
        self.port = port if port is not None else free_port()
        self.extra = list(extra)
        self.password: bytes | None = None
        if "--requirepass" in self.extra:
            self.password = self.extra[self.extra.index("--requirepass") + 1].encode()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        """Start (or restart) the server on `self.port` and wait until it answers PING."""
        if self.process is not None and self.process.poll() is None:
            return
        args = [self.executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "no", "--daemonize", "no", *self.extra]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode} (port {self.port})")
            try:
                reply = raw_command(self.port, b"PING", password=self.password, timeout=0.5)
                if reply.startswith(b"+PONG"):
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not answer PING on port {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Terminate the server (resumed first if paused) and wait for it to exit."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections stay open, nothing answers."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """Thaw a paused server (SIGCONT)."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def command(self, *args: bytes, db: int = 0) -> bytes:
        """One raw command on a fresh connection (in database `db`); the raw RESP reply."""
        return raw_command(self.port, *args, password=self.password, db=db)

    def info(self, section: str) -> dict[str, str]:
        """`INFO <section>` as a dict, read on a fresh connection (counted in the
        `clients` and `stats` numbers it reports: one connected client, one connection
        received)."""
        payload = b"*2\r\n$4\r\nINFO\r\n$%d\r\n%s\r\n" % (len(section), section.encode())
        assert self.password is None, "info() speaks to servers without a password"
        with socket.create_connection(("127.0.0.1", self.port), timeout=2.0) as sock:
            sock.sendall(payload)
            data = b""
            while b"\r\n" not in data or len(data) < data.index(b"\r\n") + 2 + int(data[1 : data.index(b"\r\n")]):
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("redis-server closed the connection during INFO")
                data += chunk
        body = data.partition(b"\r\n")[2].decode()
        return dict(line.split(":", 1) for line in body.splitlines() if ":" in line and not line.startswith("#"))

    def clients_connected(self) -> int:
        """Clients connected now, the asking one excluded."""
        return int(self.info("clients")["connected_clients"]) - 1


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A redis-server for the whole session; fails (never skips) when none is installed."""
    if shutil.which("redis-server") is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
