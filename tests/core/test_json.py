"""The JSON units on both backends: parse_json/parse_call (ERR-8, RPC-1) and encode_json (JSON-1)."""

from __future__ import annotations

import array
import enum
import json
import sys
from collections import OrderedDict
from types import ModuleType
from typing import Any

import pytest

from mizan.core.errors import EncodeError, ParseError

LIMIT = 64
TOO_LARGE = "body too large"
TOO_DEEP = "nesting too deep"
MALFORMED = "malformed JSON"


def parse(backend: ModuleType, data: bytes, max_size: int | None = None, max_depth: int = LIMIT) -> Any:
    return backend.parse_json(data, max_size, max_depth)


def parse_error(backend: ModuleType, data: Any, max_size: Any = None, max_depth: Any = LIMIT) -> str:
    with pytest.raises(ParseError) as info:
        backend.parse_json(data, max_size, max_depth)
    assert type(info.value) is ParseError
    assert info.value.args == (info.value.reason,)
    return info.value.reason


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def encode(backend: ModuleType, obj: Any, default: Any = None) -> bytes:
    result = backend.encode_json(obj, default)
    assert type(result) is bytes
    return result


def encode_error(backend: ModuleType, obj: Any, default: Any = None) -> str:
    with pytest.raises(EncodeError) as info:
        backend.encode_json(obj, default)
    assert type(info.value) is EncodeError
    return info.value.reason


# --- parse_json: size, then depth ----------------------------------------------------------


def test_size_limit(backend: ModuleType) -> None:
    assert parse(backend, b"[1]", 3) == [1]
    assert parse_error(backend, b"[1] ", 3) == TOO_LARGE
    assert parse_error(backend, b"", -1) == TOO_LARGE
    assert parse(backend, b"[1]" + b" " * 100_000, None) == [1]
    assert parse(backend, b"1", 2**80) == 1


def test_size_is_checked_before_depth_and_grammar(backend: ModuleType) -> None:
    assert parse_error(backend, b"[[[[x", 4, 1) == TOO_LARGE


@pytest.mark.parametrize("opener", [("[", "]"), ('{"k":', "}")])
def test_depth_limit_is_inclusive(backend: ModuleType, opener: tuple[str, str]) -> None:
    open_, close = opener
    ok = (open_ * 64 + "1" + close * 64).encode()
    deep = (open_ * 65 + "1" + close * 65).encode()
    assert parse(backend, ok) is not None
    assert parse_error(backend, deep) == TOO_DEEP


def test_depth_ceiling(backend: ModuleType) -> None:
    # Past 512 levels nothing is accepted, whatever max_depth allows (the stdlib decoder
    # of the twin and jansson would otherwise fail at different depths).
    ok = b"[" * 512 + b"]" * 512
    assert parse(backend, ok, None, 10**6) is not None
    for limit in (513, 2048, 10**6, 2**80, 1e9):
        assert parse_error(backend, b"[" * 513 + b"]" * 513, None, limit) == TOO_DEEP
        assert parse_error(backend, b"[" * 3000, None, limit) == TOO_DEEP
    # The ceiling comes after max_depth's own comparison, which may still raise.
    with pytest.raises(TypeError):
        backend.parse_json(b"[" * 600, None, "deep")


def test_depth_counts_mixed_nesting(backend: ModuleType) -> None:
    assert parse(backend, b'[{"a":[{"b":[]}]}]', None, 5) == [{"a": [{"b": []}]}]
    assert parse_error(backend, b'[{"a":[{"b":[]}]}]', None, 4) == TOO_DEEP
    # Siblings do not add up.
    assert parse(backend, b"[[],[],[[]]]", None, 3) == [[], [], [[]]]


def test_depth_is_checked_before_the_grammar(backend: ModuleType) -> None:
    assert parse_error(backend, b"[[[ not json", None, 2) == TOO_DEEP
    assert parse_error(backend, b"\xff[[[", None, 2) == TOO_DEEP


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'["[[[[[[", "{{{{"]', ["[[[[[[", "{{{{"]),
        (b'["\\"[[[[[", "]]"]', ['"[[[[[', "]]"]),
        (b'{"[[[[": "\\\\", "k": "\\\\\\"[[[["}', {"[[[[": "\\", "k": '\\"[[[['}),
    ],
)
def test_depth_ignores_brackets_in_strings(backend: ModuleType, body: bytes, expected: Any) -> None:
    assert parse(backend, body, None, 1) == expected


