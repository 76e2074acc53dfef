"""A real PostgreSQL server on a free loopback port for the tests (issue 18, "also on PostgreSQL").

`PostgresServer.start()` makes a throwaway cluster with `initdb` in a temporary directory
(trust authentication for the superuser `postgres`, UTF-8 without a locale, so text sorts by
code point as in SQLite), starts it with `pg_ctl` on 127.0.0.1 with its Unix socket in that
directory and durability off (fsync, synchronous_commit, full_page_writes: the data is thrown
away), waits until a startup handshake over TCP is answered with ReadyForQuery, and creates the
database `mizan`. `.stop()` stops the server and removes the directory.

PostgreSQL refuses to run as root, and CI runs as root: then every server command runs as the
`postgres` user (`runuser`; Debian's package creates that user) and the directory is handed to
it. The binaries are `initdb` on PATH, else the newest of Debian's
`/usr/lib/postgresql/<version>/bin`; when neither exists the fixture fails (never skips), as
redis_server does.

Run a command against a fresh server (what `make test-postgres` does):

    python -m tests.postgres_server -- python -m pytest tests/django

starts a server, runs the command with `MIZAN_TEST_POSTGRES` set to its URL, stops the server
and exits with the command's status.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from tests.redis_server import free_port

INSTALL_HINT = (
    "PostgreSQL's server binaries (initdb, pg_ctl) are neither on PATH nor under /usr/lib/postgresql/*/bin: "
    "install them (Debian: sudo apt-get install postgresql; `make bootstrap` does)"
)
# Where Debian's postgresql-<version> packages put the server binaries (not on PATH).
DEBIAN_ROOT = Path("/usr/lib/postgresql")
SUPERUSER = "postgres"
DATABASE = "mizan"
# The account that runs the server when we are root (PostgreSQL will not run as root).
OWNER = "postgres"
# Appended to the cluster's postgresql.conf; `{port}` and `{sockets}` are filled in.
SERVER_CONF = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{sockets}'
fsync = off
synchronous_commit = off
full_page_writes = off
"""


def find_bindir() -> Path | None:
    """The directory holding initdb and pg_ctl: initdb's own (symlinks resolved) when it is
    on PATH, else the newest Debian `/usr/lib/postgresql/<version>/bin`; None when neither."""
    initdb = shutil.which("initdb")
    if initdb is not None:
        bindir = Path(initdb).resolve().parent
        if (bindir / "pg_ctl").exists():
            return bindir
    versions = [p for p in DEBIAN_ROOT.glob("*/bin") if (p / "initdb").exists()]
    versions.sort(key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.name)] or [0])
    return versions[-1] if versions else None


def _messages(sock: socket.socket) -> Iterator[tuple[bytes, bytes]]:
    """The server's messages on `sock` as (type byte, body), until it closes."""
    buffer = b""
    while True:
        while len(buffer) >= 5 and len(buffer) >= 1 + struct.unpack("!I", buffer[1:5])[0]:
            end = 1 + struct.unpack("!I", buffer[1:5])[0]
            yield buffer[:1], buffer[5:end]
            buffer = buffer[end:]
        chunk = sock.recv(65536)
        if not chunk:
            return
        buffer += chunk


def _error_text(body: bytes) -> str:
    """The message (`M`) field of an ErrorResponse body."""
    fields = {part[:1]: part[1:].decode(errors="replace") for part in body.split(b"\0") if part}
    return fields.get(b"M", "unknown error")


def wire_session(
    port: int, database: str, statements: Sequence[str] = (), timeout: float = 2.0, user: str = SUPERUSER
) -> None:
    """Connect over TCP as `user` with protocol 3.0 (trust: no password), wait for
    ReadyForQuery, run each statement as a simple query and say goodbye. Raises ConnectionError
    with the server's message when it refuses the session (e.g. "the database system is
    starting up") or a statement fails. A tiny client independent of psycopg and Django."""
    params = f"user\0{user}\0database\0{database}\0\0".encode()
    startup = struct.pack("!II", 8 + len(params), 196608) + params
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(startup)
        pending = list(statements)
        for kind, body in _messages(sock):
            if kind == b"E":
                raise ConnectionError(_error_text(body))
            if kind == b"Z":
                if not pending:
                    sock.sendall(b"X\0\0\0\4")
                    return
                query = pending.pop(0).encode() + b"\0"
                sock.sendall(b"Q" + struct.pack("!I", 4 + len(query)) + query)
        raise ConnectionError("the server closed the connection")


