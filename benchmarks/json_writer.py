"""The `json` group: the canonical JSON writer against the other ways to get the same bytes.

`python -m benchmarks.json_writer` encodes four payloads (a ~130 B `/call/` envelope, ~1 KB
and ~10 KB context bundles, a ~56 KB document) with

- `encode_json` from `mizan._speedups`, the direct writer (Python objects to bytes, no tree);
- `encode_json` from `mizan.core._py`, its pure-Python twin;
- `json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()`, the
  stdlib spelling of the same canonical form (encoded, since a response body is bytes);
- `orjson.dumps(option=OPT_SORT_KEYS)`, when orjson is installed;
- a jansson tree + dump: the same objects turned into a `json_t` tree, then `json_dumps`
  with `JSON_COMPACT | JSON_SORT_KEYS` — the design the writer chose not to be. It is a
  benchmark-only module (benchmarks/native/jansson_dump.c, compiled on first use).

The writer, its twin and json.dumps must give identical bytes or the run stops; orjson
formats some floats differently (`1e-05` is `0.00001` there), and jansson prints 17
significant digits (`0.1` is `0.10000000000000001`), so their bytes are compared, any
difference is listed, and their output must at least decode to the same value. Then it
reports wall-time medians of interleaved rounds and, under valgrind, callgrind
instructions per op (benchmarks/_callgrind.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from benchmarks import _callgrind, _json_models
from benchmarks._results import Chart, Goal, Results, Table, instructions, times
from benchmarks._timing import interleaved, micros

ALTERNATIVES = ("C writer", "pure twin", "json.dumps", "orjson", "jansson tree+dump")
# Alternatives whose bytes may differ from the canonical form (float spelling) but must
# decode to the same value.
OWN_FLOAT_SPELLING = ("orjson", "jansson tree+dump")
ROUNDS = 21
# Ops per callgrind interval: this many output bytes' worth, at most 1,000. Fixed rather than
# taken from wall time, so every run counts the same ops after the same heap history and
# repeats its Ir exactly; callgrind is exact, so one op of a slow alternative is enough.
CALLGRIND_BYTES = {
    "C writer": 200_000,
    "orjson": 200_000,
    "jansson tree+dump": 100_000,
    "json.dumps": 50_000,
    "pure twin": 10_000,
}
CALLGRIND_MAX_OPS = 1000
# Issue 8, G2: the writer >= 5x faster than json.dumps, within 1.5x of orjson, at every size.
AIM_DUMPS = 5.0
AIM_ORJSON = 1.5


def envelope() -> dict[str, Any]:
    """A `/call/` success envelope (~130 B): a small model dump plus what it invalidates."""
    return {
        "result": {"id": 5, "name": "Ada Lovelace", "tier": "pro", "tags": ["admin", "beta"]},
        "invalidate": [{"context": "user", "params": {"user_id": 5}}],
    }


def bundle(items: int) -> dict[str, Any]:
    """A context bundle: members keyed by name, each a model dump in declaration order
    (so the writer really sorts), with nested lists, prices, nulls and some non-ASCII."""
    return {
        "user": {
            "id": 5,
            "username": "ada",
            "display_name": "Ada Lovelace",
            "email": "ada@example.org",
            "is_staff": False,
            "locale": "en-GB",
            "avatar": None,
        },
        "cart": {
            "items": [
                {
                    "sku": f"SKU-{i:05d}",
                    "title": f"Notebook nº {i} – dotted",
                    "quantity": 1 + i % 3,
                    "unit_price": 12.5 + i,
                    "discount": 0.25 if i % 4 == 0 else None,
                    "tags": ["paper", "a5"],
                }
                for i in range(items)
            ],
            "currency": "EUR",
            "total": round(sum((12.5 + i) * (1 + i % 3) for i in range(items)), 2),
        },
        "flags": {"beta": True, "dark_mode": False, "max_upload_mb": 25},
    }


def document(sections: int) -> dict[str, Any]:
    """A rich-text document: nested blocks with paragraphs that need escaping (quotes,
    newlines, a tab, a backslash), non-ASCII text, marks and float attributes."""
    paragraph = 'She said "compile it first".\nThen: résumé, naïve, 東京 — and a \\path\\ with a\ttab. 🙂'
    blocks: list[dict[str, Any]] = []
    for s in range(sections):
        blocks.append({"type": "heading", "attrs": {"level": 2, "id": f"section-{s}"}, "text": f"Section {s}"})
        for p in range(3):
            blocks.append(
                {
                    "type": "paragraph",
                    "attrs": {"align": "left", "indent": 0.5 * p, "line_height": 1.15},
                    "content": [
                        {"type": "text", "text": paragraph, "marks": []},
                        {
                            "type": "text",
                            "text": f"Note {s}.{p}",
                            "marks": [{"type": "bold"}, {"type": "link", "href": f"/n/{s}/{p}"}],
                        },
                    ],
                }
            )
    return {
        "type": "doc",
        "version": 3,
        "meta": {"title": "Benchmarks", "authors": ["Ada", "Grace"], "words": 9 * sections * 3, "draft": False},
        "content": blocks,
    }


PAYLOADS: dict[str, Any] = {
    "envelope": envelope(),
    "bundle 1 KB": bundle(6),
    "bundle 10 KB": bundle(77),
    "document 56 KB": document(54),
}

# The statements timed and counted, the same text for both: `payload` is bound per size.
STATEMENTS = {
    "C writer": "c_impl.encode_json(payload, None)",
    "pure twin": "py_impl.encode_json(payload, None)",
    "json.dumps": 'dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()',
    "orjson": "orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)",
    "jansson tree+dump": "jansson.dumps(payload)",
}
_IMPORTS = """
from json import dumps
from mizan import _speedups as c_impl
from mizan.core import _py as py_impl
from benchmarks.json_writer import PAYLOADS
try:
    import orjson
