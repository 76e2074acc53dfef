"""Shared fixtures: every core test body runs once per backend (`c` and `py`)."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest
from hypothesis import HealthCheck, settings

from tests.postgres_server import postgres_server  # noqa: F401  (the session PostgreSQL fixture)
from tests.redis_server import redis_server  # noqa: F401  (the session redis-server fixture)

settings.register_profile(
    "ci",
    deadline=None,
    max_examples=int(os.environ.get("MIZAN_HYPOTHESIS_EXAMPLES", "300")),
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--no-c-extension",
        action="store_true",
        default=False,
        help="skip the C-backend parametrisation (pure-Python twins only)",
    )


def _backends(config: pytest.Config) -> list[object]:
    params: list[object] = [pytest.param("py", id="py")]
    if not config.getoption("--no-c-extension") and os.environ.get("MIZAN_PURE", "") != "1":
        params.insert(0, pytest.param("c", id="c", marks=pytest.mark.c_extension))
    return params


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", _backends(metafunc.config), indirect=True, scope="session")


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> ModuleType:
    """The implementation under test: `mizan._speedups` (imported directly, so a missing
    build fails the run) or the pure-Python twins in `mizan.core._py`."""
    if request.param == "c":
        return importlib.import_module("mizan._speedups")
    return importlib.import_module("mizan.core._py")


@pytest.fixture(scope="session")
def c_ext() -> ModuleType:
    """The C extension itself, for differential tests that compare it with the twins."""
    if os.environ.get("MIZAN_PURE", "") == "1":
        pytest.skip("MIZAN_PURE=1: differential C-vs-twin tests run in the C pass")
    return importlib.import_module("mizan._speedups")


@pytest.fixture(scope="session")
def py_impl() -> ModuleType:
    return importlib.import_module("mizan.core._py")
