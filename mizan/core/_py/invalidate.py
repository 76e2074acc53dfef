"""Pure-Python twin of the C invalidation unit (`mz_invalidate.c` + `mzpy_invalidate.c`).

What a successful mutation tells the client to refetch (`invalidate`, PROTOCOL §3) or to
splice (`merge`, §4), and the `X-Mizan-Invalidate` header that carries the same targets.
Everything that depends only on the registry is compiled once into an `InvalidationPlan`
(by `mizan.core.rules`); per request only argument matching and encoding run here.

Plan inputs:

    targets: ((context, function | None, params), ...)   affects= targets, declaration order
    merges:  ((context, slot, params), ...)               merge= targets with a resolved slot

where `params` is the tuple of the context's param names (CTX-5).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from mizan.core._py.json import encode_json
from mizan.core.errors import EncodeError

_EXACT_INT_FLOAT = 2**53
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_OWS = " \t"
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")

Default = Callable[[Any], Any] | None
Entry = str | dict[str, Any]


class InvalidationPlan:
    """The compiled, immutable invalidation and merge targets of one mutation."""

    __slots__ = ("_merges", "_targets")

    def __init__(
        self,
        targets: tuple[tuple[str, str | None, frozenset[str]], ...],
        merges: tuple[tuple[str, str, frozenset[str]], ...],
    ) -> None:
        self._targets = targets
        self._merges = merges

    def __repr__(self) -> str:
        return f"<InvalidationPlan {len(self._targets)} targets, {len(self._merges)} merges>"


def _check_name(value: object, what: str) -> str:
    if type(value) is not str or not value:
        raise ValueError(f"{what} must be a non-empty str")
    return value


def _check_params(params: object) -> frozenset[str]:
    if type(params) is not tuple or not all(type(p) is str for p in params):
        raise ValueError("params must be a tuple of str")
    return frozenset(params)


def compile_invalidation(
    targets: Sequence[tuple[str, str | None, tuple[str, ...]]],
    merges: Sequence[tuple[str, str, tuple[str, ...]]],
    /,
) -> InvalidationPlan:
    """Check and freeze the targets of one mutation.

    Raises:
        ValueError: a malformed entry (see the module docstring for the forms).
    """
    compiled_targets = []
    for target in targets:
        if type(target) is not tuple or len(target) != 3:
            raise ValueError(f"invalid invalidation target: {target!r}")
        context, function, params = target
        if function is not None:
            _check_name(function, "function")
        compiled_targets.append((_check_name(context, "context"), function, _check_params(params)))
    compiled_merges = []
    for merge in merges:
        if type(merge) is not tuple or len(merge) != 3:
            raise ValueError(f"invalid merge target: {merge!r}")
        context, slot, params = merge
        compiled_merges.append((_check_name(context, "context"), _check_name(slot, "slot"), _check_params(params)))
    return InvalidationPlan(tuple(compiled_targets), tuple(compiled_merges))


def _jsonable(value: Any, default: Default) -> Any:
    """JSON-mode value of a validated argument (INV-3): primitives as they are, anything
    else (enums, models, lists, dates) through `default`."""
    if value is None or type(value) in (str, int, float, bool) or default is None:
        return value
    return default(value)


def resolve_invalidation(
    plan: InvalidationPlan,
    arguments: dict[str, Any],
    supplied: tuple[str, ...],
    value: Any,
    default: Default,
    /,
) -> tuple[list[Entry], list[dict[str, Any]]]:
    """The `invalidate` and `merge` lists for one successful call (INV-2..8, MRG-4/5).

    Args:
        plan: from :func:`compile_invalidation`.
        arguments: the validated arguments by name.
        supplied: the names the caller supplied (only these can scope, INV-3).
        value: the function's result, carried as each merge entry's `value`.
        default: converts a non-primitive argument to its JSON-mode value.

    Returns:
        `(invalidate, merge)`; an entry identical (as canonical JSON) to an earlier one is
        dropped (INV-8).
    """
    if not isinstance(plan, InvalidationPlan):
        raise TypeError("plan must be an InvalidationPlan")
    if type(arguments) is not dict:
        raise TypeError("arguments must be a dict")
    if type(supplied) is not tuple:
        raise TypeError("supplied must be a tuple")
    scoped_cache: dict[frozenset[str], dict[str, Any]] = {}

    def scope(params: frozenset[str]) -> dict[str, Any]:
        if params not in scoped_cache:
            scoped_cache[params] = {
                name: _jsonable(arguments[name], default) for name in supplied if name in params and name in arguments
            }
        return scoped_cache[params]

    invalidate: list[Entry] = []
    seen: set[bytes] = set()
    for context, function, params in plan._targets:
        scoped = scope(params)
        entry: Entry
        if function is None and not scoped:
            entry = context
        else:
            entry = {"context": context}
            if function is not None:
                entry["function"] = function
            if scoped:
                entry["params"] = dict(scoped)
        key = encode_json(entry, None)
        if key not in seen:
            seen.add(key)
            invalidate.append(entry)
    merge: list[dict[str, Any]] = []
    for context, slot, params in plan._merges:
        item: dict[str, Any] = {"context": context, "slot": slot, "value": value}
        scoped = scope(params)
        if scoped:
            item["params"] = dict(scoped)
        merge.append(item)
    return invalidate, merge


def normalize_value(value: Any, default: Default, /) -> str:
    """NORM-1: the text of a parameter value (header, cache keys, generation scopes).

    str as is; True/False/None as `true`/`false`/`null`; int in decimal; a finite integral
    float below 2**53 as the integer (`5.0` -> `5`), any other float as its shortest repr;
    lists, tuples and dicts as canonical JSON; any other object through `default` once.

    Raises:
        EncodeError: what `encode_json` refuses inside a container, or an object that
            neither this function nor `default` can turn into text.
    """
    return _normalize(value, default, False)


def _normalize(value: Any, default: Default, defaulted: bool) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    kind = type(value)
    if issubclass(kind, str):
        return str.__str__(value)
    if issubclass(kind, int):
        return int.__repr__(value)
    if issubclass(kind, float):
        # The base float's value: a subclass's is_integer/__abs__/__int__ are never called.
        number = float.__float__(value)
        if math.isfinite(number) and number.is_integer() and abs(number) < _EXACT_INT_FLOAT:
            return int.__repr__(int(number))
        return float.__repr__(number)
    if issubclass(kind, dict | list | tuple):
        text: str = encode_json(value, default).decode("utf-8")
        return text
    if default is not None and not defaulted:
        return _normalize(default(value), default, True)
    raise EncodeError(f"{kind.__qualname__} is not JSON serializable")


def _percent_encode(text: str) -> str:
    return "".join(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in text.encode("utf-8"))


def _render(entry: object) -> str:
    if type(entry) is str:
        return entry
    if type(entry) is not dict or type(entry.get("context")) is not str:
        raise TypeError("an invalidation entry is a context name or a dict with a 'context' str")
    context: str = entry["context"]
    params = entry.get("params")
    if params is None:
        return context
    if type(params) is not dict:
        raise TypeError("'params' of an invalidation entry must be a dict")
    if not all(type(key) is str for key in params):
        raise TypeError("invalidation param names must be str")
    pairs = []
    for key in sorted(params):  # code point order == UTF-8 byte order (XMI-2)
        pairs.append(f";{_percent_encode(key)}={_percent_encode(normalize_value(params[key], None))}")
    return context + "".join(pairs)


def format_invalidate_header(entries: Sequence[Entry], /) -> str | None:
    """The `X-Mizan-Invalidate` value for an `invalidate` list (XMI-1..3, XMI-6).

    Entries in order, joined by `, `; a function entry renders as its parent context with
    its params; pairs sorted by key; keys and NORM-1 values percent-encoded outside the RFC
    3986 unreserved set; duplicates dropped after rendering. None for an empty list.

    Raises:
        TypeError: an entry of the wrong shape.
        EncodeError: a value NORM-1 cannot turn into text.
    """
    rendered: list[str] = []
    for entry in entries:
        text = _render(entry)
        if text not in rendered:
            rendered.append(text)
    return ", ".join(rendered) if rendered else None


def _percent_decode(text: str) -> str | None:
    raw = text.encode("utf-8")
    if b"%" in raw:
        pieces = raw.split(b"%")
        out = bytearray(pieces[0])
        for piece in pieces[1:]:
            if len(piece) < 2 or not _ESCAPE.fullmatch("%" + piece[:2].decode("latin-1")):
                return None
            out.append(int(piece[:2], 16))
            out += piece[2:]
        raw = bytes(out)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def parse_invalidate_header(header: str, /) -> list[Entry]:
    """Parse an `X-Mizan-Invalidate` value (XMI-4), for Edge, htmx-style clients and tests.

    Items split on `,` with spaces and tabs trimmed, empty items (and items with an empty
    context) skipped; each item splits on `;` into the context and `key=value` parts, both
    halves percent-decoded. A part without `=`, an invalid escape or a decoded text that is
    not UTF-8 makes the entry broad (a safe superset). Later duplicate keys win.

    Returns:
        Context names (broad) and `{"context": ..., "params": {key: value}}` (scoped).
    """
    if type(header) is not str:
        raise TypeError("header must be a str")
    header.encode("utf-8")  # lone surrogates raise UnicodeEncodeError, as in C
    entries: list[Entry] = []
    for item in header.split(","):
        item = item.strip(_OWS)
        if not item:
            continue
        context, *parts = item.split(";")
        if not context:
            continue
        params: dict[str, str] = {}
        for part in parts:
            key, sep, val = part.partition("=")
            decoded_key = _percent_decode(key) if sep else None
            decoded_val = _percent_decode(val) if sep else None
            if decoded_key is None or decoded_val is None:
                params = {}  # a part it cannot read makes the entry broad
                break
            params[decoded_key] = decoded_val
        entries.append({"context": context, "params": params} if params else context)
    return entries
