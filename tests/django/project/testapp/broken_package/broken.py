"""A module of a package layer that fails to import: the ImportError propagates (DISC-1)."""

from __future__ import annotations

import importlib

importlib.import_module("mizan_tests_no_such_dependency_in_a_package")