except ImportError:
    orjson = None
try:
    from benchmarks._native import load
    jansson = load("jansson_dump", ("jansson",))
except RuntimeError:
    jansson = None
"""


def _namespace() -> dict[str, Any]:
    """The names STATEMENTS use, imported as the callgrind child imports them."""
    namespace: dict[str, Any] = {}
    try:
        exec(_IMPORTS, namespace)
    except ImportError as exc:
        sys.exit(f"benchmarks.json_writer: the C extension is not built ({exc}); run `make build`")
    return namespace


def _encoder(namespace: dict[str, Any], name: str, payload: Any) -> Callable[[], bytes]:
    # Compiled from the statement text, so wall time measures exactly what callgrind counts.
    encode: Callable[[], bytes] = eval(f"lambda: {STATEMENTS[name]}", {**namespace, "payload": payload})
    return encode


def _difference(expected: bytes, actual: bytes) -> str:
    """'same', or where and how `actual` first departs from `expected`."""
    if actual == expected:
        return "same"
    pairs = zip(expected, actual, strict=False)
    at = next((i for i, (a, b) in enumerate(pairs) if a != b), min(len(expected), len(actual)))
    return f"differs at byte {at}: {expected[max(0, at - 16) : at + 16]!r} vs {actual[max(0, at - 16) : at + 16]!r}"


def _check_bytes(encoders: dict[str, dict[str, Callable[[], bytes]]]) -> list[str]:
    """Stop unless the writer, its twin and json.dumps agree byte for byte, and orjson and
    jansson decode to the same value; their byte differences, listed."""
    notes = []
    for size, by_name in encoders.items():
        expected = by_name["C writer"]()
        for name, encode in by_name.items():
            actual = encode()
            verdict = _difference(expected, actual)
            if verdict == "same":
                continue
            if name not in OWN_FLOAT_SPELLING or json.loads(actual) != json.loads(expected):
                sys.exit(f"benchmarks.json_writer: {name} and the C writer disagree on {size}: {verdict}")
            notes.append(f"{name} bytes for {size} {verdict} (same value decoded)")
    return notes


def _callgrind_counts(names: list[str], sizes: dict[str, int]) -> dict[str, dict[str, float]]:
    """Ir per op for every (payload, alternative), in one interpreter under callgrind."""
    setup = _IMPORTS + "".join(f"payload_{i} = PAYLOADS[{size!r}]\n" for i, size in enumerate(sizes))
    ops, counts, keys = {}, {}, {}
    for i, (size, length) in enumerate(sizes.items()):
        for name in names:
            key = f"{name} on payload_{i}"
            ops[key] = STATEMENTS[name].replace("payload", f"payload_{i}")
            counts[key] = max(1, min(CALLGRIND_MAX_OPS, CALLGRIND_BYTES[name] // length))
            keys[key] = (size, name)
    out: dict[str, dict[str, float]] = {size: {} for size in sizes}
    for key, value in _callgrind.measure(setup, ops, counts).items():
        size, name = keys[key]
        out[size][name] = value
    return out


def check_counts() -> dict[str, float]:
    """The C writer's Ir per encode of each payload, for `make bench-check`."""
    sizes = {size: len(json.dumps(payload, ensure_ascii=False).encode()) for size, payload in PAYLOADS.items()}
    counts = _callgrind_counts(["C writer"], sizes)
    out = {f"json: C writer, {size}": values["C writer"] for size, values in counts.items()}
    models = _model_counts(_json_models.ROWS[:2])
    out.update({f"json: {_MODELS_LABEL} as {name}": value for name, value in models.items()})
    return out


