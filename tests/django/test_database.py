"""The test project's database (tests/django/project/database.py, issue 18): SQLite in memory,
or the PostgreSQL server `MIZAN_TEST_POSTGRES` names, in a URL or the short host:port/dbname."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from tests.django.project.database import VARIABLE, databases


@pytest.mark.django_db
def test_the_tests_run_on_the_database_the_variable_names() -> None:
    """The PostgreSQL pass (make test-postgres) cannot pass on SQLite by mistake."""
    named = os.environ.get(VARIABLE)
    with connection.cursor() as cursor:
        if named:
            cursor.execute("SELECT current_database(), inet_server_port()")
            expected = databases(named)["default"]
            assert connection.vendor == "postgresql"
            assert cursor.fetchone() == (f"test_{expected['NAME']}", int(expected["PORT"]))
        else:
            cursor.execute("SELECT sqlite_version()")
            assert connection.vendor == "sqlite" and cursor.fetchone()[0].startswith("3.")


POSTGRES = "django.db.backends.postgresql"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "postgresql://postgres@127.0.0.1:54321/mizan",
            {"NAME": "mizan", "USER": "postgres", "PASSWORD": "", "HOST": "127.0.0.1", "PORT": "54321"},
        ),
        (
            "postgres://ci:p%40ss%2Fw@db.example:6000/my%20db",
            {"NAME": "my db", "USER": "ci", "PASSWORD": "p@ss/w", "HOST": "db.example", "PORT": "6000"},
        ),
        (
            "postgresql://[::1]/mizan",
            {"NAME": "mizan", "USER": "postgres", "PASSWORD": "", "HOST": "::1", "PORT": "5432"},
        ),
        (
            "127.0.0.1:5433/tests",
            {"NAME": "tests", "USER": "postgres", "PASSWORD": "", "HOST": "127.0.0.1", "PORT": "5433"},
        ),
        (
            " localhost/tests\n",
            {"NAME": "tests", "USER": "postgres", "PASSWORD": "", "HOST": "localhost", "PORT": "5432"},
        ),
    ],
)
def test_a_url_or_host_port_dbname_names_a_postgresql_database(value: str, expected: dict[str, Any]) -> None:
    assert databases(value) == {"default": {"ENGINE": POSTGRES, **expected}}


@pytest.mark.parametrize("value", [None, ""])
def test_unset_or_empty_is_sqlite_in_memory(value: str | None) -> None:
    assert databases(value) == {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("mysql://root@127.0.0.1:3306/mizan", "scheme 'mysql' is not postgresql"),
        ("postgresql:///mizan", "no host"),
        ("127.0.0.1:port/mizan", "the port is not a number from 0 to 65535"),
        ("127.0.0.1:70000/mizan", "the port is not a number from 0 to 65535"),
        ("127.0.0.1:5432", "no database name (or one with a slash)"),
        ("127.0.0.1:5432/a/b", "no database name (or one with a slash)"),
        ("postgresql://h/db?sslmode=require", "a query or fragment, which is not read"),
    ],
)
def test_a_value_that_names_no_database_is_refused_with_the_reason(value: str, problem: str) -> None:
    with pytest.raises(ImproperlyConfigured) as raised:
        databases(value)
    assert str(raised.value) == (
        f"{VARIABLE}={value!r}: {problem}; expected postgresql://user[:password]@host[:port]/dbname or host:port/dbname"
    )
