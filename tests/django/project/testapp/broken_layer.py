"""A discovery layer that exists but fails to import (DISC-1: the ImportError propagates)."""

from __future__ import annotations

import importlib

importlib.import_module("mizan_tests_no_such_dependency")