_MODELS_LABEL = f"~50 KB result, {_json_models.ITEMS} items"


def _model_counts(names: tuple[str, ...]) -> dict[str, float]:
    """Ir per encode of the result-model rows (benchmarks/_json_models.py)."""
    ops = {name: _json_models.STATEMENTS[name] for name in names}
    return _callgrind.measure(_json_models.SETUP, ops, {name: _json_models.CALLGRIND_OPS[name] for name in names})


def _model_results(results: Results, rounds: int, counts_wanted: bool) -> None:
    """The result-model table: wall time and Ir per encode, each row against the dicts."""
    ns = _json_models.namespace()
    length = _json_models.check(ns)
    encoders = {name: eval(f"lambda: {text}", ns) for name, text in _json_models.STATEMENTS.items()}
    wall = interleaved(encoders, rounds)
    counts = _model_counts(_json_models.ROWS) if counts_wanted else {}
    dicts = _json_models.ROWS[0]
    rows = [
        [
            name,
            micros(wall[name]),
            times(wall[name] / wall[dicts]),
            instructions(counts[name]) if counts else "n/a",
            times(counts[name] / counts[dicts]) if counts else "n/a",
        ]
        for name in _json_models.ROWS
    ]
    results.tables.append(
        Table(
            f"a {length:,} B result of {_json_models.ITEMS} items (nested seller): plain models against dicts",
            ["row", "time (us)", "/ dicts", "Ir / encode", "/ dicts"],
            rows,
            note=_json_models.__doc__.split("\n\n", 1)[1].strip() if _json_models.__doc__ else "",
        )
    )
    basis = counts or wall
    ratio = basis[_json_models.ROWS[1]] / basis[dicts]
    unit = "instructions" if counts else "wall time"
    results.goals.append(
        Goal(
            "models",
            f"a list of plain models <= {_json_models.AIM:g}x the same dicts",
            f"by {unit}: {ratio:.2f}x",
            ratio <= _json_models.AIM,
        )
    )


def _ratio_cells(values: dict[str, float]) -> list[str]:
    c = values["C writer"]
    cells = [times(values["pure twin"] / c, 1), times(values["json.dumps"] / c, 1)]
    for name in OWN_FLOAT_SPELLING:
        cells.append(times(c / values[name]) if name in values else "n/a")
    return cells


