"""The `ssr` group's Django set-up: the rows, the engines and the check that every engine
renders the same table.

One in-process Django (no database, no apps) with these `TEMPLATES`: two `MizanTemplates`
engines, `ssr1` with one worker and `ssrN` with the default pool size, Django's own engine
(`django`) and, when jinja2 imports, Django's Jinja2 backend (`jinja2`). Every engine renders
the customer table of benchmarks/ssr_templates/ from the same 100 rows through
`render_to_string`, as a view would.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = ROOT / "benchmarks" / "ssr_templates"
# Where `npm ci` put react, react-dom and esbuild for the tests (make build does it).
NODE_PROJECT = ROOT / "tests" / "ssr"
ROWS = 100
HAS_JINJA2 = importlib.util.find_spec("jinja2") is not None

# Engine -> template name; the order is the tables'.
TEMPLATE_NAMES = {"ssr1": "Table.jsx", "ssrN": "Table.jsx", "django": "table.html", "jinja2": "table.jinja"}

_FIRST = ("Amira", "José", "Zoë", "Liam", "Mei", "Oluwaseun", "Ingrid", "Rahul", "Siobhán", "Tomás")
_LAST = ("Haddad", "Müller", "O'Brien", "Nakamura", "Kowalski", "Okafor", "Lindqvist", "Sharma", "Dubois", "García")
_COMPANIES = (
    "Barnes & Noble",
    "Northwind Traders",
    "Acme <Widgets> Ltd",
    'Smith "Quality" Tools',
    "Østfold Energi AS",
    "Café Central GmbH",
    "Blue Harbor Logistics",
)
_CITIES = ("Zürich", "São Paulo", "Kraków", "Montréal", "Reykjavík", "Osaka", "Lagos", "Dublin", "Austin")


def rows(count: int = ROWS) -> list[dict[str, Any]]:
    """`count` customers, deterministic: ASCII and not, and every character HTML escapes
    (`&`, `<`, `>`, `"`, `'`), so the engines' escaping is compared too."""
    out = []
    for index in range(count):
        first, last = _FIRST[index % len(_FIRST)], _LAST[(index * 3) % len(_LAST)]
        cents = (index * 7919 + 1234) % 10_000_000
        out.append(
            {
                "id": index + 1,
                "name": f"{first} {last}",
                "email": f"{first.lower()}.{last.lower().replace(chr(39), '')}{index}@example.com",
                "company": _COMPANIES[index % len(_COMPANIES)],
                "city": _CITIES[(index * 5) % len(_CITIES)],
                "balance": f"{cents // 100:,}.{cents % 100:02d}",
                "active": index % 3 != 0,
            }
        )
    return out


def engines() -> tuple[str, ...]:
    """The engines this run renders with."""
    return tuple(name for name in TEMPLATE_NAMES if name != "jinja2" or HAS_JINJA2)


def setup(workers: int | None = None) -> int:
    """Configure Django with every engine; the pool size of `ssrN` (default: Mizan's own)."""
    import django
    from django.conf import settings

    from mizan.core.ssr import default_workers

    size = workers or default_workers()
    mizan = "mizan.ssr.MizanTemplates"
    templates: list[dict[str, Any]] = [
        {"BACKEND": mizan, "NAME": "ssr1", "DIRS": [TEMPLATES_DIR], "OPTIONS": {"workers": 1, "timeout": 30}},
        {"BACKEND": mizan, "NAME": "ssrN", "DIRS": [TEMPLATES_DIR], "OPTIONS": {"workers": size, "timeout": 30}},
        {"BACKEND": "django.template.backends.django.DjangoTemplates", "NAME": "django", "DIRS": [TEMPLATES_DIR]},
    ]
    if HAS_JINJA2:
        templates.append(
            {"BACKEND": "django.template.backends.jinja2.Jinja2", "NAME": "jinja2", "DIRS": [TEMPLATES_DIR]}
        )
    settings.configure(DEBUG=False, INSTALLED_APPS=[], TEMPLATES=templates, USE_TZ=True)
    django.setup()
    return size


