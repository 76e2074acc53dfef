"""Pure-Python twin of the C JSON units: request parsing (`mz_json.c`) and the canonical
writer (`mzpy_jsonw.c`).

This module is the executable specification. It favours obviousness over speed; the C
code must agree with it on every input (tests/core/test_json.py, tests/property/).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from mizan.core.errors import EncodeError, ParseError

# Fixed reasons: the same texts are raised by C, so both backends raise equal errors.
REASON_TOO_LARGE = "body too large"
REASON_TOO_DEEP = "nesting too deep"
REASON_MALFORMED = "malformed JSON"
REASON_NOT_OBJECT = "body is not a JSON object"
REASON_BAD_FN = "fn must be a non-empty string"
REASON_BAD_ARGS = "args must be a JSON object or null"

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
ENCODE_MAX_DEPTH = 512
# Nesting beyond this is refused whatever max_depth says: it keeps the stdlib decoder (and
# jansson, which stops at 2048) far from their own recursion limits, so that both backends
# answer alike and never with a RecursionError.
PARSE_MAX_DEPTH = 512

# A JSON string literal, or an unterminated one running to the end of the input. `"` and
# `\` never occur inside a multi-byte UTF-8 sequence, so scanning bytes is exact.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*(?:"|\\?\Z)', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Reject(Exception):
    """Internal: a token the JSON grammar of ERR-8 refuses."""


def _check_size(data: bytes, max_size: int | None) -> None:
    if max_size is not None and len(data) > max_size:
        raise ParseError(REASON_TOO_LARGE)


def _check_depth(data: bytes, max_depth: int) -> None:
    """Reject nesting deeper than `max_depth`, counting brackets outside strings."""
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub(b"", data)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                raise ParseError(REASON_TOO_DEEP)
        else:
            depth -= 1


def _parse_int(text: str) -> int:
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise _Reject(text)
    return value


def _parse_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _Reject(text)
    return value


def _parse_constant(text: str) -> Any:
    raise _Reject(text)


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _Reject("duplicate key")
    # jansson (2.14) cannot hold NUL in an object key and refuses it; \u0000 in
    # string values is fine for both backends.
    if any("\x00" in key for key in obj):
        raise _Reject("NUL in object key")
    return obj


def _has_surrogate(value: Any) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item) is not None:
                return True
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _as_bytes(data: object) -> bytes:
    """The bytes of any bytes-like object (C: the buffer protocol)."""
    try:
        view = memoryview(data)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"a bytes-like object is required, not '{type(data).__name__}'") from None
    return view.tobytes()


def parse_json(data: bytes, max_size: int | None, max_depth: int, /) -> Any:
    """Parse a request body under the limits of ERR-8.

    Args:
        data: the raw body (bytes, bytearray or memoryview).
        max_size: largest accepted length in bytes, or None for no limit.
        max_depth: deepest accepted nesting of arrays and objects (never more than
            PARSE_MAX_DEPTH, 512).

    Returns:
        The decoded value (dict, list, str, int, float, bool or None).

    Raises:
        ParseError: size, then depth, then anything the strict grammar refuses: invalid
            UTF-8, NaN/Infinity, integers outside int64, float overflow, duplicate object
            keys, NUL in an object key, lone surrogate escapes, trailing data.
        TypeError: `data` is not a bytes-like object.
    """
    data = _as_bytes(data)
    _check_size(data, max_size)
    _check_depth(data, max_depth)
    _check_depth(data, PARSE_MAX_DEPTH)
    try:
        text = data.decode("utf-8")
        value = json.loads(
            text,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
            object_pairs_hook=_pairs,
        )
    except (UnicodeDecodeError, ValueError, _Reject, RecursionError):
        raise ParseError(REASON_MALFORMED) from None
    if _has_surrogate(value):
        raise ParseError(REASON_MALFORMED)
    return value


def parse_call(data: bytes, max_size: int | None, max_depth: int, /) -> tuple[str, dict[str, Any]]:
    """Parse a `/call/` body into `(fn, args)` (RPC-1).

    `args` absent or null becomes `{}`; other top-level keys are ignored.

    Raises:
        ParseError: as :func:`parse_json`, or when the body is not an object, `fn` is not a
            non-empty string, or `args` is neither an object nor null.
    """
    body = parse_json(data, max_size, max_depth)
    if not isinstance(body, dict):
        raise ParseError(REASON_NOT_OBJECT)
    fn = body.get("fn")
    if not isinstance(fn, str) or not fn:
        raise ParseError(REASON_BAD_FN)
    args = body.get("args")
    if args is None:
        args = {}
    elif not isinstance(args, dict):
        raise ParseError(REASON_BAD_ARGS)
    return fn, args


# --- canonical writer (JSON-1) ----------------------------------------------------------

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f"\\]')


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _ESCAPES.get(char) or f"\\u{ord(char):04x}"


def _string(text: str) -> bytes:
    try:
        raw = str.encode(text, "utf-8")
    except UnicodeEncodeError:
        raise EncodeError("string is not valid Unicode") from None
    if _NEEDS_ESCAPE.search(text) is None:
        return b'"' + raw + b'"'
    return b'"' + _NEEDS_ESCAPE.sub(_escape, text).encode("utf-8") + b'"'


# Types are tested on type(value) (a real subclass counts as its base, a proxy whose
# __class__ claims to be one does not) and subclasses' overridable methods are never
# called: the unbound base methods read the stored data, as the C writer does.


def _key(key: object) -> str:
    if issubclass(type(key), str):
        return str.__str__(key)
    if issubclass(type(key), int) and type(key) is not bool:
        return int.__repr__(key)
    raise EncodeError("object keys must be str or int")


def _write(value: Any, default: Callable[[Any], Any] | None, out: list[bytes], depth: int, defaulted: bool) -> None:
    if value is None:
        out.append(b"null")
    elif value is True:
        out.append(b"true")
    elif value is False:
        out.append(b"false")
    elif issubclass(kind := type(value), str):
        out.append(_string(value))
    elif issubclass(kind, int):
        out.append(int.__repr__(value).encode("ascii"))
    elif issubclass(kind, float):
        if not math.isfinite(value):
            raise EncodeError("NaN and Infinity are not valid JSON")
        out.append(float.__repr__(value).encode("ascii"))
    elif issubclass(kind, dict | list | tuple):
        if depth >= ENCODE_MAX_DEPTH:
            raise EncodeError(REASON_TOO_DEEP)
        if issubclass(kind, dict):
            items = sorted(((_key(k), v) for k, v in dict.items(value)), key=lambda kv: kv[0])
            out.append(b"{")
            for index, (key, item) in enumerate(items):
                if index:
                    if key == items[index - 1][0]:
                        raise EncodeError("duplicate object key")
                    out.append(b",")
                out.append(_string(key))
                out.append(b":")
                _write(item, default, out, depth + 1, False)
            out.append(b"}")
        else:
            out.append(b"[")
            iterate = list.__iter__ if issubclass(kind, list) else tuple.__iter__
            for index, item in enumerate(iterate(value)):
                if index:
                    out.append(b",")
                _write(item, default, out, depth + 1, False)
            out.append(b"]")
    elif default is not None and not defaulted:
        _write(default(value), default, out, depth, True)
    else:
        raise EncodeError(f"{type(value).__qualname__} is not JSON serializable")


def encode_json(obj: Any, default: Callable[[Any], Any] | None, /) -> bytes:
    """Encode `obj` as canonical JSON bytes (JSON-1).

    Keys sorted by code point, separators `,` `:`, non-ASCII literal, only `"`, `\\` and
    control characters escaped (as `json.dumps(ensure_ascii=False)` does).

    Args:
        obj: None, bool, str, int, float, dict (str or int keys), list or tuple, nested;
            subclasses count as their base.
        default: called once for any other object; its result is written in its place
            (it may not itself need `default` again). None means no fallback.

    Raises:
        EncodeError: NaN/Infinity, a key that is not str or int, two keys with the same
            text, a lone surrogate, nesting deeper than 512, or an unsupported object.
    """
    out: list[bytes] = []
    _write(obj, default, out, 0, False)
    return b"".join(out)
