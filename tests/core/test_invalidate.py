"""The invalidation unit on both backends: plans, resolution (INV-2..8, MRG-4/5), NORM-1 and
the X-Mizan-Invalidate header (XMI-1..6), with the vectors of PROTOCOL Appendix A.2/A.3."""

from __future__ import annotations

import enum
import gc
import importlib.util
from types import ModuleType
from typing import Any

import pydantic
import pytest
from pydantic_core import to_jsonable_python

from mizan.core.errors import EncodeError

# --- Appendix A.2: X-Mizan-Invalidate formatting ----------------------------------------

A2_ROWS = [
    ([{"context": "user", "params": {"user_id": 5}}, "notifications"], "user;user_id=5, notifications"),
    ([{"context": "p", "params": {"b": 2, "a": True}}], "p;a=true;b=2"),
    ([{"context": "s", "params": {"q": 'a;b c"d'}}], "s;q=a%3Bb%20c%22d"),
    ([{"context": "u", "params": {"name": "Jürgen"}}], "u;name=J%C3%BCrgen"),
    ([{"context": "x", "params": {"k": "it's!*()"}}], "x;k=it%27s%21%2A%28%29"),
    ([{"context": "user", "function": "user_profile", "params": {"user_id": 5}}], "user;user_id=5"),
    (["user", "user"], "user"),
]


@pytest.mark.parametrize(("entries", "header"), A2_ROWS)
def test_appendix_a2_format(backend: ModuleType, entries: list[Any], header: str) -> None:
    assert backend.format_invalidate_header(entries) == header


def test_xmi6_no_entries_no_header(backend: ModuleType) -> None:
    assert backend.format_invalidate_header([]) is None
    assert backend.format_invalidate_header(()) is None
    assert backend.format_invalidate_header(iter([])) is None


def test_format_details(backend: ModuleType) -> None:
    fmt = backend.format_invalidate_header
    # XMI-2: byte order, never locale or case folding; 'Z' < '_' < 'a' < 'é' < '😀'.
    assert fmt([{"context": "c", "params": {"é": 1, "a": 2, "Z": 3, "_": 4, "😀": 5}}]) == (
        "c;Z=3;_=4;a=2;%C3%A9=1;%F0%9F%98%80=5"
    )
    # Keys are encoded like values; the context never is.
    assert fmt([{"context": "c", "params": {"a b": "x=y,z"}}]) == "c;a%20b=x%3Dy%2Cz"
    # NORM-1 in values: None, floats, containers, big ints, the exponent's '+'.
    assert fmt([{"context": "c", "params": {"n": None, "f": 5.0, "g": 1e16, "l": [1, "a"], "i": 2**70}}]) == (
        "c;f=5;g=1e%2B16;i=1180591620717411303424;l=%5B1%2C%22a%22%5D;n=null"
    )
    # Broad forms: params missing, None; a function entry without params renders as its context.
    assert fmt([{"context": "a"}, {"context": "b", "params": None}, {"context": "c", "function": "f"}]) == "a, b, c"
    # Duplicates are dropped after rendering (XMI-1): same text from different entries.
    assert fmt(["u", {"context": "u", "function": "f"}, {"context": "u", "params": {}}]) == "u"
    assert (
        fmt([{"context": "u", "params": {"a": 1}}, {"context": "u", "params": {"a": "1"}}, {"context": "u"}])
        == "u;a=1, u"
    )
    # Any iterable, in order.
    assert fmt(e for e in ["b", "a"]) == "b, a"
    # An empty context name is written as it is (shape only is checked).
    assert fmt([""]) == ""


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([5], "an invalidation entry is a context name or a dict with a 'context' str"),
        ([{"params": {}}], "an invalidation entry is a context name or a dict with a 'context' str"),
        ([{"context": 5}], "an invalidation entry is a context name or a dict with a 'context' str"),
        ([type("S", (str,), {})("user")], "an invalidation entry is a context name or a dict with a 'context' str"),
        ([{"context": "u", "params": [("a", 1)]}], "'params' of an invalidation entry must be a dict"),
        ([{"context": "u", "params": {1: 1}}], "invalidation param names must be str"),
        (["ok", {"context": "u", "params": {"a": 1, 2: 2}}], "invalidation param names must be str"),
    ],
)
def test_format_refuses_wrong_shapes(backend: ModuleType, entries: list[Any], message: str) -> None:
    with pytest.raises(TypeError) as info:
        backend.format_invalidate_header(entries)
    assert info.value.args == (message,)


