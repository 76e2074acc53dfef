"""Unit-test fixtures: an empty registry per test, restored afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mizan.core import registry


@pytest.fixture
def clean_registry() -> Iterator[None]:
    saved = registry.get_all_functions()
    saved_ext = registry.get_extensions()
    registry.clear_registry()
    try:
        yield
    finally:
        registry.clear_registry()
        for name, fn_class in saved.items():
            registry.register(fn_class, name)
        for name, ext in saved_ext.items():
            registry.register_extension(name, ext)