def test_depth_scan_of_an_unterminated_string(backend: ModuleType) -> None:
    # The string runs to the end of the input, so its brackets never count.
    assert parse_error(backend, b'["[[[[[[', None, 1) == MALFORMED
    assert parse_error(backend, b'["abc\\', None, 1) == MALFORMED
    assert parse_error(backend, b'["\\"[[[', None, 1) == MALFORMED
    # ...but brackets before the string do.
    assert parse_error(backend, b'[[["[[', None, 2) == TOO_DEEP


def test_depth_counter_is_signed(backend: ModuleType) -> None:
    # Closers first drive the counter negative: the openers then only reach 0.
    assert parse_error(backend, b"[[[", None, 0) == TOO_DEEP
    assert parse_error(backend, b"]]][[[", None, 0) == MALFORMED
    assert parse_error(backend, b"]]][[[", None, -1) == TOO_DEEP
    assert parse_error(backend, b"]][", None, -1) == MALFORMED


def test_non_int_limits_compare_like_python(backend: ModuleType) -> None:
    assert parse(backend, b"[[1]]", 5.5, 2.5) == [[1]]
    assert parse_error(backend, b"[[1]]", 4.5, 2) == TOO_LARGE
    assert parse_error(backend, b"[[1]]", None, 1.5) == TOO_DEEP
    # No bracket, no depth comparison at all.
    assert parse(backend, b"7", None, None) == 7
    with pytest.raises(TypeError):
        backend.parse_json(b"[1]", None, None)
    with pytest.raises(TypeError):
        backend.parse_json(b"[1]", "10", 64)


# --- parse_json: the strict grammar ----------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"a":1,"a":2}',
        b'{"a":1,"\\u0061":2}',
        b'[{"x":{"y":1,"y":1}}]',
    ],
)
def test_duplicate_keys(backend: ModuleType, body: bytes) -> None:
    assert parse_error(backend, body) == MALFORMED


@pytest.mark.parametrize("token", [b"NaN", b"Infinity", b"-Infinity", b"nan", b"inf", b"[NaN]", b'{"a":Infinity}'])
def test_non_finite_tokens(backend: ModuleType, token: bytes) -> None:
    assert parse_error(backend, token) == MALFORMED


def test_int64_range(backend: ModuleType) -> None:
    assert parse(backend, b"9223372036854775807") == 2**63 - 1
    assert parse(backend, b"-9223372036854775808") == -(2**63)
    assert parse_error(backend, b"9223372036854775808") == MALFORMED
    assert parse_error(backend, b"-9223372036854775809") == MALFORMED
    assert parse_error(backend, b"[" + b"9" * 5000 + b"]") == MALFORMED
    assert parse(backend, b"-0") == 0


def test_floats(backend: ModuleType) -> None:
    assert parse_error(backend, b"1e400") == MALFORMED
    assert parse_error(backend, b"-1e400") == MALFORMED
    assert parse_error(backend, b"1.7976931348623159e308") == MALFORMED
    assert parse(backend, b"1.7976931348623157e308") == sys.float_info.max
    tiny = parse(backend, b"1e-400")
    assert tiny == 0.0 and type(tiny) is float
    assert parse(backend, b"5e-324") == 5e-324
    assert parse(backend, b"1E2") == 100.0
    assert type(parse(backend, b"1E2")) is float
    assert str(parse(backend, b"-0.0")) == "-0.0"
    assert parse(backend, b"0.1") == 0.1


@pytest.mark.parametrize("body", [b"01", b"-", b"1.", b".5", b"+1", b"1e", b"0x10", b"1_000", b"--1"])
def test_bad_numbers(backend: ModuleType, body: bytes) -> None:
    assert parse_error(backend, body) == MALFORMED


