"""The browser tests' prerequisites: skipped outside CI when chromium or Playwright is
missing (and the scenario modules are then not collected, see conftest.py); failed under
CI=true, where a missing install must not pass as a skip."""

from __future__ import annotations

import subprocess

import pytest

from tests.browser.availability import CHROMIUM, UNDER_CI, missing


def test_chromium_and_playwright_are_installed() -> None:
    reason = missing()
    if reason is not None:
        if UNDER_CI:
            pytest.fail(f"CI=true and the browser tests cannot run: {reason}")
        pytest.skip(f"browser tests skipped: {reason}")
    version = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=60, check=True)
    assert version.stdout.startswith("Chromium "), version.stdout