def test_format_refuses_values_without_text(backend: ModuleType) -> None:
    with pytest.raises(EncodeError) as info:
        backend.format_invalidate_header([{"context": "u", "params": {"a": object()}}])
    assert info.value.args == ("object is not JSON serializable",)
    with pytest.raises(EncodeError):
        backend.format_invalidate_header([{"context": "u", "params": {"a": [float("nan")]}}])
    with pytest.raises(TypeError):
        backend.format_invalidate_header(5)


def test_format_lone_surrogates(backend: ModuleType) -> None:
    fmt = backend.format_invalidate_header
    with pytest.raises(UnicodeEncodeError) as info:
        fmt([{"context": "u", "params": {"a": "x\ud800"}}])
    assert info.value.args == ("utf-8", "x\ud800", 1, 2, "surrogates not allowed")
    with pytest.raises(UnicodeEncodeError) as info:
        fmt([{"context": "u", "params": {"\udc00": 1, "a": 1}}])
    assert info.value.args[1] == "\udc00"
    # The sorted order decides which failure comes first: 'a' < '\ud800'.
    with pytest.raises(EncodeError):
        fmt([{"context": "u", "params": {"\ud800": 1, "a": object()}}])
    # A context is never encoded, so a surrogate in it passes through.
    assert fmt(["\ud800"]) == "\ud800"
    assert fmt([{"context": "\ud800", "params": {"a": 1}}]) == "\ud800;a=1"


# --- Appendix A.3: NORM-1 ------------------------------------------------------------------

A3_ROWS = [
    (True, "true"),
    (False, "false"),
    (None, "null"),
    (5, "5"),
    (5.0, "5"),
    (1.5, "1.5"),
    ("x", "x"),
    ([1, "a"], '[1,"a"]'),
    ({"b": 1, "a": 2}, '{"a":2,"b":1}'),
]


@pytest.mark.parametrize(("value", "text"), A3_ROWS)
def test_appendix_a3_norm1(backend: ModuleType, value: Any, text: str) -> None:
    assert backend.normalize_value(value, None) == text


class Color(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 2


class Tag(str):
    def __str__(self) -> str:
        return "overridden"


class OddFloat(float):
    """Overrides everything a float's NORM-1 text could be read through."""

    def is_integer(self) -> bool:
        return False

    def __abs__(self) -> float:
        return 0.0

    def __int__(self) -> int:
        return 7

    def __float__(self) -> float:
        return 1.5

    def __repr__(self) -> str:
        return "odd"


class Model(pydantic.BaseModel):
    id: int
    name: str


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (-0.0, "0"),
        (0.0, "0"),
        (-5.0, "-5"),
        (2.0**53 - 1, "9007199254740991"),
        (2.0**53, "9007199254740992.0"),
        (-(2.0**53), "-9007199254740992.0"),
        (1e16, "1e+16"),
        (1e-7, "1e-07"),
        (0.1, "0.1"),
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
        (float("nan"), "nan"),
        (2**70, "1180591620717411303424"),
        (-(2**63), "-9223372036854775808"),
        (Level.HIGH, "2"),
        (Tag("t"), "t"),
        (OddFloat(5.0), "5"),
        (OddFloat(2.5), "2.5"),
        (OddFloat(2.0**60), "1.152921504606847e+18"),
        ("\ud800", "\ud800"),
        ((1, None), "[1,null]"),
        ({}, "{}"),
        ({"é": "\n"}, '{"é":"\\n"}'),
    ],
)
def test_norm1_details(backend: ModuleType, value: Any, text: str) -> None:
    result = backend.normalize_value(value, None)
    assert result == text
    assert type(result) is str


