"""The user-facing documents resolve inside the repository: every requirement ID the
repository cites is defined in docs/protocol.md, and README.md and docs/ never send a user
to a file, issue or style guide they cannot open."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROTOCOL = ROOT / "docs" / "protocol.md"
USER_DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# Directories that are not the project's own text: tools, caches and build products.
SKIPPED_DIRS = frozenset(
    {".git", "build", "dist", "node_modules", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
)
TEXT_SUFFIXES = frozenset(
    {".py", ".pyi", ".md", ".c", ".h", ".toml", ".cfg", ".ini", ".txt", ".sh", ".json", ".kdl", ".yml", ".yaml", ".in"}
)
TEXT_NAMES = frozenset({"Makefile", "LICENSE", ".clang-format"})

# A definition: a list item opening with the bold ID, or a heading naming it.
DEFINITION = re.compile(r"^\s*[-*]\s+\*\*([A-Z]+-\d+[a-z]?)\*\*|^#+\s.*?\b([A-Z]+-\d+[a-z]?)\b", re.MULTILINE)
FENCE = re.compile(r"^\s*(```|~~~)")

# Pointers a reader of README.md or docs/ cannot follow: the specification and style guide
# this project was built from live outside the repository, and so do its issues.
OUTSIDE_POINTERS = {
    "PROTOCOL.md": re.compile(r"PROTOCOL\.md"),
    "IR.md": re.compile(r"(?<![\w/])IR\.md"),
    "STYLE": re.compile(r"\bSTYLE(\.md|\s+B\d+)\b"),
    "ARCHITECTURE.md": re.compile(r"ARCHITECTURE\.md"),
    "PROTOCOL (the spec by name)": re.compile(r"\bPROTOCOL\b"),
    "an issue number": re.compile(r"\bissues?\s+#?\d+\b", re.IGNORECASE),
    "the shared directory": re.compile(r"(\.\./)+shared\b|\bshared/(spec|seeds)\b"),
    "a seed file": re.compile(r"\bseed\s+0\d\d\b"),
}
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")


def defined_ids() -> list[str]:
    """The IDs docs/protocol.md defines, in order, fenced code excluded."""
    found: list[str] = []
    for line in prose_lines(PROTOCOL):
        match = DEFINITION.match(line)
        if match:
            found.append(match.group(1) or match.group(2))
    return found


def prose_lines(path: Path) -> Iterator[str]:
    """The lines of a Markdown file outside fenced code blocks."""
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield line


def repository_text_files() -> Iterator[Path]:
    """Every text file of the project (sources, tests, docs, scripts, benchmarks, afi/)."""
    for path in sorted(ROOT.rglob("*")):
        relative = path.relative_to(ROOT).parts
        if any(part in SKIPPED_DIRS or part.startswith(".venv") or part.endswith(".egg-info") for part in relative):
            continue
        if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name in TEXT_NAMES):
            yield path


def citation_pattern(prefixes: set[str]) -> re.Pattern[str]:
    """`RPC-2`, `FA-3a`, and ranges `RPC-1..7` / `MAN-1..MAN-9` / `CKEY-1–4`, for the given
    prefixes only (so `UTF-8`, `SHA-256` or `CVE-2026-...` are not taken for IDs)."""
    names = "|".join(sorted(prefixes, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9_-])({names})-(\d+)([a-z]?)(?:(?:\.\.|–)(?:\1-)?(\d+))?(?![A-Za-z0-9_])")


def cited_ids(text: str, pattern: re.Pattern[str]) -> set[str]:
    """The IDs `text` cites, ranges expanded."""
    cited: set[str] = set()
    for prefix, first, letter, last in pattern.findall(text):
        if last:
            cited.update(f"{prefix}-{n}" for n in range(int(first), int(last) + 1))
        else:
            cited.add(f"{prefix}-{first}{letter}")
    return cited


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lower case, punctuation dropped
    (hyphens and underscores kept), spaces to hyphens."""
    text = heading.strip().lower()
    kept = "".join(ch for ch in text if ch in "-_ " or unicodedata.category(ch)[0] in "LNM")
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The heading anchors of a Markdown file (repeats get GitHub's `-1`, `-2` suffixes)."""
    seen: Counter[str] = Counter()
    result: set[str] = set()
    for line in prose_lines(path):
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        slug = github_slug(match.group(1))
        result.add(slug if not seen[slug] else f"{slug}-{seen[slug]}")
        seen[slug] += 1
    return result


# --- the reference defines what the repository cites ----------------------------------------


def test_protocol_reference_defines_each_id_once_and_numbers_without_holes() -> None:
    """Each ID has one definition, and each prefix runs 1..n with no number missing (a
    lettered ID such as `FA-3a` sits beside its number)."""
    ids = defined_ids()
    assert len(ids) > 350, len(ids)
    repeated = sorted(name for name, count in Counter(ids).items() if count > 1)
    assert repeated == []
    numbers: dict[str, set[int]] = {}
    for name in ids:
        prefix, number = name.rsplit("-", 1)
        numbers.setdefault(prefix, set()).add(int(number.rstrip("abcdefghijklmnopqrstuvwxyz")))
    holes = {prefix: sorted(set(range(1, max(got) + 1)) - got) for prefix, got in numbers.items()}
    assert {prefix: missing for prefix, missing in holes.items() if missing} == {}


def test_every_cited_requirement_id_is_defined_in_the_protocol_reference() -> None:
    """Code, tests, docs, afi/, benchmarks/, scripts and the Makefile cite requirement IDs;
    each one (ranges included) must be defined in docs/protocol.md, so a reader can look it up."""
    defined = set(defined_ids())
    pattern = citation_pattern({name.rsplit("-", 1)[0] for name in defined})
    undefined: dict[str, list[str]] = {}
    scanned = 0
    for path in repository_text_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        scanned += 1
        missing = sorted(cited_ids(text, pattern) - defined)
        if missing:
            undefined[str(path.relative_to(ROOT))] = missing
    assert scanned > 100, scanned  # the walk really saw the repository
    assert undefined == {}


def test_citation_pattern_reads_ranges_and_ignores_other_dashed_words() -> None:
    """The scanner itself: ranges expand, lettered IDs stay whole, and words that only look
    like IDs are not citations."""
    pattern = citation_pattern({"RPC", "MAN", "FA", "AFI", "CKEY"})
    text = "RPC-1..3, MAN-3..MAN-5, FA-3a, CKEY-1–2, UTF-8, SHA-256, D-AFI-1, XRPC-9, RPC-2_x"
    assert cited_ids(text, pattern) == {
        "RPC-1",
        "RPC-2",
        "RPC-3",
        "MAN-3",
        "MAN-4",
        "MAN-5",
        "FA-3a",
        "CKEY-1",
        "CKEY-2",
    }


# --- user-facing documents stay inside the repository ---------------------------------------


@pytest.mark.parametrize("path", USER_DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_user_docs_never_point_outside_the_repository(path: Path) -> None:
    """README.md and docs/*.md do not send users to the specification, the style guide, an
    issue number or the planning material, none of which ships with the project."""
    found = [
        f"line {number}: {label}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for label, pointer in OUTSIDE_POINTERS.items()
        if pointer.search(line)
    ]
    assert found == []


@pytest.mark.parametrize("path", USER_DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_user_docs_links_resolve(path: Path) -> None:
    """Every relative link of README.md and docs/*.md names a file of the repository, and
    every `#anchor` names a heading of the file it points to."""
    broken: list[str] = []
    for line in prose_lines(path):
        for target in MARKDOWN_LINK.findall(line):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
                continue
            file_part, _, anchor = target.partition("#")
            linked = (path.parent / file_part).resolve() if file_part else path
            if not linked.exists() or ROOT not in linked.parents and linked != ROOT:
                broken.append(f"{target}: no such file in the repository")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                broken.append(f"{target}: no heading with that anchor")
    assert broken == []
