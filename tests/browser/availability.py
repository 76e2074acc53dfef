"""Whether the browser tests can run here: Debian's chromium and Python Playwright.

Outside CI a missing piece skips the browser tests with the reason; under CI (CI=true) it
fails them, since a skip there would hide an install step that went missing.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from typing import Final

# MIZAN_CHROMIUM overrides the browser; by default the Debian package's /usr/bin/chromium.
CHROMIUM: Final = os.environ.get("MIZAN_CHROMIUM") or shutil.which("chromium") or ""
UNDER_CI: Final = os.environ.get("CI", "").lower() == "true"


def missing() -> str | None:
    """Why the browser tests cannot run, or None when they can."""
    problems = []
    if not CHROMIUM or not os.access(CHROMIUM, os.X_OK):
        problems.append("no chromium (apt-get install chromium, or set MIZAN_CHROMIUM)")
    if importlib.util.find_spec("playwright") is None:
        problems.append("Python Playwright is not installed (the `dev` extra: make build)")
    return "; ".join(problems) or None


def launch_args() -> list[str]:
    """Chromium's flags: its sandbox needs user namespaces that root (CI) cannot use."""
    return ["--no-sandbox"] if os.geteuid() == 0 else []