@pytest.mark.parametrize(
    "body",
    [
        b'"\xff"',
        b'"\xc3"',
        b'"\xc3("',
        b'"\xc0\x80"',  # overlong NUL
        b'"\xe0\x80\xaf"',  # overlong '/'
        b'"\xf4\x90\x80\x80"',  # beyond U+10FFFF
        b'{"\xfe":1}',
        b"\x80",
    ],
)
def test_invalid_utf8(backend: ModuleType, body: bytes) -> None:
    assert parse_error(backend, body) == MALFORMED


@pytest.mark.parametrize("body", [b'"\xed\xa0\x80"', b'"\xed\xbf\xbf"', b'"\xed\xa0\xbd\xed\xb8\x80"'])
def test_utf8_encoded_surrogates(backend: ModuleType, body: bytes) -> None:
    assert parse_error(backend, body) == MALFORMED


@pytest.mark.parametrize(
    "body",
    [
        b'"\\ud800"',
        b'"\\udfff"',
        b'"\\udc00\\ud800"',  # reversed pair
        b'"\\ud800\\u0041"',
        b'"\\ud800x"',
        b'{"\\ud800":1}',
        b'["ok", "\\uDBFF"]',
    ],
)
def test_lone_surrogate_escapes(backend: ModuleType, body: bytes) -> None:
    assert parse_error(backend, body) == MALFORMED


def test_surrogate_pair_escape_is_one_astral_character(backend: ModuleType) -> None:
    assert parse(backend, b'"\\ud83d\\ude00"') == "\U0001f600"
    assert parse(backend, b'"\\uD83D\\uDE00"') == "\U0001f600"
    assert parse(backend, '"\U0001f600"'.encode()) == "\U0001f600"


def test_nul_escape(backend: ModuleType) -> None:
    assert parse(backend, b'"a\\u0000b"') == "a\x00b"
    assert parse(backend, b'{"k":"\\u0000"}') == {"k": "\x00"}
    # jansson 2.14 cannot store NUL in an object key, so both backends refuse it.
    assert parse_error(backend, b'{"a\\u0000b":1}') == MALFORMED
    # A raw NUL byte is a control character or not a token at all.
    assert parse_error(backend, b'"a\x00b"') == MALFORMED
    assert parse_error(backend, b"1\x00") == MALFORMED
    # jansson 2.14 drops a NUL right after a number or keyword; the C unit refuses it first.
    for body in (b"[1\x00]", b"[true\x00]", b'{"a":1\x00}', b"[1\x00,2]", b"\x00", b"1.5\x00"):
        assert parse_error(backend, body) == MALFORMED


def test_control_characters_in_strings(backend: ModuleType) -> None:
    for code in range(0x20):
        assert parse_error(backend, b'"' + bytes([code]) + b'"') == MALFORMED
    assert parse(backend, b'"\x7f"') == "\x7f"
    assert parse(backend, '"\u2028"'.encode()) == "\u2028"


def test_escapes(backend: ModuleType) -> None:
    assert parse(backend, b'"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9"') == '"\\/\b\f\n\r\t\u00e9'
    assert parse_error(backend, b'"\\x41"') == MALFORMED
    assert parse_error(backend, b'"\\u12"') == MALFORMED
    assert parse_error(backend, b'"\\u12G4"') == MALFORMED


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"\xef\xbb\xbf{}",
        b"{} x",
        b"[1]]",
        b"1 2",
        b"[1,]",
        b'{"a":1,}',
        b"{'a':1}",
        b"[1 2]",
        b"truex",
        b"True",
        b"null null",
        b'{"a" 1}',
        b"{1:2}",
        b"/* c */ 1",
    ],
)
def test_malformed(backend: ModuleType, body: bytes) -> None:
    assert parse_error(backend, body) == MALFORMED


def test_whitespace_around_the_value(backend: ModuleType) -> None:
    assert parse(backend, b' \t\r\n{"a" : [ 1 , 2 ] }\r\n\t ') == {"a": [1, 2]}
    # Only JSON's four whitespace characters count.
    assert parse_error(backend, b"1\x0c") == MALFORMED
    assert parse_error(backend, "1\u00a0".encode()) == MALFORMED


@pytest.mark.parametrize(
    ("body", "value"),
    [(b"1", 1), (b"-5", -5), (b"1.5", 1.5), (b'"s"', "s"), (b"true", True), (b"false", False), (b"null", None)],
)
def test_top_level_scalars(backend: ModuleType, body: bytes, value: Any) -> None:
    result = parse(backend, body)
    assert result == value and type(result) is type(value)


