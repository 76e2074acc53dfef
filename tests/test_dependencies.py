"""DEP-1/DEP-1a and the AFI-5 dependency guard: the declared requirements stay on the
allowlist, and the packages (both adapters) never import development tools (checked on the
installed metadata and by importing, not by reading source)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

RUNTIME_ALLOWED = {"pydantic", "pyjwt"}
EXTRA_ALLOWED = {
    "django": {"django"},
    "fastapi": {"fastapi"},
    "channels": {"channels", "channels-redis", "django"},
    "redis": {"redis"},
    "shapes": {"django-readers", "django"},
    "crypto": {"pyjwt"},
    "codegen": {"ckdl"},
}
# What an extra brings through another package's own extra: `crypto` is PyJWT[crypto],
# i.e. `cryptography`, which PyJWT (and mizan.core.jwt_keys) import when it is installed.
EXTRA_PROVIDES = {"crypto": {"cryptography"}}
TOOL_EXTRAS = {"dev", "bench", "demo"}


def _requirements() -> list[tuple[str, str | None]]:
    try:
        declared = metadata.requires("mizan") or []
    except metadata.PackageNotFoundError:
        pytest.fail("the mizan distribution is not installed; run `make build` (pip install -e .)")
    parsed = []
    for requirement in declared:
        name = re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower().replace("_", "-")
        extra = re.search(r"extra\s*==\s*['\"]([^'\"]+)['\"]", requirement)
        parsed.append((name, extra.group(1) if extra else None))
    return parsed


def test_dep1_runtime_requirements_are_on_the_allowlist() -> None:
    requirements = _requirements()
    runtime = {name for name, extra in requirements if extra is None}
    assert runtime == RUNTIME_ALLOWED
    for name, extra in requirements:
        if extra is not None and extra not in TOOL_EXTRAS:
            assert name in EXTRA_ALLOWED.get(extra, set()), f"{name} in extra {extra!r} is not on the DEP-1 allowlist"
    # hiredis lives inside the extension: the origin cache never uses redis-py, which only
    # FastAPI's cross-process pushes need (the `redis` extra), besides tests and benchmarks
    assert {extra for name, extra in requirements if name == "redis"} <= {"redis", "dev", "bench"}


# PyJWT releases with known token-verification CVEs stop before this one (README, "Tokens").
PYJWT_FLOOR = Version("2.13.0")


def test_dep1_pyjwt_floor_excludes_versions_with_verification_cves() -> None:
    """DEP-1: the declared PyJWT requirement refuses every release before 2.13.0, and the
    installed one satisfies it."""
    declared = [Requirement(text) for text in metadata.requires("mizan") or []]
    (pyjwt,) = [r for r in declared if r.name.lower() == "pyjwt" and r.marker is None]
    assert not pyjwt.specifier.contains("2.12.1") and pyjwt.specifier.contains(str(PYJWT_FLOOR))
    installed = Version(metadata.version("PyJWT"))
    assert installed >= PYJWT_FLOOR and pyjwt.specifier.contains(installed)


def test_dep1_crypto_extra_is_pyjwts_own() -> None:
    """DEP-1: the `crypto` extra adds no package of its own choosing: it is PyJWT's
    `crypto` extra, under the same PyJWT floor as the runtime requirement."""
    declared = [Requirement(text) for text in metadata.requires("mizan") or []]
    crypto = [r for r in declared if r.marker is not None and r.marker.evaluate({"extra": "crypto"})]
    assert [(r.name.lower(), r.extras) for r in crypto] == [("pyjwt", {"crypto"})]
    assert not crypto[0].specifier.contains("2.12.1") and crypto[0].specifier.contains(str(PYJWT_FLOOR))


def test_dep1a_packages_never_import_tools() -> None:
    requirements = _requirements()
    # A package that is also a runtime extra (Django, FastAPI) is the adapter's framework,
    # and what a runtime extra brings (cryptography) is a runtime package too.
    frameworks = {name for name, extra in requirements if extra is not None and extra not in TOOL_EXTRAS}
    frameworks |= {name for extra, names in EXTRA_PROVIDES.items() for name in names}
    tools = sorted({name for name, extra in requirements if extra in TOOL_EXTRAS} - frameworks)
    import_names = {"django-ninja": "ninja", "djangorestframework": "rest_framework"}
    modules = [import_names.get(t, t.replace("-", "_")) for t in tools]
    # The frameworks themselves may import a tool when it is installed (FastAPI's responses
    # module imports orjson if it can); only what Mizan's own imports add is counted.
    script = (
        "import sys, os\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'tests.django.project.settings')\n"
        "import django; django.setup()\n"
        "import fastapi, fastapi.responses, fastapi.routing\n"
        f"before = {{m for m in {modules!r} if m in sys.modules}}\n"
        "import mizan, mizan.core, mizan.core.executor, mizan.views, mizan.urls, mizan.setup, mizan.checks\n"
        "import mizan_fastapi, mizan_fastapi.router, mizan_fastapi.ir, mizan_fastapi.manifest\n"
        f"bad = [m for m in {modules!r} if m in sys.modules and m not in before]\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=os.getcwd())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


# DEP-1a: the browser tests' driver. Only a development tool, pinned to one minor release
# because Playwright's CDP client must speak the protocol of the Debian chromium it drives
# (tests/browser; no browser is ever downloaded).
BROWSER_DRIVER = "playwright"


def test_dep1a_browser_driver_is_a_pinned_dev_tool() -> None:
    declared = [Requirement(text) for text in metadata.requires("mizan") or []]
    drivers = [r for r in declared if r.name.lower() == BROWSER_DRIVER]
    assert [r.marker is not None and r.marker.evaluate({"extra": "dev"}) for r in drivers] == [True]
    (driver,) = drivers
    assert not driver.extras
    pins = {spec.operator: Version(spec.version) for spec in driver.specifier}
    assert set(pins) == {">=", "<"} and pins["<"].release[:2] == (pins[">="].major, pins[">="].minor + 1)
    assert driver.specifier.contains(metadata.version(BROWSER_DRIVER))
