"""Mizan side by side with the original product (django-izana 1.1.0 on izana-core 0.3.0): the
same fixture registered in a Django project of each, the same transcript and auth grid sent,
the responses compared field by field with the product name normalised (PROTOCOL
"Precedence"; AFI-10, AFI-11, AFI-13).

Every difference must be listed in `afi/original/expected.py`, either as EXPECTED (a written
DECISION explains it) or as SPEC_OVER_ORIGINAL (the original departs from an explicit
requirement, which Mizan keeps: the original decides only what the spec leaves open). Any
other difference fails, and so does a listed one that no longer occurs: the lists stay exact.

Needs `.venv-original` (`bash scripts/original-venv.sh`) and skips without it. Run:
`AFI_JOBS=1 .venv/bin/python -m pytest afi/jobs/test_original.py`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Final

import pytest

from afi.original.compare import STORED_KEYS, VECTORS, Difference, differences
from afi.original.expected import EXPECTED, FINDINGS, SPEC_OVER_ORIGINAL, Key, markdown
from afi.transcript import auth_grid, script

ROOT: Final = Path(__file__).resolve().parents[2]
ORIGINAL_PYTHON: Final = ROOT / ".venv-original" / "bin" / "python"
DECISION_ID: Final = re.compile(r"GAP-\d+|ERR-8")  # ERR-8 is the DECISION without a §12 entry
SHOWN: Final = 400  # characters of a value shown in a failure (HTML pages are long)


def _worker(python: str | Path, module: str, *args: str, env: dict[str, str]) -> dict[str, Any]:
    """`python -m module args` from the repository root; its JSON output."""
    done = subprocess.run(
        [str(python), "-m", module, *args], cwd=ROOT, env=env, capture_output=True, timeout=300, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"`{python} -m {module}` exited {done.returncode}:\n{done.stderr.decode(errors='replace')[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _environment() -> dict[str, str]:
    # pytest-django exports the unit tests' settings module: each worker names its own project.
    env = {name: value for name, value in os.environ.items() if name not in ("DJANGO_SETTINGS_MODULE", "AFI_DATABASE")}
    return env


@pytest.fixture(scope="module")
def found() -> dict[Key, Difference]:
    """Every difference between Mizan's Django run and the original's, by (label, field)."""
    if not ORIGINAL_PYTHON.exists():
        pytest.skip(f"{ORIGINAL_PYTHON.parent.parent.name} does not exist: run `bash scripts/original-venv.sh`")
    mizan = _worker(sys.executable, "afi.worker", "django", env=_environment())
    # The original's process gets the repository for the fixture, never Mizan's adapter, and
    # Mizan's pure core, so it needs no C build (scripts/original-venv.sh).
    original_env = {**_environment(), "PYTHONPATH": str(ROOT), "MIZAN_PURE": "1"}
    original = _worker(ORIGINAL_PYTHON, "afi.original.worker", env=original_env)
    return {difference.key: difference for difference in differences(mizan, original)}


def _clip(value: Any) -> str:
    if value is None:
        return "(absent)"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = text.replace("\n", "\\n")  # one line per value
    return text if len(text) <= SHOWN else f"{text[:SHOWN]}… ({len(text)} chars)"


def _show(differences: list[Difference]) -> str:
    return "\n".join(
        f"  [{d.label}] {d.field}\n      mizan:    {_clip(d.mizan)}\n      original: {_clip(d.original)}"
        for d in differences
    )


def test_lists_are_well_formed() -> None:
    """Each key is in one list, names a real step, and cites a DECISION or a finding."""
    labels = {step.label for step in [*script(), *auth_grid()]} | {STORED_KEYS, VECTORS}
    assert not set(EXPECTED) & set(SPEC_OVER_ORIGINAL), "listed as both expected and unresolved"
    unknown = sorted(label for label, _ in [*EXPECTED, *SPEC_OVER_ORIGINAL] if label not in labels)
    assert not unknown, f"labels that are no step of the transcript: {unknown}"
    for key, decided in EXPECTED.items():
        assert decided.gaps and all(DECISION_ID.fullmatch(gap) for gap in decided.gaps), key
        assert decided.reason, key
    assert set(SPEC_OVER_ORIGINAL.values()) == set(FINDINGS), (
        "a finding without differences, or a difference naming no finding"
    )


def test_readme_tables_are_current() -> None:
    """afi/original/README.md shows the lists as they are (`python -m afi.original.expected`)."""
    readme = (ROOT / "afi" / "original" / "README.md").read_text(encoding="utf-8")
    assert readme.endswith(markdown()), "regenerate the README's tables: python -m afi.original.expected"


def test_every_difference_is_listed(found: dict[Key, Difference]) -> None:
    """A difference that is neither explained by a DECISION nor a known finding is a failure."""
    unlisted = [d for key, d in found.items() if key not in EXPECTED and key not in SPEC_OVER_ORIGINAL]
    if unlisted:
        pytest.fail(
            f"{len(unlisted)} difference(s) from the original that afi/original/expected.py does not "
            f"list (fix Mizan, or list it with the DECISION that explains it):\n{_show(unlisted)}",
            pytrace=False,
        )


def test_expected_differences_still_occur(found: dict[Key, Difference]) -> None:
    """The expected list stays exact: an entry that no longer differs must be removed."""
    gone = sorted(key for key in EXPECTED if key not in found)
    if gone:
        pytest.fail(
            "expected differences that no longer occur (remove them from EXPECTED):\n"
            + "\n".join(f"  [{label}] {field}  ({', '.join(EXPECTED[(label, field)].gaps)})" for label, field in gone),
            pytrace=False,
        )


@pytest.mark.parametrize("finding", sorted(FINDINGS))
def test_spec_over_original_finding_still_occurs(found: dict[Key, Difference], finding: str) -> None:
    """Each finding's differences all still occur (else the list is stale), and no more."""
    listed = [key for key, owner in SPEC_OVER_ORIGINAL.items() if owner == finding]
    gone = sorted(key for key in listed if key not in found)
    assert not gone, f"{finding} no longer differs here, remove it from SPEC_OVER_ORIGINAL: {gone}"
    assert listed
