"""Pure-Python twin of the C KDL writer (`src/mz_kdl.c`, `src/mzpy_kdl.c`): a node tree in,
canonical KDL 2.0 bytes out (IR.md §2, docs/ir.md).

A document is a sequence of *sections* (each a sequence of nodes); non-empty sections are
separated by one empty line. A node is the 5-tuple `(name, args, props, children, inline)`:

- `name`: a bare identifier, `[a-z][a-z0-9-]*` (the IR's fixed vocabulary);
- `args`: values, written after the name;
- `props`: `(key, value)` pairs, written after the arguments in the order given;
- `children`: None for no children (no braces), or a sequence of nodes;
- `inline`: children go on the same line, `{ a; b }`, instead of one per line.

Values: `str` (always quoted, IR.md §2.5 escapes), `bool` (`#true`/`#false`), `None`
(`#null`), `int` (decimal), `float` (Python's `repr`; `#inf`, `#-inf`, `#nan`), and
`(annotation, value)` for a type-annotated value such as `(json)"[]"`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from mizan.core.errors import IRBuildError

INDENT = "    "
MAX_DEPTH = 128
_IDENTIFIER = re.compile(r"[a-z][a-z0-9-]*")
_SIMPLE_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _needs_code_escape(code: int) -> bool:
    """Code points KDL 2.0 forbids literally or reads as newlines, plus the rest of C1."""
    return (
        code <= 0x1F
        or 0x7F <= code <= 0x9F
        or code in (0x200E, 0x200F, 0xFEFF)
        or 0x2028 <= code <= 0x202E
        or 0x2066 <= code <= 0x2069
    )


def _string(value: str) -> str:
    parts = ['"']
    for char in value:
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:
            raise IRBuildError("string is not valid Unicode")
        simple = _SIMPLE_ESCAPES.get(char)
        if simple is not None:
            parts.append(simple)
        elif _needs_code_escape(code):
            parts.append(f"\\u{{{code:x}}}")
        else:
            parts.append(char)
    parts.append('"')
    return "".join(parts)


def _identifier(text: object) -> str:
    if not isinstance(text, str) or not _IDENTIFIER.fullmatch(text):
        raise IRBuildError(f"invalid identifier: {text!r}")
    return text


def _float(value: float) -> str:
    if math.isnan(value):
        return "#nan"
    if math.isinf(value):
        return "#inf" if value > 0 else "#-inf"
    return repr(float(value))


def _value(value: object) -> str:
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, bool):
        return "#true" if value else "#false"
    if value is None:
        return "#null"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, tuple) and len(value) == 2 and not isinstance(value[1], tuple):
        return f"({_identifier(value[0])}){_value(value[1])}"
    raise IRBuildError(f"unsupported KDL value: {type(value).__name__}")


def _sequence(value: object, what: str) -> Sequence[Any]:
    if not isinstance(value, list | tuple):
        raise IRBuildError(f"{what} must be a list or tuple")
    return value


def _head(node: object) -> tuple[str, Sequence[Any] | None, bool]:
    """The node's line up to its children, its children, and whether they are inline."""
    if not isinstance(node, tuple) or len(node) != 5:
        raise IRBuildError("node must be a 5-tuple (name, args, props, children, inline)")
    name, args, props, children, inline = node
    parts = [_identifier(name)]
    for arg in _sequence(args, "args"):
        parts.append(_value(arg))
    for prop in _sequence(props, "props"):
        if not isinstance(prop, tuple) or len(prop) != 2:
            raise IRBuildError("property must be a (key, value) pair")
        parts.append(f"{_identifier(prop[0])}={_value(prop[1])}")
    if children is not None:
        children = _sequence(children, "children")
    if not isinstance(inline, bool):
        raise IRBuildError("inline must be a bool")
    return " ".join(parts), children, inline


def _inline(node: object, depth: int) -> str:
    if depth > MAX_DEPTH:
        raise IRBuildError("nesting too deep")
    head, children, _ = _head(node)
    if children is None:
        return head
    return head + " { " + "; ".join(_inline(child, depth + 1) for child in children) + " }"


def _block(out: list[str], node: object, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise IRBuildError("nesting too deep")
    head, children, inline = _head(node)
    pad = INDENT * depth
    if children is None:
        out.append(f"{pad}{head}\n")
    elif inline:
        out.append(pad + head + " { " + "; ".join(_inline(child, depth + 1) for child in children) + " }\n")
    else:
        out.append(f"{pad}{head} {{\n")
        for child in children:
            _block(out, child, depth + 1)
        out.append(f"{pad}}}\n")


def write_kdl(sections: Sequence[Sequence[Any]], /) -> bytes:
    """Canonical KDL bytes of `sections` (see the module docstring).

    Raises:
        IRBuildError: a malformed node, an invalid identifier, a lone surrogate, an
            unsupported value, or nesting deeper than 128 levels. Nothing is returned then.
    """
    out: list[str] = []
    for section in _sequence(sections, "document"):
        nodes = _sequence(section, "section")
        if not nodes:
            continue
        if out:
            out.append("\n")
        for node in nodes:
            _block(out, node, 0)
    return "".join(out).encode("utf-8")