def test_document_order_of_keys(backend: ModuleType) -> None:
    result = parse(backend, b'{"zeta":1,"alpha":{"y":1,"b":2},"mid":3,"a":4}')
    assert list(result) == ["zeta", "alpha", "mid", "a"]
    assert list(result["alpha"]) == ["y", "b"]


def test_buffer_types(backend: ModuleType) -> None:
    body = b'{"a":[1,2]}'
    for data in (body, bytearray(body), memoryview(body), memoryview(b"xx" + body)[2:], array.array("B", body)):
        assert backend.parse_json(data, None, LIMIT) == {"a": [1, 2]}
    # A non-contiguous buffer is read in C order.
    assert backend.parse_json(memoryview(b"[ 1 ]")[::2], None, LIMIT) == [1]
    # The size limit counts bytes.
    assert parse_error(backend, memoryview(b"[1, 2]"), 5) == TOO_LARGE


@pytest.mark.parametrize("data", ["[1]", 3, None, [1], object()])
def test_non_bytes_input(backend: ModuleType, data: Any) -> None:
    with pytest.raises(TypeError) as info:
        backend.parse_json(data, None, LIMIT)
    assert str(info.value) == f"a bytes-like object is required, not '{type(data).__name__}'"


def test_result_is_fresh_python_data(backend: ModuleType) -> None:
    first = parse(backend, b'{"a":[1,{"b":null}],"c":"\xc3\xa9"}')
    assert first == {"a": [1, {"b": None}], "c": "é"}
    first["a"].append(2)
    assert parse(backend, b'{"a":[1,{"b":null}],"c":"\xc3\xa9"}')["a"] == [1, {"b": None}]


# --- parse_call (RPC-1) ---------------------------------------------------------------------


def call(backend: ModuleType, data: bytes) -> tuple[str, dict[str, Any]]:
    result = backend.parse_call(data, None, LIMIT)
    assert type(result) is tuple and len(result) == 2
    return result  # type: ignore[no-any-return]


def call_error(backend: ModuleType, data: bytes) -> str:
    with pytest.raises(ParseError) as info:
        backend.parse_call(data, None, LIMIT)
    return info.value.reason


def test_call_envelope(backend: ModuleType) -> None:
    assert call(backend, b'{"fn":"f","args":{"b":1,"a":[2]}}') == ("f", {"b": 1, "a": [2]})
    assert list(call(backend, b'{"fn":"f","args":{"b":1,"a":2}}')[1]) == ["b", "a"]
    assert call(backend, b'{"fn":"f"}') == ("f", {})
    assert call(backend, b'{"fn":"f","args":null}') == ("f", {})
    assert call(backend, b'{"args":{},"extra":[1],"fn":"g","more":null}') == ("g", {})
    assert call(backend, b'{"fn":"a\\u0000b"}') == ("a\x00b", {})
    assert call(backend, '{"fn":"é"}'.encode()) == ("é", {})


def test_call_args_is_a_new_dict_each_time(backend: ModuleType) -> None:
    _, first = call(backend, b'{"fn":"f"}')
    first["x"] = 1
    assert call(backend, b'{"fn":"f"}') == ("f", {})


@pytest.mark.parametrize(
    "body",
    [b'{"args":{}}', b'{"fn":""}', b'{"fn":1}', b'{"fn":null}', b'{"fn":["f"]}', b'{"fn":{}}', b'{"function":"f"}'],
)
def test_call_bad_fn(backend: ModuleType, body: bytes) -> None:
    assert call_error(backend, body) == "fn must be a non-empty string"


@pytest.mark.parametrize("args", [b"[]", b"[1]", b'"x"', b"1", b"true", b"false"])
def test_call_bad_args(backend: ModuleType, args: bytes) -> None:
    assert call_error(backend, b'{"fn":"f","args":' + args + b"}") == "args must be a JSON object or null"


@pytest.mark.parametrize("body", [b"[]", b'"fn"', b"1", b"null", b'[{"fn":"f"}]'])
def test_call_body_not_an_object(backend: ModuleType, body: bytes) -> None:
    assert call_error(backend, body) == "body is not a JSON object"


