"""The test project's database: SQLite in memory, or PostgreSQL when `MIZAN_TEST_POSTGRES`
names a server (issue 18: the same tests pass on both).

`MIZAN_TEST_POSTGRES` is either a URL, `postgresql://[user[:password]@]host[:port]/dbname`
(`postgres://` too), or the short `host:port/dbname`, meaning user `postgres` without a
password. The port defaults to 5432. Django's test runner creates and drops `test_<dbname>`
itself (connecting to the `postgres` database to do so), so the user must be allowed to create
databases; `dbname` is what a fresh process outside the test runner connects to.
`python -m tests.postgres_server -- COMMAND` starts a throwaway server and sets the variable.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

VARIABLE = "MIZAN_TEST_POSTGRES"
SQLITE: dict[str, Any] = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}


def postgres(value: str) -> dict[str, Any]:
    """The Django database settings `value` (a URL or `host:port/dbname`) names."""
    url = value.strip()
    if "://" not in url:
        url = f"postgresql://postgres@{url}"
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    name = unquote(parts.path.lstrip("/"))
    problems = []
    if parts.scheme not in ("postgresql", "postgres"):
        problems.append(f"scheme {parts.scheme!r} is not postgresql")
    if not parts.hostname:
        problems.append("no host")
    if port == -1:
        problems.append("the port is not a number from 0 to 65535")
    if not name or "/" in name:
        problems.append("no database name (or one with a slash)")
    if parts.query or parts.fragment:
        problems.append("a query or fragment, which is not read")
    if problems:
        raise ImproperlyConfigured(
            f"{VARIABLE}={value!r}: {', '.join(problems)}; expected postgresql://user[:password]@host[:port]/dbname "
            "or host:port/dbname"
        )
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or "postgres"),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname,
        "PORT": str(port or 5432),
    }


def databases(value: str | None) -> dict[str, dict[str, Any]]:
    """`DATABASES` for the variable's value: PostgreSQL when it is set and not empty."""
    return {"default": postgres(value) if value else dict(SQLITE)}