def test_norm1_default(backend: ModuleType) -> None:
    calls: list[Any] = []

    def default(value: Any) -> Any:
        calls.append(value)
        return to_jsonable_python(value)

    assert backend.normalize_value(Color.RED, default) == "red"
    assert backend.normalize_value(Model(id=1, name="a"), default) == '{"id":1,"name":"a"}'
    assert calls == [Color.RED, Model(id=1, name="a")]
    # Inside a container the writer calls default for each unsupported object.
    assert backend.normalize_value([Color.RED, {Color.RED}], to_jsonable_python) == '["red",["red"]]'
    # default is called once: what it returns must have a text of its own.
    with pytest.raises(EncodeError) as info:
        backend.normalize_value(Color.RED, lambda v: v)
    assert info.value.args == ("Color is not JSON serializable",)
    with pytest.raises(EncodeError) as info:
        backend.normalize_value(Color.RED, None)
    assert info.value.args == ("Color is not JSON serializable",)
    with pytest.raises(EncodeError) as info:
        backend.normalize_value(object(), lambda v: {1, 2})
    assert info.value.args == ("set is not JSON serializable",)
    with pytest.raises(KeyError):
        backend.normalize_value(object(), lambda v: {}[v])
    with pytest.raises(EncodeError):
        backend.normalize_value([float("inf")], None)


# --- XMI-4: parsing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "entries"),
    [
        ("user;user_id=5, notifications", [{"context": "user", "params": {"user_id": "5"}}, "notifications"]),
        ("", []),
        (" \t ", []),
        (",,, ,\t,", []),
        ("  a  ,\tb\t", ["a", "b"]),
        ("a\n", ["a\n"]),  # only spaces and tabs are trimmed
        ("a b;k=v", [{"context": "a b", "params": {"k": "v"}}]),
        (";k=v, a", ["a"]),  # an empty context skips the item
        ("a;k", ["a"]),  # a part without '=' makes the entry broad
        ("a;k=1;j", ["a"]),
        ("a;", ["a"]),
        ("a;;k=1", ["a"]),
        ("a;k=", [{"context": "a", "params": {"k": ""}}]),
        ("a;=v", [{"context": "a", "params": {"": "v"}}]),
        ("a;k=x=y", [{"context": "a", "params": {"k": "x=y"}}]),  # split at the first '='
        ("a;k=%3d%3D", [{"context": "a", "params": {"k": "=="}}]),  # lower-case hex accepted
        ("a;k%20x=J%C3%BCrgen", [{"context": "a", "params": {"k x": "Jürgen"}}]),
        ("a;k=%", ["a"]),
        ("a;k=%4", ["a"]),
        ("a;k=%zz", ["a"]),
        ("a;k=%%41", ["a"]),
        ("a;%g0=1", ["a"]),
        ("a;k=%FF", ["a"]),  # not UTF-8
        ("a;k=%C3", ["a"]),  # truncated sequence
        ("a;k=%C0%80", ["a"]),  # overlong
        ("a;k=%ED%A0%80", ["a"]),  # an encoded surrogate
        ("a;k=%F4%90%80%80", ["a"]),  # above U+10FFFF
        ("a;k=%00", [{"context": "a", "params": {"k": "\x00"}}]),
        ("a;k=1;k=2;j=3", [{"context": "a", "params": {"k": "2", "j": "3"}}]),  # later duplicates win
        ("a;k=1, a;k=1", [{"context": "a", "params": {"k": "1"}}, {"context": "a", "params": {"k": "1"}}]),
        ("ü;k=ü😀", [{"context": "ü", "params": {"k": "ü😀"}}]),
    ],
)
def test_xmi4_parse(backend: ModuleType, header: str, entries: list[Any]) -> None:
    result = backend.parse_invalidate_header(header)
    assert result == entries
    for entry in result:
        assert type(entry) in (str, dict)
        if type(entry) is dict:
            assert list(entry) == ["context", "params"]


def test_parse_refusals(backend: ModuleType) -> None:
    with pytest.raises(TypeError) as info:
        backend.parse_invalidate_header(b"a")
    assert info.value.args == ("header must be a str",)
    with pytest.raises(TypeError):
        backend.parse_invalidate_header(type("S", (str,), {})("a"))
    with pytest.raises(UnicodeEncodeError) as encode_info:
        backend.parse_invalidate_header("a;k=\ud800\udc00x")
    assert encode_info.value.args == ("utf-8", "a;k=\ud800\udc00x", 4, 6, "surrogates not allowed")


