"""The `json` group: the canonical JSON writer against the other ways to get the same bytes.

`python -m benchmarks.json_writer` encodes four payloads (a ~130 B `/call/` envelope, ~1 KB
and ~10 KB context bundles, a ~56 KB document) with

- `encode_json` from `mizan._speedups`, the direct writer (Python objects to bytes, no tree);
- `encode_json` from `mizan.core._py`, its pure-Python twin;
- `json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()`, the
  stdlib spelling of the same canonical form (encoded, since a response body is bytes);
- `orjson.dumps(option=OPT_SORT_KEYS)`, when orjson is installed.

The writer, its twin and json.dumps must give identical bytes or the run stops; orjson
formats some floats differently (`1e-05` is `0.00001` there), so its bytes are compared and any
difference is printed, not hidden. Then it reports wall-time medians of interleaved rounds
and, under valgrind, callgrind instructions per op (benchmarks/_callgrind.py).

Issue 8 also asks for a jansson column (build a `json_t` tree, then `json_dumps` it). It
needs a C entry point that `mizan._speedups` does not have (the writer never builds a
tree), so it is left out.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from benchmarks import _callgrind
from benchmarks._environment import header
from benchmarks._timing import interleaved, micros, table

ALTERNATIVES = ("C writer", "pure twin", "json.dumps", "orjson")
ROUNDS = 21
# Ops per callgrind interval: this many output bytes' worth, at most 1,000. Fixed rather than
# taken from wall time, so every run counts the same ops after the same heap history and
# repeats its Ir exactly; callgrind is exact, so one op of a slow alternative is enough.
CALLGRIND_BYTES = {"C writer": 200_000, "orjson": 200_000, "json.dumps": 50_000, "pure twin": 10_000}
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
    """Stop unless the writer, its twin and json.dumps agree; orjson's differences, listed."""
    notes = []
    for size, by_name in encoders.items():
        expected = by_name["C writer"]()
        for name, encode in by_name.items():
            verdict = _difference(expected, encode())
            if verdict == "same":
                continue
            if name != "orjson":
                sys.exit(f"benchmarks.json_writer: {name} and the C writer disagree on {size}: {verdict}")
            notes.append(f"orjson bytes for {size} {verdict}")
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


def _ratio_cells(values: dict[str, float]) -> list[str]:
    c = values["C writer"]
    orjson = f"{c / values['orjson']:.2f}x" if "orjson" in values else "n/a"
    return [f"{values['pure twin'] / c:.1f}x", f"{values['json.dumps'] / c:.1f}x", orjson]


def _aim(label: str, results: dict[str, dict[str, float]]) -> str:
    misses = []
    for size, values in results.items():
        c = values["C writer"]
        if values["json.dumps"] / c < AIM_DUMPS:
            misses.append(f"{size}: json.dumps/C {values['json.dumps'] / c:.1f}x < {AIM_DUMPS:g}x")
        if "orjson" in values and c / values["orjson"] > AIM_ORJSON:
            misses.append(f"{size}: C/orjson {c / values['orjson']:.2f}x > {AIM_ORJSON:g}x")
    if "orjson" not in next(iter(results.values())):
        misses.append("orjson not installed, its half not checked")
    return f"G2 by {label}: " + ("met at every size" if not misses else "missed - " + "; ".join(misses))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"interleaved timing rounds (default {ROUNDS})")
    parser.add_argument("--no-callgrind", action="store_true", help="wall time only")
    options = parser.parse_args(argv)

    namespace = _namespace()
    names = [name for name in ALTERNATIVES if name != "orjson" or namespace["orjson"] is not None]
    encoders = {
        size: {name: _encoder(namespace, name, payload) for name in names} for size, payload in PAYLOADS.items()
    }
    notes = _check_bytes(encoders)
    wall = {size: interleaved(by_name, options.rounds) for size, by_name in encoders.items()}
    skipped = "--no-callgrind given" if options.no_callgrind else _callgrind.unavailable()
    sizes = {size: len(by_name["C writer"]()) for size, by_name in encoders.items()}
    counts = _callgrind_counts(names, sizes) if skipped is None else None

    print(header("benchmarks.json_writer: canonical JSON (sorted keys, compact, UTF-8) of four payloads"))
    print()
    if namespace["orjson"] is None:
        print("orjson: not installed (pip install orjson); its columns read n/a\n")
    head = ["payload", "bytes", *(f"{n} (us)" for n in ALTERNATIVES), "twin/C", "dumps/C", "C/orjson"]
    rows = [
        [size, f"{sizes[size]:,}", *(micros(t[n]) if n in t else "n/a" for n in ALTERNATIVES), *_ratio_cells(t)]
        for size, t in wall.items()
    ]
    print(f"wall time, median of {options.rounds} interleaved rounds, microseconds per encode")
    print(table(head, rows))
    print()
    if counts is None:
        print(f"instructions: skipped ({skipped})")
    else:
        head = ["payload", "bytes", *(f"{n} (Ir)" for n in ALTERNATIVES), "twin/C", "dumps/C", "C/orjson"]
        rows = [
            [
                size,
                f"{sizes[size]:,}",
                *(f"{ir[n]:,.0f}" if n in ir else "n/a" for n in ALTERNATIVES),
                *_ratio_cells(ir),
            ]
            for size, ir in counts.items()
        ]
        print("callgrind instructions per encode (PYTHONHASHSEED=0, empty-loop cost subtracted)")
        print(table(head, rows))
    print()
    print(_aim("wall time", wall))
    if counts is not None:
        print(_aim("instructions", counts))
    if namespace["orjson"] is not None:
        print("\n".join(notes) or "orjson bytes: identical to the writer's for every payload")


if __name__ == "__main__":
    main()
