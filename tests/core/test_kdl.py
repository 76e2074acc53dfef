"""The KDL writer on both backends (IR.md §2, §2.5, §17.2): layout, escapes, values and every
IRBuildError of the twin, in the twin's order of detection."""

from __future__ import annotations

import enum
import sys
from types import ModuleType
from typing import Any

import pytest

from mizan.core.errors import IRBuildError

SHAPE = "node must be a 5-tuple (name, args, props, children, inline)"
PAIR = "property must be a (key, value) pair"
TOO_DEEP = "nesting too deep"
NOT_UNICODE = "string is not valid Unicode"


def node(
    name: Any, args: Any = (), props: Any = (), children: Any = None, inline: Any = False
) -> tuple[Any, Any, Any, Any, Any]:
    return (name, args, props, children, inline)


def write(backend: ModuleType, sections: Any) -> bytes:
    result = backend.write_kdl(sections)
    assert type(result) is bytes
    return result


def one(backend: ModuleType, *values: Any) -> bytes:
    """The text of `n` with `values` as its arguments, without the name and newline."""
    out = write(backend, [[node("n", list(values))]])
    assert out.startswith(b"n ") and out.endswith(b"\n")
    return out[2:-1]


def error(backend: ModuleType, sections: Any) -> str:
    with pytest.raises(IRBuildError) as info:
        backend.write_kdl(sections)
    assert type(info.value) is IRBuildError
    assert len(info.value.args) == 1
    message: str = info.value.args[0]
    assert str(info.value) == message
    return message


def value_error(backend: ModuleType, value: Any) -> str:
    return error(backend, [[node("n", [value])]])


# --- layout -----------------------------------------------------------------------------------


def test_block_layout(backend: ModuleType) -> None:
    tree = node(
        "function",
        ["get_user"],
        [("cache", True), ("ttl", 60)],
        [
            node("param", ["user_id"], [("type", "int")]),
            node("returns", [], [], [node("object", ["User"], [], [node("field", ["id"])])]),
        ],
    )
    assert write(backend, [[tree]]) == (
        b'function "get_user" cache=#true ttl=60 {\n'
        b'    param "user_id" type="int"\n'
        b"    returns {\n"
        b'        object "User" {\n'
        b'            field "id"\n'
        b"        }\n"
        b"    }\n"
        b"}\n"
    )


def test_inline_layout(backend: ModuleType) -> None:
    tree = node(
        "field",
        ["tags"],
        [],
        [node("list", [], [], [node("string")], False), node("max", [5]), node("union", [], [], [], True)],
        True,
    )
    # Descendants of an inline node are inline whatever their own flag says.
    assert write(backend, [[tree]]) == b'field "tags" { list { string }; max 5; union {  } }\n'


def test_inline_inside_block(backend: ModuleType) -> None:
    tree = node("a", [], [], [node("b", [1], [], [node("c"), node("d")], True)])
    assert write(backend, [[tree]]) == b"a {\n    b 1 { c; d }\n}\n"


def test_empty_children(backend: ModuleType) -> None:
    assert write(backend, [[node("a", [], [], [])]]) == b"a {\n}\n"
    assert write(backend, [[node("a", [], [], ())]]) == b"a {\n}\n"
    assert write(backend, [[node("a", [], [], [], True)]]) == b"a {  }\n"
    assert write(backend, [[node("a", [], [], [node("b", [], [], [])])]]) == b"a {\n    b {\n    }\n}\n"


def test_sections(backend: ModuleType) -> None:
    a, b, c = node("a"), node("b"), node("c")
    assert write(backend, [[a, b], [c]]) == b"a\nb\n\nc\n"
    assert write(backend, [[], [a], [], [], [b], []]) == b"a\n\nb\n"
    assert write(backend, ([a],)) == b"a\n"
    assert write(backend, [(a, b)]) == b"a\nb\n"


def test_empty_documents(backend: ModuleType) -> None:
    assert write(backend, []) == b""
    assert write(backend, ()) == b""
    assert write(backend, [[], ()]) == b""


def test_args_and_props_order(backend: ModuleType) -> None:
    tree = node("n", ("x", 1), [("z", 1), ("a", 2), ("z", 3)])
    assert write(backend, [[tree]]) == b'n "x" 1 z=1 a=2 z=3\n'


def test_identifiers(backend: ModuleType) -> None:
    for name in ("a", "z", "a-", "a0", "default-value", "x-1-2"):
        assert write(backend, [[node(name)]]) == name.encode() + b"\n"