# --- XMI-5: round trips -------------------------------------------------------------------


def test_xmi5_round_trip(backend: ModuleType) -> None:
    entries: list[Any] = [
        {"context": "user", "params": {"user_id": 5}},
        "notifications",
        {"context": "user", "function": "user_profile", "params": {"user_id": 5, "q": 'a;b c"d, e=f%'}},
        {"context": "feed", "function": "latest"},
        {"context": "s", "params": {"f": 2.5, "n": None, "b": False, "l": [1, {"x": "y"}], "e": "", "": "k"}},
    ]
    entries += [{"context": f"c{i}", "params": {"i": i, "name": f"ü {i};"}} for i in range(25)]
    header = backend.format_invalidate_header(entries)
    assert backend.parse_invalidate_header(header) == [
        {"context": "user", "params": {"user_id": "5"}},
        "notifications",
        {"context": "user", "params": {"user_id": "5", "q": 'a;b c"d, e=f%'}},
        "feed",
        {"context": "s", "params": {"": "k", "b": "false", "e": "", "f": "2.5", "l": '[1,{"x":"y"}]', "n": "null"}},
        *({"context": f"c{i}", "params": {"i": str(i), "name": f"ü {i};"}} for i in range(25)),
    ]


# --- compile_invalidation ---------------------------------------------------------------


def test_compile_and_repr(backend: ModuleType) -> None:
    plan = backend.compile_invalidation(
        [("user", None, ("user_id",)), ("user", "user_profile", ("user_id",))],
        [("items", "items_list", ())],
    )
    assert type(plan) is backend.InvalidationPlan
    assert repr(plan) == "<InvalidationPlan 2 targets, 1 merges>"
    assert repr(backend.compile_invalidation([], ())) == "<InvalidationPlan 0 targets, 0 merges>"
    gen_plan = backend.compile_invalidation((t for t in [("a", None, ())]), iter([]))
    assert repr(gen_plan) == "<InvalidationPlan 1 targets, 0 merges>"


@pytest.mark.parametrize(
    ("targets", "merges", "message"),
    [
        ([["user", None, ()]], [], "invalid invalidation target: ['user', None, ()]"),
        ([("user", None)], [], "invalid invalidation target: ('user', None)"),
        ([("user", None, (), 1)], [], "invalid invalidation target: ('user', None, (), 1)"),
        ([("", None, ())], [], "context must be a non-empty str"),
        ([(5, None, ())], [], "context must be a non-empty str"),
        ([(type("S", (str,), {})("u"), None, ())], [], "context must be a non-empty str"),
        ([("user", "", ())], [], "function must be a non-empty str"),
        ([(5, 5, ())], [], "function must be a non-empty str"),  # function is checked first
        ([("user", None, ["a"])], [], "params must be a tuple of str"),
        ([("user", None, ("a", 1))], [], "params must be a tuple of str"),
        ([("user", None, "ab")], [], "params must be a tuple of str"),
        ([], [("items", None, ())], "slot must be a non-empty str"),
        ([], [(None, None, ())], "context must be a non-empty str"),  # context before slot
        ([], [("items", "s", ("a", b"b"))], "params must be a tuple of str"),
        ([], [("items", "s")], "invalid merge target: ('items', 's')"),
        ([("", None, ())], [("items", "s")], "context must be a non-empty str"),  # targets first
    ],
)
def test_compile_errors(backend: ModuleType, targets: Any, merges: Any, message: str) -> None:
    with pytest.raises(ValueError) as info:
        backend.compile_invalidation(targets, merges)
    assert type(info.value) is ValueError
    assert info.value.args == (message,)


def test_compile_needs_iterables(backend: ModuleType) -> None:
    with pytest.raises(TypeError, match="'int' object is not iterable"):
        backend.compile_invalidation(5, [])
    with pytest.raises(TypeError, match="'NoneType' object is not iterable"):
        backend.compile_invalidation([], None)


# --- resolve_invalidation ---------------------------------------------------------------


def plan_of(backend: ModuleType, targets: list[Any], merges: list[Any] | None = None) -> Any:
    return backend.compile_invalidation(targets, merges or [])