def renderer(engine: str, context: dict[str, Any]) -> Callable[[], str]:
    """One render of the table by `engine`, as a view does it: `render_to_string`."""
    from django.template.loader import render_to_string

    name = TEMPLATE_NAMES[engine]
    return lambda: render_to_string(name, context, using=engine)


@contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def start_workers(engine: str) -> list[int]:
    """Start every worker of a MizanTemplates engine now (start-up stays out of the timing);
    their process ids.

    The workers run in tests/ssr, whose node_modules the worker's resolution finds from
    its current directory (the component's own directory has none above it).
    """
    from django.template import engines as django_engines

    pool = django_engines[engine].pool  # type: ignore[attr-defined]
    with _working_directory(NODE_PROJECT):
        for bridge in pool.bridges:
            bridge.start()
    return [bridge.pid for bridge in pool.bridges]


def stop_workers(engine: str) -> None:
    from django.template import engines as django_engines

    django_engines[engine].pool.shutdown()  # type: ignore[attr-defined]


class _Structure(HTMLParser):
    """An HTML string as a list of (start tag, sorted attributes), end tags and text with
    entities decoded and whitespace-only text dropped, so two engines' spellings of the
    same markup compare equal (`&quot;` or `&#34;`, React's `<!-- -->` text separators)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[tuple[Any, ...]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.items.append(("start", tag, tuple(sorted(attrs))))

    def handle_endtag(self, tag: str) -> None:
        self.items.append(("end", tag))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.items.append(("text", data.strip()))


def structure(html: str) -> list[tuple[Any, ...]]:
    parser = _Structure()
    parser.feed(html)
    parser.close()
    return parser.items


def split_page(markup: str) -> tuple[str, Any]:
    """The component's HTML and the decoded props of one SSR-3 page.

    Raises:
        AssertionError: the markup is not `<div id="mizan-root">...</div><script>...</script>`.
    """
    from mizan.core.ssr.page import DATA_CLOSE, DATA_OPEN, ROOT_OPEN

    assert markup.startswith(ROOT_OPEN) and markup.endswith(DATA_CLOSE), markup[:200]
    html, _, data = markup[len(ROOT_OPEN) : -len(DATA_CLOSE)].rpartition(DATA_OPEN)
    assert "<" not in data and "</script" not in data.lower(), "unescaped markup in the props JSON"
    return html, json.loads(data)


def check_same_table(outputs: dict[str, str], context: dict[str, Any]) -> dict[str, int]:
    """Stop unless every engine rendered the same table, row for row, and the SSR pages embed
    exactly the props; the bytes of each engine's output.

    Raises:
        SystemExit: an engine differs (the first differing item is shown).
    """
    reference = structure(outputs["django"])
    texts = [item[1] for item in reference if item[0] == "text"]
    for row in context["rows"]:  # every cell of every row is in the reference itself
        for key in ("name", "email", "company", "city", "balance"):
            if row[key] not in texts:
                raise SystemExit(f"benchmarks.ssr: DjangoTemplates lost {key} of row {row['id']}: {row[key]!r}")
    for engine, markup in outputs.items():
        html = markup
        if engine.startswith("ssr"):
            html, props = split_page(markup)
            if props != context:
                raise SystemExit(f"benchmarks.ssr: {engine}'s embedded props differ from the context")
        items = structure(html)
        if items != reference:
            index = next((i for i, (a, b) in enumerate(zip(items, reference, strict=False)) if a != b), None)
            where = "lengths differ" if index is None else f"item {index}: {items[index]} != {reference[index]}"
            raise SystemExit(f"benchmarks.ssr: {engine} renders another table than DjangoTemplates ({where})")
    return {engine: len(markup.encode()) for engine, markup in outputs.items()}