def test_subclasses_of_containers(backend: ModuleType) -> None:
    class Node(tuple):  # type: ignore[type-arg]
        pass

    class Nodes(list):  # type: ignore[type-arg]
        pass

    class Name(str):
        pass

    tree = Node((Name("a"), Nodes([1]), Nodes([Node(("k", 2))]), Nodes([node("b")]), False))
    assert write(backend, Nodes([Nodes([tree])])) == b"a 1 k=2 {\n    b\n}\n"


def test_depth_limit_block(backend: ModuleType) -> None:
    def chain(levels: int, inline: bool) -> Any:
        tree: Any = node("x")
        for _ in range(levels - 1):
            tree = node("x", (), (), [tree], inline)
        return tree

    # The deepest node is at depth levels - 1: 128 is allowed, 129 is not.
    ok = write(backend, [[chain(129, False)]])
    assert ok.count(b"\n") == 128 * 2 + 1
    assert b"\n" + b" " * 512 + b"x\n" in ok
    assert error(backend, [[chain(130, False)]]) == TOO_DEEP
    assert write(backend, [[chain(129, True)]]) == b"x { " * 128 + b"x" + b" }" * 128 + b"\n"
    assert error(backend, [[chain(130, True)]]) == TOO_DEEP
    # The limit is checked before the node's shape, and an empty child list at the limit is fine.
    assert error(backend, [[_wrap(129, 5)]]) == TOO_DEEP
    assert error(backend, [[_wrap(128, 5)]]) == SHAPE
    assert b" " * 512 + b"x {\n" + b" " * 512 + b"}\n" + b" " * 508 + b"}\n" in write(
        backend, [[_wrap(128, node("x", (), (), []))]]
    )
    assert error(backend, [[_wrap(128, node("x", (), (), [node("y")]))]]) == TOO_DEEP


def _wrap(levels: int, inner: Any) -> Any:
    tree = inner
    for _ in range(levels):
        tree = node("x", (), (), [tree])
    return tree


# --- strings ----------------------------------------------------------------------------------

SIMPLE = {'"': b'\\"', "\\": b"\\\\", "\n": b"\\n", "\r": b"\\r", "\t": b"\\t", "\b": b"\\b", "\f": b"\\f"}


def test_simple_escapes(backend: ModuleType) -> None:
    for char, escaped in SIMPLE.items():
        assert one(backend, f"a{char}b") == b'"a' + escaped + b'b"'


def test_c0_and_del_escapes(backend: ModuleType) -> None:
    for code in [*range(0x20), 0x7F]:
        char = chr(code)
        expected = SIMPLE.get(char, f"\\u{{{code:x}}}".encode())
        assert one(backend, char) == b'"' + expected + b'"', hex(code)
    assert one(backend, "\x00\x0b\x1f\x7f") == b'"\\u{0}\\u{b}\\u{1f}\\u{7f}"'


def test_code_point_escapes(backend: ModuleType) -> None:
    escaped = [0x80, 0x85, 0x9F, 0x200E, 0x200F, *range(0x2028, 0x202F), *range(0x2066, 0x206A), 0xFEFF]
    for code in escaped:
        assert one(backend, f"<{chr(code)}>") == f'"<\\u{{{code:x}}}>"'.encode(), hex(code)
    assert one(backend, "\u2028") == b'"\\u{2028}"'
    assert one(backend, "\x85") == b'"\\u{85}"'


def test_literal_passthrough(backend: ModuleType) -> None:
    literal = [0x20, 0x2F, 0x23, 0x7E, 0xA0, 0xE9, 0x200D, 0x2010, 0x2027, 0x202F, 0x2065, 0x206A, 0xFEFE, 0xFFFF]
    literal += [0x1F600, 0x10FFFF, 0xE000]
    for code in literal:
        text = chr(code)
        assert one(backend, text) == b'"' + text.encode() + b'"', hex(code)
    assert one(backend, "a/b#c é \U0001f600\u00a0") == '"a/b#c é \U0001f600\u00a0"'.encode()
    assert one(backend, "") == b'""'


def test_long_mixed_string(backend: ModuleType) -> None:
    text = ('plain text é\U0001f600 "q" \\ \n\u2028\x85\ufeff' * 200) + "end"
    expected = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    expected = expected.replace("\u2028", "\\u{2028}").replace("\x85", "\\u{85}").replace("\ufeff", "\\u{feff}")
    assert one(backend, text) == b'"' + expected.encode() + b'"'


def test_str_subclass(backend: ModuleType) -> None:
    class Text(str):
        pass

    assert one(backend, Text('a"')) == b'"a\\""'


def test_lone_surrogates(backend: ModuleType) -> None:
    for text in ("\ud800", "a\udfff", "\udc00b", "ok\ud83d"):
        assert value_error(backend, text) == NOT_UNICODE
        assert error(backend, [[node("n", [], [("k", text)])]]) == NOT_UNICODE
        assert value_error(backend, ("json", text)) == NOT_UNICODE
    # A surrogate pair written as two code points is still two lone surrogates.
    assert value_error(backend, "\ud83d\ude00") == NOT_UNICODE