def test_scoped_and_broad(backend: ModuleType) -> None:
    plan = plan_of(backend, [("user", None, ("user_id",)), ("notifications", None, ())])
    # INV-3: an argument named like a param of the context scopes it.
    assert backend.resolve_invalidation(plan, {"user_id": 5, "name": "x"}, ("user_id", "name"), None, None) == (
        [{"context": "user", "params": {"user_id": 5}}, "notifications"],
        [],
    )
    # INV-5: no matching argument, broad.
    assert backend.resolve_invalidation(plan, {"name": "x"}, ("name",), None, None) == (
        ["user", "notifications"],
        [],
    )


def test_only_supplied_names_scope(backend: ModuleType) -> None:
    plan = plan_of(backend, [("user", None, ("user_id", "org"))])
    arguments = {"user_id": 5, "org": 7}
    # org has a value (a default) but was not supplied: only user_id scopes.
    assert backend.resolve_invalidation(plan, arguments, ("user_id",), None, None)[0] == [
        {"context": "user", "params": {"user_id": 5}}
    ]
    assert backend.resolve_invalidation(plan, arguments, (), None, None)[0] == ["user"]
    # A supplied name missing from arguments is skipped; supplied order is kept.
    result = backend.resolve_invalidation(plan, {"org": 7, "user_id": 5}, ("ghost", "org", "user_id"), None, None)
    assert result[0] == [{"context": "user", "params": {"org": 7, "user_id": 5}}]
    assert list(result[0][0]["params"]) == ["org", "user_id"]


def test_function_targets(backend: ModuleType) -> None:
    plan = plan_of(backend, [("user", "user_profile", ("user_id",))])
    assert backend.resolve_invalidation(plan, {"user_id": 5}, ("user_id",), None, None)[0] == [
        {"context": "user", "function": "user_profile", "params": {"user_id": 5}}
    ]
    assert backend.resolve_invalidation(plan, {}, (), None, None)[0] == [
        {"context": "user", "function": "user_profile"}
    ]
    entry = backend.resolve_invalidation(plan, {"user_id": 5}, ("user_id",), None, None)[0][0]
    assert list(entry) == ["context", "function", "params"]


def test_dedupe_inv8(backend: ModuleType) -> None:
    plan = plan_of(
        backend,
        [
            ("user", None, ("user_id",)),
            ("feed", None, ()),
            ("user", None, ("user_id",)),  # the same scoped entry twice
            ("feed", None, ()),  # broad twice
            ("user", None, ("user_id", "other")),  # different set, same scoped params
            ("user", "f", ("user_id",)),  # a function entry differs from the context entry
            ("user", None, ()),  # broad differs from scoped
        ],
    )
    invalidate, _ = backend.resolve_invalidation(plan, {"user_id": 5}, ("user_id",), None, None)
    assert invalidate == [
        {"context": "user", "params": {"user_id": 5}},
        "feed",
        {"context": "user", "function": "f", "params": {"user_id": 5}},
        "user",
    ]
    # Canonical JSON decides: 1, 1.0 and True are different values.
    plan = plan_of(backend, [("a", None, ("x",)), ("a", None, ("x", "y")), ("a", None, ("x", "z"))])
    assert backend.resolve_invalidation(plan, {"x": 1}, ("x",), None, None)[0] == [{"context": "a", "params": {"x": 1}}]


def test_declaration_order(backend: ModuleType) -> None:
    names = [f"c{i}" for i in range(30)]
    plan = plan_of(backend, [(name, None, ()) for name in reversed(names)])
    assert backend.resolve_invalidation(plan, {}, (), None, None)[0] == list(reversed(names))


def test_merge_entries_mrg4(backend: ModuleType) -> None:
    value = {"id": 42, "name": "renamed"}
    plan = plan_of(backend, [], [("items", "items_list", ()), ("item", "item_detail", ("id",))])
    invalidate, merge = backend.resolve_invalidation(plan, {"id": 42, "name": "renamed"}, ("id", "name"), value, None)
    assert invalidate == []
    assert merge == [
        {"context": "items", "slot": "items_list", "value": value},
        {"context": "item", "slot": "item_detail", "value": value, "params": {"id": 42}},
    ]
    assert all(entry["value"] is value for entry in merge)
    assert list(merge[1]) == ["context", "slot", "value", "params"]
    # Merge entries are not deduplicated (MRG-5 keeps target order).
    plan = plan_of(backend, [], [("items", "s", ()), ("items", "s", ())])
    assert len(backend.resolve_invalidation(plan, {}, (), None, None)[1]) == 2