def test_call_checks_in_order(backend: ModuleType) -> None:
    assert call_error(backend, b'{"fn":"f","fn":"g"}') == MALFORMED
    assert call_error(backend, b'{"fn":1,"args":[]}') == "fn must be a non-empty string"
    with pytest.raises(ParseError, match=TOO_LARGE):
        backend.parse_call(b'{"fn":"f"}', 5, LIMIT)
    with pytest.raises(ParseError, match=TOO_DEEP):
        backend.parse_call(b'{"fn":"f","args":{"a":[[1]]}}', None, 3)


# --- encode_json (JSON-1) -------------------------------------------------------------------


def test_appendix_a4_vector(backend: ModuleType) -> None:
    value = json.loads('{"b":1,"a":{"d":[1,2],"c":"é"}}')
    assert encode(backend, value) == '{"a":{"c":"é","d":[1,2]},"b":1}'.encode()
    assert encode(backend, value) == b'{"a":{"c":"\xc3\xa9","d":[1,2]},"b":1}'


ORDINARY: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    2**63,
    -(2**100),
    1.5,
    -0.0,
    5.0,
    1e16,
    1e-7,
    123456789.123456789,
    sys.float_info.max,
    5e-324,
    "",
    "plain",
    "é ü 漢字 \U0001f600",
    '"quoted" \\ back/slash',
    "\x00\x01\x08\t\n\x0b\x0c\r\x1f\x7f\u2028\u2029",
    [],
    {},
    [1, [2, [3, []]]],
    {"b": {"z": 1, "a": [None, True]}, "a": "x", "": 0},
    {"é": 1, "z": 2, "\U0001f600": 3, "\uffff": 4, "A": 5, "a": 6},
]


@pytest.mark.parametrize("value", ORDINARY, ids=range(len(ORDINARY)))
def test_matches_json_dumps_canonical(backend: ModuleType, value: Any) -> None:
    assert encode(backend, value) == canonical(value)


def test_keys_sort_by_code_point_not_utf16(backend: ModuleType) -> None:
    # UTF-16 order would put the astral character (a surrogate pair) before U+FFFF.
    assert encode(backend, {"\U0001f600": 1, "\uffff": 2, "\u00e9": 3, "z": 4}) == (
        '{"z":4,"é":3,"\uffff":2,"\U0001f600":1}'.encode()
    )


def test_string_escapes(backend: ModuleType) -> None:
    assert encode(backend, '\b\f\n\r\t"\\') == b'"\\b\\f\\n\\r\\t\\"\\\\"'
    assert encode(backend, "\x00\x1f\x0b") == b'"\\u0000\\u001f\\u000b"'
    assert encode(backend, "\x7f\u2028/") == '"\x7f\u2028/"'.encode()
    assert encode(backend, "a" * 10_000 + "\n") == b'"' + b"a" * 10_000 + b'\\n"'


def test_floats_are_float_repr(backend: ModuleType) -> None:
    for value in (0.1, 1e22, 1e-5, 2.5e-310, 1.0, -3.0, 123e300):
        assert encode(backend, value) == repr(value).encode()
    assert encode(backend, [1.0, 2]) == b"[1.0,2]"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), [1, {"a": float("nan")}]])
def test_non_finite_floats(backend: ModuleType, value: Any) -> None:
    assert encode_error(backend, value) == "NaN and Infinity are not valid JSON"


def test_lone_surrogates(backend: ModuleType) -> None:
    assert encode_error(backend, "a\ud800") == "string is not valid Unicode"
    assert encode_error(backend, ["ok", "\udfff"]) == "string is not valid Unicode"
    assert encode_error(backend, {"\ud800": 1}) == "string is not valid Unicode"


def test_int_keys(backend: ModuleType) -> None:
    assert encode(backend, {10: "a", 9: "b", -1: "c", "x": 0}) == b'{"-1":"c","10":"a","9":"b","x":0}'
    assert encode(backend, {2**70: 1}) == b'{"1180591620717411303424":1}'


@pytest.mark.parametrize("key", [True, False, None, 1.5, (1,), b"k", frozenset()])
def test_bad_keys(backend: ModuleType, key: Any) -> None:
    assert encode_error(backend, {key: 1}) == "object keys must be str or int"


