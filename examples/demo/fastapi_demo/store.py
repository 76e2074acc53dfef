"""The FastAPI demo's storage: SQLite through the standard library, no ORM.

Every read opens its own short connection; every mutation runs in one transaction
(`transaction()`), so a failed mutation leaves nothing behind. The schema mirrors the
Django demo's models: users, task lists, tasks and attachments (whose bytes are kept in
the database: the demo caps uploads at 1 MiB).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

DEFAULT_DB: Final = Path(__file__).resolve().parent.parent / "fastapi_demo.sqlite3"
PBKDF2_ITERATIONS: Final = 600_000  # OWASP's 2023 figure for PBKDF2-HMAC-SHA256
DEMO_PASSWORD: Final = "demo-pass"
DEMO_USERS: Final = ("alice", "bob")
SEED_TASKS: Final = ("Try the demo", "Invite a friend")

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS user (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS task_list (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS task (
    id INTEGER PRIMARY KEY,
    task_list_id INTEGER NOT NULL REFERENCES task_list(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS attachment (
    id INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES task(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS task_list_owner ON task_list(owner_id);
CREATE INDEX IF NOT EXISTS task_by_list ON task(task_list_id);
CREATE INDEX IF NOT EXISTS attachment_by_task ON attachment(task_id);
"""


@dataclass(frozen=True)
class User:
    """A signed-in user as the middleware puts it in `state.user`: Mizan reads `id` as its
    identity key (FA-3a); `is_authenticated` defaults to true."""

    id: int
    username: str


@dataclass(frozen=True)
class TaskRow:
    id: int
    title: str
    done: bool
    attachments: tuple[tuple[int, str, int], ...]  # (id, name, size), oldest first


def db_path() -> str:
    """`MIZAN_DEMO_FASTAPI_DB`, else `examples/demo/fastapi_demo.sqlite3`."""
    return os.environ.get("MIZAN_DEMO_FASTAPI_DB") or str(DEFAULT_DB)


def connect() -> sqlite3.Connection:
    """A new connection in autocommit mode (transactions are explicit, `transaction()`)."""
    connection = sqlite3.connect(db_path(), timeout=10, isolation_level=None)
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


@contextmanager
def reading() -> Iterator[sqlite3.Connection]:
    """A connection for reads, closed afterwards."""
    connection = connect()
    try:
        yield connection
    finally:
        connection.close()


@contextmanager
def transaction() -> Iterator[sqlite3.Connection]:
    """One write transaction (`BEGIN IMMEDIATE`: writers queue instead of failing on
    upgrade); committed when the block ends, rolled back when it raises."""
    connection = connect()
    try:
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
    finally:
        connection.close()


# --- passwords -----------------------------------------------------------------------


def hash_password(password: str, *, salt: bytes | None = None, iterations: int = PBKDF2_ITERATIONS) -> str:
    """`pbkdf2_sha256$<iterations>$<salt hex>$<digest hex>`."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def check_password(password: str, encoded: str) -> bool:
    """Whether `password` matches `encoded` (compared in constant time)."""
    try:
        algorithm, iterations, salt, digest = encoded.split("$")
        expected = bytes.fromhex(digest)
        computed = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(iterations))
    except ValueError:
        return False
    return algorithm == "pbkdf2_sha256" and hmac.compare_digest(expected, computed)


# --- set-up ----------------------------------------------------------------------------


def init_db() -> None:
    """Create the tables and seed the demo users, idempotently: alice and bob (password
    `demo-pass`), each with one list "Inbox" holding two tasks, as `manage.py seed_demo`."""
    connection = connect()
    try:
        connection.executescript(SCHEMA)
    finally:
        connection.close()
    with transaction() as db:
        for username in DEMO_USERS:
            if db.execute("SELECT 1 FROM user WHERE username = ?", (username,)).fetchone():
                continue
            user_id = db.execute(
                "INSERT INTO user (username, password) VALUES (?, ?)", (username, hash_password(DEMO_PASSWORD))
            ).lastrowid
            list_id = db.execute("INSERT INTO task_list (owner_id, name) VALUES (?, 'Inbox')", (user_id,)).lastrowid
            db.executemany(
                "INSERT INTO task (task_list_id, title) VALUES (?, ?)", [(list_id, title) for title in SEED_TASKS]
            )


# --- users -----------------------------------------------------------------------------


def authenticate(username: str, password: str) -> User | None:
    """The user with these credentials, or None."""
    with reading() as db:
        row = db.execute("SELECT id, username, password FROM user WHERE username = ?", (username,)).fetchone()
    if row is None:
        check_password(password, hash_password("timing-equaliser", iterations=PBKDF2_ITERATIONS))
        return None
    return User(row[0], row[1]) if check_password(password, row[2]) else None


def user_by_id(user_id: int) -> User | None:
    with reading() as db:
        row = db.execute("SELECT id, username FROM user WHERE id = ?", (user_id,)).fetchone()
    return User(row[0], row[1]) if row else None


# --- lists and tasks ---------------------------------------------------------------------


def lists_of(user_id: int) -> list[tuple[int, str]]:
    """The user's lists, `(id, name)`, oldest first."""
    with reading() as db:
        return [
            (row[0], row[1])
            for row in db.execute("SELECT id, name FROM task_list WHERE owner_id = ? ORDER BY id", (user_id,))
        ]


def list_name(db: sqlite3.Connection, user_id: int, list_id: int) -> str | None:
    """The list's name when `user_id` owns it; None for a missing list or someone else's."""
    row = db.execute("SELECT name FROM task_list WHERE id = ? AND owner_id = ?", (list_id, user_id)).fetchone()
    return None if row is None else str(row[0])


def owned_list_name(user_id: int, list_id: int) -> str | None:
    with reading() as db:
        return list_name(db, user_id, list_id)


def tasks_of(db: sqlite3.Connection, list_id: int, task_id: int | None = None) -> list[TaskRow]:
    """The list's tasks (or just `task_id`), oldest first, with their attachments."""
    where, args = (
        ("task_list_id = ?", (list_id,)) if task_id is None else ("task_list_id = ? AND id = ?", (list_id, task_id))
    )
    tasks = db.execute(f"SELECT id, title, done FROM task WHERE {where} ORDER BY id", args).fetchall()
    files: dict[int, list[tuple[int, str, int]]] = {}
    ids = [row[0] for row in tasks]
    if ids:
        marks = ",".join("?" * len(ids))
        for att_id, owner, name, size in db.execute(
            f"SELECT id, task_id, name, size FROM attachment WHERE task_id IN ({marks}) ORDER BY id", ids
        ):
            files.setdefault(owner, []).append((att_id, name, size))
    return [TaskRow(row[0], row[1], bool(row[2]), tuple(files.get(row[0], ()))) for row in tasks]


def has_title(db: sqlite3.Connection, list_id: int, title: str) -> bool:
    """Whether the list already holds a task with this exact title."""
    return (
        db.execute("SELECT 1 FROM task WHERE task_list_id = ? AND title = ?", (list_id, title)).fetchone() is not None
    )


def counts(db: sqlite3.Connection, list_id: int) -> tuple[int, int]:
    """`(open, done)` task counts of the list."""
    row = db.execute(
        "SELECT COALESCE(SUM(done = 0), 0), COALESCE(SUM(done = 1), 0) FROM task WHERE task_list_id = ?", (list_id,)
    ).fetchone()
    return int(row[0]), int(row[1])