# --- numbers and keywords ---------------------------------------------------------------------


def test_floats(backend: ModuleType) -> None:
    cases = [
        (0.1, b"0.1"),
        (1e-05, b"1e-05"),
        (1e16, b"1e+16"),
        (-0.0, b"-0.0"),
        (0.0, b"0.0"),
        (1.0, b"1.0"),
        (1e22, b"1e+22"),
        (5e-324, b"5e-324"),
        (1.7976931348623157e308, b"1.7976931348623157e+308"),
        (123456789.125, b"123456789.125"),
        (-2.5, b"-2.5"),
        (float("inf"), b"#inf"),
        (float("-inf"), b"#-inf"),
        (float("nan"), b"#nan"),
    ]
    for value, text in cases:
        assert one(backend, value) == text, repr(value)
        assert text == (repr(value).encode() if text[:1] != b"#" else text)


def test_float_subclass(backend: ModuleType) -> None:
    class Ratio(float):
        def __repr__(self) -> str:
            return "not used"

    assert one(backend, Ratio(2.5), Ratio("nan"), Ratio("-inf")) == b"2.5 #nan #-inf"


def test_ints(backend: ModuleType) -> None:
    big = 10**300 + 7
    values = [0, 1, -1, 2**63 - 1, -(2**63), 2**63, -(2**63) - 1, 2**64, big, -big]
    assert one(backend, *values) == " ".join(str(v) for v in values).encode()


def test_int_subclasses(backend: ModuleType) -> None:
    class Level(enum.IntEnum):
        HIGH = 2

    class Big(int):
        pass

    class Custom(int):
        def __int__(self) -> int:
            return 42

    assert one(backend, Level.HIGH, Big(2**80), Custom(1)) == f"2 {2**80} 42".encode()


def test_int_digit_limit(backend: ModuleType) -> None:
    limit = sys.get_int_max_str_digits()
    if limit == 0:
        pytest.skip("no int digit limit in this interpreter")
    with pytest.raises(ValueError) as info:
        backend.write_kdl([[node("n", [10 ** (limit + 1)])]])
    assert not isinstance(info.value, IRBuildError)


def test_keywords(backend: ModuleType) -> None:
    assert one(backend, True, False, None) == b"#true #false #null"


def test_annotated_values(backend: ModuleType) -> None:
    assert one(backend, ("json", "[]")) == b'(json)"[]"'
    assert one(backend, ("t", 1), ("t", None), ("t", True), ("t", 1.5)) == b"(t)1 (t)#null (t)#true (t)1.5"
    tree = node("field", ["x"], [("default", ("json", '{"a":1.5}'))])
    assert write(backend, [[tree]]) == b'field "x" default=(json)"{\\"a\\":1.5}"\n'


# --- errors -----------------------------------------------------------------------------------


def test_document_and_section_types(backend: ModuleType) -> None:
    assert error(backend, None) == "document must be a list or tuple"
    assert error(backend, "ab") == "document must be a list or tuple"
    assert error(backend, iter([])) == "document must be a list or tuple"
    assert error(backend, [[node("a")], {}]) == "section must be a list or tuple"
    assert error(backend, [node("a")]) == SHAPE  # a section of the 5 fields: "a" is not a node
    assert error(backend, ["abc"]) == "section must be a list or tuple"


@pytest.mark.parametrize(
    "bad",
    [
        ("a", (), (), None),
        ("a", (), (), None, False, 1),
        ["a", (), (), None, False],
        "a",
        None,
        (),
    ],
)
def test_node_shape(backend: ModuleType, bad: Any) -> None:
    assert error(backend, [[bad]]) == SHAPE
    assert error(backend, [[node("a", (), (), [node("b"), bad])]]) == SHAPE
    assert error(backend, [[node("a", (), (), [bad], True)]]) == SHAPE


@pytest.mark.parametrize("bad", ["", "A", "1a", "-a", "a_b", "a b", "é", "a\n", "Ab", "a.b", None, 1, b"a"])
def test_invalid_identifiers(backend: ModuleType, bad: Any) -> None:
    message = f"invalid identifier: {bad!r}"
    assert error(backend, [[node(bad)]]) == message
    assert error(backend, [[node("n", [], [(bad, 1)])]]) == message
    assert value_error(backend, (bad, 1)) == message


def test_invalid_identifier_with_surrogate(backend: ModuleType) -> None:
    assert error(backend, [[node("a\ud800")]]) == "invalid identifier: 'a\\ud800'"