def test_duplicate_key_text(backend: ModuleType) -> None:
    assert encode_error(backend, {1: "a", "1": "b"}) == "duplicate object key"
    assert encode_error(backend, {"x": {"2": 0, 2: 0}}) == "duplicate object key"


def test_tuples_and_subclasses(backend: ModuleType) -> None:
    class S(str):
        def __str__(self) -> str:
            return "overridden"

        def encode(self, *args: Any, **kwargs: Any) -> bytes:  # type: ignore[override]
            return b"overridden"

    class I(int):  # noqa: E742
        def __repr__(self) -> str:
            return "overridden"

    class F(float):
        def __repr__(self) -> str:
            return "overridden"

    class D(dict):  # type: ignore[type-arg]
        def items(self) -> Any:
            return [("overridden", 1)]

        def keys(self) -> Any:
            return ["overridden"]

    class L(list):  # type: ignore[type-arg]
        def __iter__(self) -> Any:
            return iter(["overridden"])

    class T(tuple):  # type: ignore[type-arg]
        def __iter__(self) -> Any:
            return iter(["overridden"])

    class Color(enum.IntEnum):
        RED = 1

    class Name(enum.StrEnum):
        ALICE = "alice"

    value = {
        S("k"): S("v\n"),
        "i": I(7),
        "f": F(0.5),
        "d": D(b=1, a=2),
        "l": L([1, 2]),
        "t": T((3, 4)),
        "tuple": (1, (2,)),
        "enum": [Color.RED, Name.ALICE],
        Color.RED: OrderedDict([("z", 1), ("y", 2)]),
    }
    assert encode(backend, value) == (
        b'{"1":{"y":2,"z":1},"d":{"a":2,"b":1},"enum":[1,"alice"],"f":0.5,"i":7,'
        b'"k":"v\\n","l":[1,2],"t":[3,4],"tuple":[1,[2]]}'
    )


def test_proxy_claiming_a_json_type_is_not_one(backend: ModuleType) -> None:
    class Proxy:
        """Like django.utils.functional.SimpleLazyObject: __class__ is the wrapped type."""

        def __init__(self, wrapped: Any) -> None:
            self._wrapped = wrapped

        @property  # type: ignore[misc]
        def __class__(self) -> type:
            return type(self._wrapped)

        def items(self) -> Any:
            return self._wrapped.items()

    proxy = Proxy({"a": 1})
    assert isinstance(proxy, dict)
    assert encode_error(backend, proxy).endswith("<locals>.Proxy is not JSON serializable")
    assert encode(backend, [proxy], lambda p: p._wrapped) == b'[{"a":1}]'
    assert encode_error(backend, Proxy("s")).endswith("<locals>.Proxy is not JSON serializable")


def test_depth_limit(backend: ModuleType) -> None:
    def nested(depth: int, kind: str) -> Any:
        value: Any = 0
        for _ in range(depth):
            value = [value] if kind == "list" else {"k": value} if kind == "dict" else (value,)
        return value

    for kind in ("list", "dict", "tuple"):
        assert encode(backend, nested(512, kind)).count(b"0") == 1
        assert encode_error(backend, nested(513, kind)) == TOO_DEEP
    # A default result sits at the depth of the object it replaces.
    deep = nested(512, "list")  # lists at depths 0..511, the 0 at depth 512
    innermost = deep
    while innermost[0] != 0:
        innermost = innermost[0]
    innermost[0] = object()
    assert encode_error(backend, deep, lambda o: [1]) == TOO_DEEP
    assert encode(backend, deep, lambda o: 1).count(b"1") == 1


def test_default_called_once_per_object(backend: ModuleType) -> None:
    calls: list[Any] = []

    class Point:
        def __init__(self, x: int) -> None:
            self.x = x

    def default(obj: Any) -> Any:
        calls.append(obj)
        return {"x": obj.x, "nested": [Point(obj.x + 1)] if obj.x == 0 else []}

    points = [Point(0), Point(5)]
    assert encode(backend, points, default) == b'[{"nested":[{"nested":[],"x":1}],"x":0},{"nested":[],"x":5}]'
    assert [p.x for p in calls] == [0, 1, 5]