def test_entries_are_fresh_objects(backend: ModuleType) -> None:
    plan = plan_of(backend, [("a", None, ("x",)), ("b", None, ("x",))], [("c", "s", ("x",))])
    invalidate, merge = backend.resolve_invalidation(plan, {"x": 1}, ("x",), None, None)
    params = [invalidate[0]["params"], invalidate[1]["params"], merge[0]["params"]]
    assert params[0] == params[1] == params[2] == {"x": 1}
    assert len({id(p) for p in params}) == 3
    params[0]["y"] = 2
    assert invalidate[1]["params"] == {"x": 1}


class Plain:
    pass


def test_default_converts_non_primitive_arguments(backend: ModuleType) -> None:
    calls: list[Any] = []

    def default(value: Any) -> Any:
        calls.append(value)
        return to_jsonable_python(value)

    plan = plan_of(
        backend,
        [("a", None, ("color", "model", "n", "s", "f", "b", "none", "level", "tags"))],
        [("m", "slot", ("color",)), ("k", "slot", ("tags", "color"))],
    )
    model = Model(id=1, name="x")
    arguments = {
        "color": Color.RED,
        "model": model,
        "n": 5,
        "s": "t",
        "f": 1.5,
        "b": True,
        "none": None,
        "level": Level.HIGH,
        "tags": ["x"],
    }
    invalidate, merge = backend.resolve_invalidation(plan, arguments, tuple(arguments), "v", default)
    assert invalidate == [
        {
            "context": "a",
            "params": {
                "color": "red",
                "model": {"id": 1, "name": "x"},
                "n": 5,
                "s": "t",
                "f": 1.5,
                "b": True,
                "none": None,
                "level": 2,
                "tags": ["x"],
            },
        }
    ]
    assert type(invalidate[0]["params"]["level"]) is int
    assert merge == [
        {"context": "m", "slot": "slot", "value": "v", "params": {"color": "red"}},
        {"context": "k", "slot": "slot", "value": "v", "params": {"color": "red", "tags": ["x"]}},
    ]
    # Each distinct param set is computed once per call: three sets, so three calls for color.
    assert calls.count(Color.RED) == 3 and calls.count(model) == 1
    # Without default non-primitive values stay as they are, and the dedupe key refuses them.
    with pytest.raises(EncodeError) as info:
        backend.resolve_invalidation(plan, {"color": Color.RED}, ("color",), None, None)
    assert info.value.args == ("Color is not JSON serializable",)
    # A raising default propagates.
    with pytest.raises(ZeroDivisionError):
        backend.resolve_invalidation(plan, {"color": Plain()}, ("color",), None, lambda v: 1 / 0)


def test_scope_is_computed_once_per_distinct_set(backend: ModuleType) -> None:
    calls: list[Any] = []

    def default(value: Any) -> Any:
        calls.append(value)
        return "x"

    plan = plan_of(
        backend, [("a", None, ("p", "q")), ("b", None, ("q", "p")), ("c", None, ("p",))], [("d", "s", ("p",))]
    )
    backend.resolve_invalidation(plan, {"p": Plain()}, ("p",), None, default)
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("plan", {}, ()), "plan must be an InvalidationPlan"),
        ((None, {}, ()), "plan must be an InvalidationPlan"),
        ((..., [], ()), "arguments must be a dict"),
        ((..., type("D", (dict,), {})(), ()), "arguments must be a dict"),
        ((..., {}, ["a"]), "supplied must be a tuple"),
        ((..., {}, None), "supplied must be a tuple"),
    ],
)
def test_resolve_argument_checks(backend: ModuleType, args: tuple[Any, ...], message: str) -> None:
    plan = plan_of(backend, [("a", None, ())])
    args = tuple(plan if a is ... else a for a in args)
    with pytest.raises(TypeError) as info:
        backend.resolve_invalidation(*args, None, None)
    assert info.value.args == (message,)


