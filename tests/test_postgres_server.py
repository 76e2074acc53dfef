"""The PostgreSQL launcher of the tests (tests/postgres_server.py, issue 18): a real server
that Django and psycopg reach on loopback, run by an unprivileged account, gone without a
trace when stopped; a clear failure (never a skip) when it cannot be had."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from tests import postgres_server
from tests.postgres_server import INSTALL_HINT, PostgresServer, wire_session

ROOT = Path(__file__).resolve().parents[1]


def _uid_of(pid: int) -> int:
    """The real uid of a running process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError(f"no Uid line for process {pid}")


def _exited(pid: int) -> bool:
    """Whether the process has exited (gone, or a zombie not reaped yet), waiting up to 10 s
    for its last moments after it removed its pid file (a guard, not a measurement)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            return True
        if "\nState:\tZ" in status:
            return True
        time.sleep(0.05)
    return False


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1.0).close()
    except ConnectionRefusedError:
        return True
    return False


def test_a_started_server_answers_on_loopback_as_an_unprivileged_user_and_stop_removes_it() -> None:
    server = PostgresServer()
    server.start()
    try:
        directory, data = server.directory, server.data
        assert directory is not None
        postmaster = int((data / "postmaster.pid").read_text().splitlines()[0])
        # root's runs hand the server to the `postgres` account (PostgreSQL refuses root)
        assert _uid_of(postmaster) == (server.owner.pw_uid if server.owner is not None else os.geteuid()) != 0
        with psycopg.connect(server.url, autocommit=True) as connection:
            settings: dict[str, str] = dict(
                connection.execute(
                    "SELECT name, setting FROM pg_settings WHERE name IN "
                    "('listen_addresses', 'port', 'unix_socket_directories', 'fsync', 'server_encoding', 'lc_collate')"
                ).fetchall()
            )
            assert connection.execute("SELECT current_database(), current_user").fetchone() == ("mizan", "postgres")
        assert settings == {
            "listen_addresses": "127.0.0.1",
            "port": str(server.port),
            "unix_socket_directories": str(directory),
            "fsync": "off",
            "server_encoding": "UTF8",
            "lc_collate": "C",
        }
        assert (directory / f".s.PGSQL.{server.port}").is_socket()
    finally:
        server.stop()
    assert server.directory is None and not directory.exists()
    assert _refused(server.port)
    assert _exited(postmaster)


def test_a_refused_session_or_statement_is_the_servers_message(postgres_server: PostgresServer) -> None:
    port = postgres_server.port
    wire_session(port, "mizan", ["CREATE TABLE launcher_probe (x int)", "DROP TABLE launcher_probe"])
    with pytest.raises(ConnectionError, match='database "mizan" already exists'):
        wire_session(port, "postgres", ["CREATE DATABASE mizan"])
    with pytest.raises(ConnectionError, match='database "absent" does not exist'):
        wire_session(port, "absent")
    # trust authentication admits the superuser without a password, and no role that does not exist
    with pytest.raises(ConnectionError, match='role "intruder" does not exist'):
        wire_session(port, "postgres", user="intruder")


def test_a_taken_port_fails_with_the_servers_log_and_leaves_nothing_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[Path] = []

    original = tempfile.mkdtemp

    def mkdtemp(**kwargs: str) -> str:
        made.append(Path(original(**kwargs)))
        return str(made[-1])

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = PostgresServer(port=taken.getsockname()[1])
        with pytest.raises(RuntimeError, match="(?s)pg_ctl exited with 1.*could not bind IPv4 address"):
            server.start(timeout=20)
    assert server.directory is None
    assert len(made) == 1 and not made[0].exists()


def test_missing_binaries_are_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(postgres_server, "DEBIAN_ROOT", tmp_path)
    assert postgres_server.find_bindir() is None
    with pytest.raises(RuntimeError) as raised:
        PostgresServer()
    assert str(raised.value) == INSTALL_HINT and "apt-get install postgresql" in INSTALL_HINT


def test_the_fixture_fails_rather_than_skips_without_binaries(tmp_path: Path) -> None:
    """A run with the fixture but no binaries ends failed (exit 1), not skipped."""
    (tmp_path / "test_uses_postgres.py").write_text(
        "from tests import postgres_server\n"
        "from tests.postgres_server import postgres_server as fixture  # noqa: F401\n"
        f"postgres_server.DEBIAN_ROOT = postgres_server.Path({str(tmp_path)!r})\n"
        "def test_it(fixture):\n"
        "    pass\n"
    )
    env = {**os.environ, "PATH": str(tmp_path), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", str(tmp_path / "test_uses_postgres.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 error" in done.stdout and "skipped" not in done.stdout
    assert INSTALL_HINT in done.stdout


def test_the_command_line_runs_a_command_against_a_fresh_server_and_returns_its_status() -> None:
    """`python -m tests.postgres_server -- COMMAND`: COMMAND sees MIZAN_TEST_POSTGRES, Django's
    test settings reach the server through it, and the server is gone afterwards."""
    script = (
        "import os, django\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'tests.django.project.settings'\n"
        "django.setup()\n"
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('SELECT current_database(), inet_server_port()')\n"
        "    name, port = cursor.fetchone()\n"
        "print(os.environ['MIZAN_TEST_POSTGRES'], connection.vendor, name, port)\n"
        "raise SystemExit(7)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "MIZAN_TEST_POSTGRES"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.postgres_server", "--", sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 7, done.stderr
    banner, line = done.stdout.splitlines()
    url, vendor, name, port = line.split()
    assert banner.startswith("==> postgres (PostgreSQL) ") and banner.endswith(f" on {url}")
    assert (vendor, name, url) == ("postgresql", "mizan", f"postgresql://postgres@127.0.0.1:{port}/mizan")
    assert _refused(int(port))