def test_invalid_identifier_repr_raises(backend: ModuleType) -> None:
    class Loud:
        def __repr__(self) -> str:
            raise LookupError("repr")

    with pytest.raises(LookupError):
        backend.write_kdl([[node(Loud())]])


@pytest.mark.parametrize("bad", [("k",), ("k", 1, 2), ["k", 1], "k", None, ()])
def test_bad_property(backend: ModuleType, bad: Any) -> None:
    assert error(backend, [[node("n", [], [bad])]]) == PAIR
    assert error(backend, [[node("n", [], [("ok", 1), bad])]]) == PAIR


def test_unsupported_values(backend: ModuleType) -> None:
    class Thing:
        pass

    cases: list[tuple[Any, str]] = [
        ({}, "dict"),
        ([1], "list"),
        (b"x", "bytes"),
        (bytearray(b"x"), "bytearray"),
        ((1, 2, 3), "tuple"),
        ((), "tuple"),
        (("a",), "tuple"),
        (("a", ("b", 1)), "tuple"),
        (("a", [1]), "list"),
        (("a", {}), "dict"),
        (Thing(), "Thing"),
        (1j, "complex"),
        ({1}, "set"),
        (enum.Enum, "EnumType"),
    ]
    for value, name in cases:
        assert value_error(backend, value) == f"unsupported KDL value: {name}", value
        assert error(backend, [[node("n", [], [("k", value)])]]) == f"unsupported KDL value: {name}"


def test_sequence_types(backend: ModuleType) -> None:
    assert error(backend, [[node("n", None)]]) == "args must be a list or tuple"
    assert error(backend, [[node("n", "ab")]]) == "args must be a list or tuple"
    assert error(backend, [[node("n", (), {})]]) == "props must be a list or tuple"
    assert error(backend, [[node("n", (), (), "ab")]]) == "children must be a list or tuple"
    assert error(backend, [[node("n", (), (), {node("b")})]]) == "children must be a list or tuple"


@pytest.mark.parametrize("bad", [None, 0, 1, "true", 1.0])
def test_inline_must_be_bool(backend: ModuleType, bad: Any) -> None:
    assert error(backend, [[node("n", (), (), None, bad)]]) == "inline must be a bool"
    assert error(backend, [[node("n", (), (), [], bad)]]) == "inline must be a bool"


def test_error_order(backend: ModuleType) -> None:
    # Within a node: name, args, props, children type, inline; then the children.
    assert error(backend, [[node("A", None, None, 1, None)]]) == "invalid identifier: 'A'"
    assert error(backend, [[node("a", [{}], None, 1, None)]]) == "unsupported KDL value: dict"
    assert error(backend, [[node("a", None, None, 1, None)]]) == "args must be a list or tuple"
    assert error(backend, [[node("a", [], [("K", {})], 1, None)]]) == "invalid identifier: 'K'"
    assert error(backend, [[node("a", [], [("k", {})], 1, None)]]) == "unsupported KDL value: dict"
    assert error(backend, [[node("a", [], None, 1, None)]]) == "props must be a list or tuple"
    assert error(backend, [[node("a", [], [], 1, None)]]) == "children must be a list or tuple"
    assert error(backend, [[node("a", [], [], [None], None)]]) == "inline must be a bool"
    assert error(backend, [[node("a", [], [], [None], True)]]) == SHAPE
    # Annotation before its value; args left to right; earlier sections before later ones.
    assert value_error(backend, ("A", {})) == "invalid identifier: 'A'"
    assert error(backend, [[node("a", ["\ud800", {}])]]) == NOT_UNICODE
    assert error(backend, [[node("a", [{}, "\ud800"])]]) == "unsupported KDL value: dict"
    assert error(backend, [[node("a"), node("B")], None]) == "invalid identifier: 'B'"
    assert error(backend, [[node("a")], None, [node("B")]]) == "section must be a list or tuple"
    # A node's own problems come before the depth of its children, which come in order.
    assert error(backend, [[node("a", [], [], [node("b", [{}]), _wrap(200, node("c"))])]]) == (
        "unsupported KDL value: dict"
    )


def test_nothing_written_on_error(backend: ModuleType) -> None:
    sections = [[node("a", ["x" * 5000])] * 50, [node("b", [object()])]]
    assert error(backend, sections) == "unsupported KDL value: object"
    assert write(backend, sections[:1]).count(b"\n") == 50


def test_signature(backend: ModuleType) -> None:
    with pytest.raises(TypeError):
        backend.write_kdl()
    with pytest.raises(TypeError):
        backend.write_kdl([], [])
    with pytest.raises(TypeError):
        backend.write_kdl(sections=[])