def test_default_result_may_not_need_default_again(backend: ModuleType) -> None:
    class A:
        pass

    class B:
        pass

    assert (
        encode_error(backend, [A()], lambda obj: B())
        == "test_default_result_may_not_need_default_again.<locals>.B is not JSON serializable"
    )
    assert encode(backend, A(), lambda obj: None) == b"null"


def test_unsupported_without_default(backend: ModuleType) -> None:
    assert encode_error(backend, {1, 2}) == "set is not JSON serializable"
    assert encode_error(backend, b"x") == "bytes is not JSON serializable"
    assert encode_error(backend, [1, object()]) == "object is not JSON serializable"

    class Outer:
        class Inner:
            pass

    assert encode_error(backend, Outer.Inner()) == (
        "test_unsupported_without_default.<locals>.Outer.Inner is not JSON serializable"
    )


def test_default_errors_propagate_unchanged(backend: ModuleType) -> None:
    error = KeyError("boom")

    def default(obj: Any) -> Any:
        raise error

    with pytest.raises(KeyError) as info:
        backend.encode_json({"a": [object()]}, default)
    assert info.value is error
    with pytest.raises(TypeError):
        backend.encode_json(object(), "not callable")


def test_int_digit_limit_propagates(backend: ModuleType) -> None:
    huge = 10**5000
    with pytest.raises(ValueError) as info:
        backend.encode_json([huge], None)
    assert not isinstance(info.value, EncodeError)
    with pytest.raises(ValueError) as info:
        backend.encode_json({huge: 1}, None)
    assert not isinstance(info.value, EncodeError)


def test_error_precedence(backend: ModuleType) -> None:
    # Every key is converted (in dict order) before any value is written...
    assert encode_error(backend, {"a": float("nan"), None: 1}) == "object keys must be str or int"
    # ...then keys and values go in sorted order.
    assert encode_error(backend, {"b": float("nan"), "a": object()}) == "object is not JSON serializable"
    assert encode_error(backend, {"b": object(), "a": float("nan")}) == "NaN and Infinity are not valid JSON"
    # A duplicate is reported when the second copy is reached, after the first value.
    assert encode_error(backend, {"1": float("nan"), 1: 0}) == "NaN and Infinity are not valid JSON"
    assert encode_error(backend, {"0": float("nan"), 1: 0, "1": 0}) == "NaN and Infinity are not valid JSON"
    # A surrogate key sorts by code point and fails where it is reached.
    assert encode_error(backend, {"\ud800": 1, "\ue000": object(), "a": float("inf")}) == (
        "NaN and Infinity are not valid JSON"
    )
    assert encode_error(backend, {"\ud800": 1, "\ue000": object()}) == "string is not valid Unicode"


def test_default_may_mutate_the_container(backend: ModuleType) -> None:
    items: list[Any] = [object(), 1]

    def grow(obj: Any) -> Any:
        items.append(2)
        items.pop(0)
        return "x"

    assert encode(backend, items, grow) == b'["x",2]'

    mapping: dict[str, Any] = {"a": object(), "b": 1}

    def shrink(obj: Any) -> Any:
        mapping.clear()
        return "gone"

    # The members were taken before any value was written.
    assert encode(backend, mapping, shrink) == b'{"a":"gone","b":1}'


def test_large_containers(backend: ModuleType) -> None:
    value = {f"k{i:05d}": list(range(i % 7)) for i in range(2000)}
    assert encode(backend, value) == canonical(value)
    shuffled = dict(sorted(value.items(), key=lambda kv: hash(kv[0])))
    assert encode(backend, shuffled) == canonical(value)


def test_argument_errors(backend: ModuleType) -> None:
    with pytest.raises(TypeError, match=r"encode_json\(\) missing 1 required positional argument: 'default'"):
        backend.encode_json({})
    with pytest.raises(TypeError, match=r"parse_json\(\) takes 3 positional arguments but 4 were given"):
        backend.parse_json(b"1", None, 1, 2)
    with pytest.raises(
        TypeError, match=r"parse_call\(\) missing 3 required positional arguments: 'data', 'max_size', and 'max_depth'"
    ):
        backend.parse_call()
    with pytest.raises(TypeError):
        backend.encode_json(obj={}, default=None)