def _goal(label: str, results: dict[str, dict[str, float]]) -> Goal:
    """G2 at every size: json.dumps/writer >= 5x and writer/orjson <= 1.5x."""
    dumps = {size: values["json.dumps"] / values["C writer"] for size, values in results.items()}
    parts = [f"json.dumps/writer {min(dumps.values()):.1f}x..{max(dumps.values()):.1f}x"]
    met: bool | None = min(dumps.values()) >= AIM_DUMPS
    if all("orjson" in values for values in results.values()):
        orjson = {size: values["C writer"] / values["orjson"] for size, values in results.items()}
        parts.append(f"writer/orjson {min(orjson.values()):.2f}x..{max(orjson.values()):.2f}x")
        met = met and max(orjson.values()) <= AIM_ORJSON
    else:
        met = None
        parts.append("orjson not installed")
    aim = f"json.dumps/writer >= {AIM_DUMPS:g}x and writer/orjson <= {AIM_ORJSON:g}x at every size"
    return Goal("G2", aim, f"by {label}: " + ", ".join(parts), met)


def _rows(results: dict[str, dict[str, float]], sizes: dict[str, int], cell: Callable[[float], str]) -> list[list[str]]:
    return [
        [size, f"{sizes[size]:,}", *(cell(v[n]) if n in v else "n/a" for n in ALTERNATIVES), *_ratio_cells(v)]
        for size, v in results.items()
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"interleaved timing rounds (default {ROUNDS})")
    parser.add_argument("--quick", action="store_true", help="5 rounds (development)")
    parser.add_argument("--no-callgrind", action="store_true", help="wall time only")
    options = parser.parse_args(argv)
    rounds = 5 if options.quick else options.rounds

    namespace = _namespace()
    missing = {"orjson": namespace["orjson"], "jansson tree+dump": namespace["jansson"]}
    names = [name for name in ALTERNATIVES if missing.get(name, True) is not None]
    encoders = {
        size: {name: _encoder(namespace, name, payload) for name in names} for size, payload in PAYLOADS.items()
    }
    notes = _check_bytes(encoders)
    wall = {size: interleaved(by_name, rounds) for size, by_name in encoders.items()}
    skipped_callgrind = "--no-callgrind given" if options.no_callgrind else _callgrind.unavailable()
    sizes = {size: len(by_name["C writer"]()) for size, by_name in encoders.items()}
    counts = _callgrind_counts(names, sizes) if skipped_callgrind is None else None

    ratios = ["twin/C", "dumps/C", "C/orjson", "C/jansson"]
    results = Results(
        group="json",
        module="json_writer",
        title="canonical JSON (sorted keys, compact, UTF-8) of four payloads",
        method=(
            f"Wall time: median of {rounds} interleaved rounds, microseconds per encode. Instructions: "
            "callgrind Ir per encode (PYTHONHASHSEED=0, empty-loop cost subtracted). json.dumps is "
            'json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode().'
        ),
        skipped=[f"{name}: not installed or not buildable" for name, found in missing.items() if found is None],
    )
    results.tables.append(
        Table(
            "wall time, microseconds per encode",
            ["payload", "bytes", *(f"{n} (us)" for n in ALTERNATIVES), *ratios],
            _rows(wall, sizes, micros),
        )
    )
    if counts is None:
        results.skipped.append(f"instructions: {skipped_callgrind}")
    else:
        results.tables.append(
            Table(
                "callgrind instructions per encode",
                ["payload", "bytes", *(f"{n} (Ir)" for n in ALTERNATIVES), *ratios],
                _rows(counts, sizes, instructions),
                note="\n".join(notes) or "orjson and jansson bytes: identical to the writer's for every payload",
            )
        )
    basis = counts if counts is not None else wall
    unit = "instructions per encode (callgrind)" if counts is not None else "microseconds per encode"
    results.charts.append(
        Chart(
            "json-writer",
            "Canonical JSON: cost per encode, relative to the C writer (lower is faster)",
            "bar",
            f"x the C writer ({unit})",
            {
                name: [(size, v[name] / v["C writer"]) for size, v in basis.items()]
                for name in names
                if name != "pure twin"
            },
            log=True,
        )
    )
    results.goals.append(_goal("wall time", wall))
    if counts is not None:
        results.goals.append(_goal("instructions", counts))
    _model_results(results, rounds, counts is not None)
    results.emit()


if __name__ == "__main__":
    main()