class PostgresServer:
    """One throwaway PostgreSQL cluster on a loopback port.

    Args:
        port: the port (a free one when None).
    """

    def __init__(self, port: int | None = None) -> None:
        bindir = find_bindir()
        if bindir is None:
            raise RuntimeError(INSTALL_HINT)
        self.bindir = bindir
        self.port = port if port is not None else free_port()
        self.directory: Path | None = None
        self.owner: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            try:
                self.owner = pwd.getpwnam(OWNER)
            except KeyError:
                raise RuntimeError(
                    f"running as root, and PostgreSQL refuses to run as root, but there is no {OWNER!r} "
                    "user to run it as: install Debian's postgresql package (it creates one) or run as another user"
                ) from None
            if shutil.which("runuser") is None:
                raise RuntimeError("running as root needs runuser (util-linux) to run PostgreSQL as another user")

    @property
    def url(self) -> str:
        """What `MIZAN_TEST_POSTGRES` takes (tests/django/project/database.py)."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def version(self) -> str:
        """`postgres --version`, e.g. "postgres (PostgreSQL) 15.14"."""
        done = subprocess.run([str(self.bindir / "postgres"), "--version"], capture_output=True, text=True)
        return done.stdout.strip()

    @property
    def data(self) -> Path:
        assert self.directory is not None
        return self.directory / "data"

    @property
    def log(self) -> Path:
        assert self.directory is not None
        return self.directory / "server.log"

    def _run(self, *args: str, timeout: float = 60.0) -> None:
        """A server binary, as the owner when we are root; RuntimeError with its output on failure."""
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.owner is not None:
            command = ["runuser", "-u", self.owner.pw_name, "--", *command]
        # cwd: the owner may not be allowed into ours; PG*: a user's libpq defaults stay out.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        done = subprocess.run(
            command, cwd=self.directory, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout
        )
        if done.returncode != 0:
            output = (done.stdout + done.stderr).decode(errors="replace").strip()
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{args[0]} exited with {done.returncode}: {output}\n{log}".rstrip())

    def start(self, timeout: float = 60.0) -> None:
        """Create the cluster, start it on `self.port`, wait for it and create `mizan`."""
        if self.directory is not None:
            return
        self.directory = Path(tempfile.mkdtemp(prefix="mizan-pg-"))
        try:
            if self.owner is not None:
                os.chown(self.directory, self.owner.pw_uid, self.owner.pw_gid)
            self._run(
                "initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                "--encoding=UTF8", "--no-locale", "--no-sync",
            )  # fmt: skip
            with (self.data / "postgresql.conf").open("a") as conf:
                conf.write(SERVER_CONF.format(port=self.port, sockets=self.directory))
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", str(int(timeout)), "start")
            self._wait(timeout)
            wire_session(self.port, "postgres", [f"CREATE DATABASE {DATABASE}"])
        except BaseException:
            self.stop()
            raise

    def _wait(self, timeout: float) -> None:
        """Until a session over TCP reaches ReadyForQuery (pg_ctl -w only saw postmaster.pid)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                wire_session(self.port, "postgres", timeout=1.0)
                return
            except OSError as error:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"PostgreSQL did not accept connections on port {self.port}: {error}") from None
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server (fast shutdown: sessions are cut) and remove its directory."""
        if self.directory is None:
            return
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session; fails (never skips) without the binaries."""
    if find_bindir() is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def main(argv: Sequence[str]) -> int:
    """`python -m tests.postgres_server -- COMMAND...`: COMMAND's exit status."""
    command = list(argv[1:] if argv[:1] == ["--"] else argv)
    if not command:
        print("usage: python -m tests.postgres_server -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    server = PostgresServer()
    server.start()
    # SIGTERM (make interrupted, CI's timeout) must still stop the server: raise instead.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        print(f"==> {server.version} on {server.url}", flush=True)
        child = subprocess.Popen(command, env={**os.environ, "MIZAN_TEST_POSTGRES": server.url})
        try:
            return child.wait()
        finally:
            if child.poll() is None:
                child.terminate()
                child.wait()
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