def test_plans_of_one_backend_only(c_ext: ModuleType, py_impl: ModuleType) -> None:
    c_plan = c_ext.compile_invalidation([("a", None, ())], [])
    py_plan = py_impl.compile_invalidation([("a", None, ())], [])
    with pytest.raises(TypeError, match="plan must be an InvalidationPlan"):
        c_ext.resolve_invalidation(py_plan, {}, (), None, None)
    with pytest.raises(TypeError, match="plan must be an InvalidationPlan"):
        py_impl.resolve_invalidation(c_plan, {}, (), None, None)


def test_odd_supplied_names(backend: ModuleType) -> None:
    plan = plan_of(backend, [("a", None, ("x",))])
    # Names that are not str never match; an unhashable one fails as `in frozenset` does.
    assert backend.resolve_invalidation(plan, {"x": 1}, (5, None, "x", {1}), None, None)[0] == [
        {"context": "a", "params": {"x": 1}}
    ]
    with pytest.raises(TypeError, match="unhashable"):
        backend.resolve_invalidation(plan, {"x": 1}, ([],), None, None)


@pytest.mark.parametrize(
    ("name", "nargs", "message"),
    [
        ("compile_invalidation", 1, "compile_invalidation() missing 1 required positional argument: 'merges'"),
        ("compile_invalidation", 3, "compile_invalidation() takes 2 positional arguments but 3 were given"),
        (
            "resolve_invalidation",
            2,
            "resolve_invalidation() missing 3 required positional arguments: 'supplied', 'value', and 'default'",
        ),
        ("normalize_value", 0, "normalize_value() missing 2 required positional arguments: 'value' and 'default'"),
        ("format_invalidate_header", 2, "format_invalidate_header() takes 1 positional argument but 2 were given"),
        ("parse_invalidate_header", 0, "parse_invalidate_header() missing 1 required positional argument: 'header'"),
    ],
)
def test_argument_counts(backend: ModuleType, name: str, nargs: int, message: str) -> None:
    with pytest.raises(TypeError) as info:
        getattr(backend, name)(*[None] * nargs)
    assert info.value.args == (message,)


def test_plans_are_collected(backend: ModuleType) -> None:
    plan = plan_of(backend, [("a", None, ("x",))], [("b", "s", ())])
    gc.collect()
    assert backend.resolve_invalidation(plan, {"x": 1}, ("x",), 0, None) == (
        [{"context": "a", "params": {"x": 1}}],
        [{"context": "b", "slot": "s", "value": 0}],
    )
    del plan
    gc.collect()


# --- the C type ---------------------------------------------------------------------------

IMMUTABLETYPE, HEAPTYPE, HAVE_GC = 1 << 8, 1 << 9, 1 << 14


def test_c_plan_type(c_ext: ModuleType) -> None:
    flags = c_ext.InvalidationPlan.__flags__
    assert flags & HEAPTYPE and flags & IMMUTABLETYPE and flags & HAVE_GC
    assert c_ext.InvalidationPlan.__module__ == "mizan._speedups"
    assert any(r is c_ext.InvalidationPlan for r in gc.get_referents(c_ext))
    plan = c_ext.compile_invalidation([("user", "f", ("a", "b"))], [("items", "slot", ("a",))])
    referents = gc.get_referents(plan)
    assert c_ext.InvalidationPlan in referents and "user" in referents and "slot" in referents
    assert frozenset({"a"}) in next(r for r in referents if type(r) is tuple)


def test_c_plan_belongs_to_its_module(c_ext: ModuleType) -> None:
    spec = importlib.util.spec_from_file_location("mizan._speedups", c_ext.__file__)
    assert spec is not None and spec.loader is not None
    other = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(other)
    plan = other.compile_invalidation([("a", None, ("x",))], [])
    assert other.resolve_invalidation(plan, {"x": 1}, ("x",), None, None)[0] == [{"context": "a", "params": {"x": 1}}]
    with pytest.raises(TypeError, match="plan must be an InvalidationPlan"):
        c_ext.resolve_invalidation(plan, {}, (), None, None)
    with pytest.raises(EncodeError):  # the one hierarchy, from the other module's state too
        other.normalize_value(object(), None)
    del other, plan
    gc.collect()
