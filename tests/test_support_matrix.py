"""The classifiers list exactly what CI runs (issue 15 item 14): `make test` runs every pass
on the main virtualenv (the README's python3: CPython 3.11 with the Django 5.2 that pip
picks for it), and `make test-newest` the C-extension pass on the newest CPython the machine
has with the newest Django. Each pass checks that its own interpreter and Django are listed,
and the lists hold those two and nothing else."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import django

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def classifiers() -> list[str]:
    with PYPROJECT.open("rb") as file:
        listed: list[str] = tomllib.load(file)["project"]["classifiers"]
    return listed


def versions(pattern: str) -> set[str]:
    return {match.group(1) for c in classifiers() if (match := re.fullmatch(pattern, c))}


def test_this_interpreter_and_django_are_listed() -> None:
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in versions(
        r"Programming Language :: Python :: (3\.\d+)"
    )
    assert "{}.{}".format(*django.VERSION[:2]) in versions(r"Framework :: Django :: (\d+\.\d+)")


def test_the_lists_hold_the_two_ends_ci_runs() -> None:
    pythons = sorted(versions(r"Programming Language :: Python :: (3\.\d+)"), key=lambda v: int(v.split(".")[1]))
    assert len(pythons) == 2 and pythons[0] == "3.11"  # the floor (requires-python) and the newest
    assert len(versions(r"Framework :: Django :: (\d+\.\d+)")) == 2
