"""The validation unit on both backends: compile_params, validate_args and ParamSpec."""

from __future__ import annotations

import enum
import gc
from collections.abc import Callable
from types import ModuleType
from typing import Any, Literal

import pydantic
import pytest
from pydantic import TypeAdapter

from mizan.core.errors import ValidationError

REQUIRED, DEFAULT_VALUE, DEFAULT_FACTORY = 0, 1, 2

Fallback = Callable[[Any], tuple[bool, Any]]


def fb(tp: Any) -> Fallback:
    """A fallback validating with Pydantic's lax rules for `tp` (what mizan.core.signature builds)."""
    ta = TypeAdapter(tp)

    def f(v: Any) -> tuple[bool, Any]:
        try:
            return True, ta.validate_python(v)
        except pydantic.ValidationError as e:
            return False, [(tuple(x["loc"]), x["msg"]) for x in e.errors(include_url=False)]

    return f


class Recorder:
    """Wraps a fallback and records the values it was called with."""

    def __init__(self, inner: Fallback) -> None:
        self.inner = inner
        self.calls: list[Any] = []

    def __call__(self, value: Any) -> tuple[bool, Any]:
        self.calls.append(value)
        return self.inner(value)


def pyd(tp: Any, value: Any) -> Any:
    return TypeAdapter(tp).validate_python(value)


def pyd_errors(tp: Any, value: Any, *prefix: str | int) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(pydantic.ValidationError) as info:
        TypeAdapter(tp).validate_python(value)
    return [((*prefix, *x["loc"]), x["msg"]) for x in info.value.errors(include_url=False)]


def spec1(backend: ModuleType, node: tuple[Any, ...], default_kind: int = REQUIRED, default: Any = None) -> Any:
    return backend.compile_params([("x", node, default_kind, default)])


def ok(backend: ModuleType, spec: Any, args: dict[str, Any]) -> dict[str, Any]:
    kwargs, supplied = backend.validate_args(spec, args)
    assert type(kwargs) is dict and type(supplied) is tuple
    return kwargs  # type: ignore[no-any-return]


def errors(backend: ModuleType, spec: Any, args: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as info:
        backend.validate_args(spec, args)
    assert type(info.value) is ValidationError
    assert info.value.args == (info.value.errors,)
    return info.value.errors


def one(backend: ModuleType, node: tuple[Any, ...], value: Any) -> Any:
    return ok(backend, spec1(backend, node), {"x": value})["x"]


# --- node kinds ------------------------------------------------------------------------------


def test_any(backend: ModuleType) -> None:
    thing = object()
    assert one(backend, ("any", None, None), thing) is thing
    assert one(backend, ("any", "ignored", "ignored"), None) is None


def test_str(backend: ModuleType) -> None:
    rec = Recorder(fb(str))
    text = "".join(["a", "b"])
    assert one(backend, ("str", rec, None), text) is text
    assert rec.calls == []

    class S(str):
        pass

    assert one(backend, ("str", rec, None), S("s")) == "s"
    assert one(backend, ("str", rec, None), b"x") == "x"
    assert len(rec.calls) == 2
    assert errors(backend, spec1(backend, ("str", rec, None)), {"x": 1}) == pyd_errors(str, 1, "x")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", 0), ("-0", 0), ("12", 12), ("-999999999999999999", -999999999999999999), ("100000000000000000", 10**17)],
)
def test_int_fast_text(backend: ModuleType, value: str, expected: int) -> None:
    rec = Recorder(fb(int))
    result = one(backend, ("int", rec, None), value)
    assert result == expected and type(result) is int
    assert rec.calls == []


@pytest.mark.parametrize(
    "value",
    [" 12", "12 ", "1_000", "007", "-00", "+5", "1234567890123456789", "١٢", "12\n", "1.0", 1.0, True, False, "-"],
)
def test_int_fallback(backend: ModuleType, value: Any) -> None:
    rec = Recorder(fb(int))
    spec = spec1(backend, ("int", rec, None))
    try:
        expected = pyd(int, value)
    except pydantic.ValidationError:
        assert errors(backend, spec, {"x": value}) == pyd_errors(int, value, "x")
    else:
        result = ok(backend, spec, {"x": value})["x"]
        assert result == expected and type(result) is type(expected)
    assert rec.calls == [value]


def test_int_exact(backend: ModuleType) -> None:
    rec = Recorder(fb(int))
    big = 10**40
    assert one(backend, ("int", rec, None), big) is big
    assert rec.calls == []
    assert errors(backend, spec1(backend, ("int", rec, None)), {"x": "abc"}) == [
        (("x",), "Input should be a valid integer, unable to parse string as an integer")
    ]


def test_float(backend: ModuleType) -> None:
    rec = Recorder(fb(float))
    node = ("float", rec, None)
    value = 1.5
    assert one(backend, node, value) is value
    for number in (3, -(2**53), 2**53, 0):
        result = one(backend, node, number)
        assert result == float(number) and type(result) is float
    assert rec.calls == []
    assert one(backend, node, 2**53 + 1) == pyd(float, 2**53 + 1)
    nan = one(backend, node, float("nan"))
    assert nan != nan
    assert one(backend, node, float("inf")) == float("inf")
    assert one(backend, node, "1.5") == 1.5
    assert one(backend, node, True) == 1.0
    assert rec.calls[0] == 2**53 + 1 and len(rec.calls) == 5
    assert errors(backend, spec1(backend, node), {"x": "x"}) == pyd_errors(float, "x", "x")


def test_bool(backend: ModuleType) -> None:
    rec = Recorder(fb(bool))
    node = ("bool", rec, None)
    assert one(backend, node, True) is True
    assert one(backend, node, "true") is True
    assert one(backend, node, "false") is False
    assert rec.calls == []
    assert one(backend, node, "yes") is True
    assert one(backend, node, "True") is True
    assert one(backend, node, 0) is False
    assert rec.calls == ["yes", "True", 0]
    assert errors(backend, spec1(backend, node), {"x": 2}) == pyd_errors(bool, 2, "x")


def test_none(backend: ModuleType) -> None:
    rec = Recorder(fb(None))
    node = ("none", rec, None)
    assert one(backend, node, None) is None
    assert rec.calls == []
    assert errors(backend, spec1(backend, node), {"x": 0}) == [(("x",), "Input should be None")]
    assert rec.calls == [0]


def test_optional(backend: ModuleType) -> None:
    rec = Recorder(fb(int))
    node = ("optional", None, ("int", rec, None))
    assert one(backend, node, None) is None
    assert one(backend, node, "5") == 5
    assert rec.calls == []
    assert one(backend, node, " 5") == 5
    assert errors(backend, spec1(backend, node), {"x": "z"}) == pyd_errors(int | None, "z", "x")
    # Optional of optional of list.
    node2 = ("optional", "ignored", ("optional", None, ("list", fb(list[int]), ("int", fb(int), None))))
    assert one(backend, node2, None) is None
    assert one(backend, node2, ["1", 2]) == [1, 2]


def test_list(backend: ModuleType) -> None:
    outer = Recorder(fb(list[int]))
    inner = Recorder(fb(int))
    node = ("list", outer, ("int", inner, None))
    value = [1, "2", " 3"]
    result = one(backend, node, value)
    assert result == [1, 2, 3] and result is not value and type(result) is list
    assert outer.calls == [] and inner.calls == [" 3"]
    # Not an exact list: the list's own fallback decides.
    assert one(backend, node, (1, "2")) == [1, 2]

    class L(list):  # type: ignore[type-arg]
        pass

    assert one(backend, node, L(["4"])) == [4]
    assert len(outer.calls) == 2
    # Element errors accumulate with the index in the loc; the list fallback is not asked.
    assert errors(backend, spec1(backend, node), {"x": ["a", 1, "b", 2.5]}) == [
        (("x", 0), "Input should be a valid integer, unable to parse string as an integer"),
        (("x", 2), "Input should be a valid integer, unable to parse string as an integer"),
        (("x", 3), "Input should be a valid integer, got a number with a fractional part"),
    ]
    assert len(outer.calls) == 2
    assert errors(backend, spec1(backend, node), {"x": "abc"}) == pyd_errors(list[int], "abc", "x")
    assert one(backend, node, []) == []


def test_nested_lists(backend: ModuleType) -> None:
    node = ("list", fb(list[list[int]]), ("list", fb(list[int]), ("int", fb(int), None)))
    assert one(backend, node, [[1], ["2", 3], []]) == [[1], [2, 3], []]
    assert errors(backend, spec1(backend, node), {"x": [[1], ["a", [1]], "z"]}) == [
        (("x", 1, 0), "Input should be a valid integer, unable to parse string as an integer"),
        (("x", 1, 1), "Input should be a valid integer"),
        (("x", 2), "Input should be a valid list"),
    ]


def test_literal(backend: ModuleType) -> None:
    allowed = "".join(["a", "b"])
    rec = Recorder(fb(Literal["ab", 1, True, None]))
    node = ("literal", rec, (allowed, 1, True, None))
    assert one(backend, node, "ab") is allowed
    assert one(backend, node, 1) == 1
    assert one(backend, node, True) is True
    assert one(backend, node, None) is None
    assert rec.calls == []
    # Exact type: 1.0 is not the int 1 and False is not 0; the fallback decides.
    assert one(backend, node, 1.0) == pyd(Literal["ab", 1, True, None], 1.0)
    assert errors(backend, spec1(backend, node), {"x": "AB"}) == pyd_errors(Literal["ab", 1, True, None], "AB", "x")
    assert rec.calls == [1.0, "AB"]


def test_literal_equality_has_no_identity_shortcut(backend: ModuleType) -> None:
    nan = float("nan")
    rec = Recorder(lambda v: (False, [((), "no")]))
    assert errors(backend, spec1(backend, ("literal", rec, (nan,))), {"x": nan}) == [(("x",), "no")]
    assert rec.calls == [nan]


def test_literal_equality_errors_propagate(backend: ModuleType) -> None:
    class Weird:
        def __eq__(self, other: object) -> bool:
            raise RuntimeError("eq")

        __hash__ = object.__hash__

    with pytest.raises(RuntimeError, match="eq"):
        backend.validate_args(spec1(backend, ("literal", fb(Any), (Weird(),))), {"x": Weird()})


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


def test_enum(backend: ModuleType) -> None:
    rec = Recorder(fb(Color))
    node = ("enum", rec, tuple((m.value, m) for m in Color))
    assert one(backend, node, "red") is Color.RED
    assert rec.calls == []
    assert one(backend, node, Color.GREEN) is Color.GREEN
    assert errors(backend, spec1(backend, node), {"x": "blue"}) == pyd_errors(Color, "blue", "x")
    assert len(rec.calls) == 2

    rec2 = Recorder(fb(Level))
    node2 = ("enum", rec2, tuple((m.value, m) for m in Level))
    assert one(backend, node2, 2) is Level.HIGH
    assert rec2.calls == []
    assert one(backend, node2, "1") is pyd(Level, "1")
    assert one(backend, node2, True) is pyd(Level, True)
    assert errors(backend, spec1(backend, node2), {"x": 3}) == pyd_errors(Level, 3, "x")
    assert rec2.calls == ["1", True, 3]


class Inner(pydantic.BaseModel):
    a: int
    b: list[str] = []


def test_delegate_prefixes_locs(backend: ModuleType) -> None:
    rec = Recorder(fb(Inner))
    node = ("delegate", rec, None)
    assert one(backend, node, {"a": "1"}) == Inner(a=1)
    assert errors(backend, spec1(backend, node), {"x": {"a": "z", "b": [1]}}) == [
        (("x", "a"), "Input should be a valid integer, unable to parse string as an integer"),
        (("x", "b", 0), "Input should be a valid string"),
    ]
    # Inside a list the index comes between the name and the model's own loc.
    node2 = ("list", fb(list[Inner]), node)
    assert errors(backend, spec1(backend, node2), {"x": [{"a": 1}, {}]}) == [(("x", 1, "a"), "Field required")]
    assert rec.calls == [{"a": "1"}, {"a": "z", "b": [1]}, {"a": 1}, {}]


# --- fallbacks --------------------------------------------------------------------------------


def test_fallback_result_shapes(backend: ModuleType) -> None:
    def spec_with(f: Fallback) -> Any:
        return spec1(backend, ("delegate", f, None))

    assert ok(backend, spec_with(lambda v: [1, "list pair"]), {"x": 0}) == {"x": "list pair"}
    assert ok(backend, spec_with(lambda v: iter([True, "iter pair"])), {"x": 0}) == {"x": "iter pair"}
    assert ok(backend, spec_with(lambda v: ("yes", "truthy")), {"x": 0}) == {"x": "truthy"}
    # Locs of any iterable; messages are kept as given.
    assert errors(backend, spec_with(lambda v: (0, [(["a", 1], "m1"), ((), 7), iter([("b",), "m3"])])), {"x": 0}) == [
        (("x", "a", 1), "m1"),
        (("x",), 7),
        (("x", "b"), "m3"),
    ]
    assert errors(backend, spec_with(lambda v: (False, iter([("ab", "m")]))), {"x": 0}) == [(("x", "a", "b"), "m")]
    # A failure that reports no error omits the value (and raises nothing).
    assert backend.validate_args(spec_with(lambda v: (False, [])), {"x": 0}) == ({}, ("x",))


@pytest.mark.parametrize(
    ("result", "exc", "message"),
    [
        (None, TypeError, "cannot unpack non-iterable NoneType object"),
        (5, TypeError, "cannot unpack non-iterable int object"),
        ((True,), ValueError, r"not enough values to unpack \(expected 2, got 1\)"),
        ((True, 1, 2), ValueError, r"too many values to unpack \(expected 2\)"),
        ((False, None), TypeError, "'NoneType' object is not iterable"),
        ((False, [("a", "b", "c")]), ValueError, r"too many values to unpack \(expected 2\)"),
        ((False, [(1, "m")]), TypeError, "'int' object is not iterable"),
    ],
)
def test_bad_fallback_results(backend: ModuleType, result: Any, exc: type[Exception], message: str) -> None:
    spec = spec1(backend, ("delegate", lambda v: result, None))
    with pytest.raises(exc, match=message):
        backend.validate_args(spec, {"x": 0})


def test_fallback_exceptions_propagate(backend: ModuleType) -> None:
    error = LookupError("boom")

    def explode(v: Any) -> Any:
        raise error

    with pytest.raises(LookupError) as info:
        backend.validate_args(spec1(backend, ("int", explode, None)), {"x": "z"})
    assert info.value is error

    class Falsy:
        def __bool__(self) -> bool:
            raise ArithmeticError("bool")

    with pytest.raises(ArithmeticError):
        backend.validate_args(spec1(backend, ("delegate", lambda v: (Falsy(), v), None)), {"x": 0})


def test_fallback_may_mutate_its_input(backend: ModuleType) -> None:
    args: dict[str, Any] = {"x": ["1", "a", "2"], "y": 5}

    def mutate(v: Any) -> tuple[bool, Any]:
        args.clear()
        items.append("3")
        return True, 0

    items = args["x"]
    spec = backend.compile_params(
        [("x", ("list", fb(list[int]), ("int", mutate, None)), REQUIRED, None), ("y", ("int", fb(int), None), 1, 9)]
    )
    # The list is read as a list iterator reads it (appended items are seen); y was
    # removed from args before it was looked up, so its default applies.
    assert backend.validate_args(spec, args) == ({"x": [1, 0, 2, 3], "y": 9}, ("x",))


# --- parameters: defaults, supplied, errors ------------------------------------------------------


def test_defaults(backend: ModuleType) -> None:
    sentinel = ["shared"]
    made: list[list[str]] = []

    def factory() -> list[str]:
        made.append([])
        return made[-1]

    spec = backend.compile_params(
        [
            ("a", ("int", fb(int), None), REQUIRED, None),
            ("b", ("any", None, None), DEFAULT_VALUE, sentinel),
            ("c", ("any", None, None), DEFAULT_FACTORY, factory),
            ("d", ("any", None, None), True, "true is DEFAULT_VALUE"),
            ("e", ("any", None, None), 2.0, lambda: "2.0 is DEFAULT_FACTORY"),
        ]
    )
    kwargs, supplied = backend.validate_args(spec, {"a": 1})
    assert kwargs == {"a": 1, "b": sentinel, "c": [], "d": "true is DEFAULT_VALUE", "e": "2.0 is DEFAULT_FACTORY"}
    assert kwargs["b"] is sentinel and kwargs["c"] is made[0]
    assert list(kwargs) == ["a", "b", "c", "d", "e"]
    assert supplied == ("a",)
    again, _ = backend.validate_args(spec, {"a": 2})
    assert again["b"] is sentinel and again["c"] is made[1] and made[0] is not made[1]
    # A supplied value wins; the factory is not called.
    kwargs, supplied = backend.validate_args(spec, {"c": "given", "a": 3, "b": None})
    assert kwargs["c"] == "given" and kwargs["b"] is None and len(made) == 2
    assert supplied == ("a", "b", "c")


def test_factory_runs_before_the_errors_are_raised(backend: ModuleType) -> None:
    made: list[int] = []
    spec = backend.compile_params(
        [
            ("a", ("int", fb(int), None), REQUIRED, None),
            ("b", ("any", None, None), DEFAULT_FACTORY, lambda: made.append(1)),
        ]
    )
    assert errors(backend, spec, {}) == [(("a",), "Field required")]
    assert made == [1]

    def boom() -> None:
        raise OSError("factory")

    spec2 = backend.compile_params([("a", ("any", None, None), DEFAULT_FACTORY, boom)])
    with pytest.raises(OSError, match="factory"):
        backend.validate_args(spec2, {})


def test_supplied_and_extra_args(backend: ModuleType) -> None:
    spec = backend.compile_params(
        [(name, ("optional", None, ("str", fb(str), None)), DEFAULT_VALUE, None) for name in ("p", "q", "r")]
    )
    kwargs, supplied = backend.validate_args(spec, {"zzz": 1, "r": None, "p": "x", "extra": object()})
    assert kwargs == {"p": "x", "q": None, "r": None}
    assert supplied == ("p", "r")
    assert backend.validate_args(spec, {}) == ({"p": None, "q": None, "r": None}, ())


def test_error_accumulation_order(backend: ModuleType) -> None:
    spec = backend.compile_params(
        [
            ("first", ("int", fb(int), None), REQUIRED, None),
            ("second", ("list", fb(list[bool]), ("bool", fb(bool), None)), REQUIRED, None),
            ("third", ("str", fb(str), None), REQUIRED, None),
            ("fourth", ("delegate", fb(Inner), None), DEFAULT_VALUE, None),
            ("fifth", ("str", fb(str), None), REQUIRED, None),
        ]
    )
    assert errors(backend, spec, {"fifth": 5, "second": ["x", True, "z"], "fourth": {"b": 1}, "first": "1"}) == [
        (("second", 0), "Input should be a valid boolean, unable to interpret input"),
        (("second", 2), "Input should be a valid boolean, unable to interpret input"),
        (("third",), "Field required"),
        (("fourth", "a"), "Field required"),
        (("fourth", "b"), "Input should be a valid list"),
        (("fifth",), "Input should be a valid string"),
    ]
    with pytest.raises(ValidationError) as info:
        backend.validate_args(spec, {"second": [], "fifth": ""})
    assert info.value.path == ("first",)
    assert info.value.details == {"fields": {"first": ["Field required"], "third": ["Field required"]}}


def test_validate_args_type_errors(backend: ModuleType, py_impl: ModuleType) -> None:
    spec = spec1(backend, ("any", None, None))
    with pytest.raises(TypeError, match="args must be a dict"):
        backend.validate_args(spec, [("x", 1)])
    with pytest.raises(TypeError, match="args must be a dict"):
        backend.validate_args(spec, None)
    with pytest.raises(TypeError, match="spec must be a ParamSpec"):
        backend.validate_args(None, {})
    with pytest.raises(TypeError, match="spec must be a ParamSpec"):
        backend.validate_args([("x", ("any", None, None), 0, None)], {})
    if backend is not py_impl:
        with pytest.raises(TypeError, match="spec must be a ParamSpec"):
            backend.validate_args(py_impl.compile_params([]), {})
    with pytest.raises(TypeError, match=r"validate_args\(\) missing 1 required positional argument: 'args'"):
        backend.validate_args(spec)


def test_dict_subclass_args_are_read_as_dicts(backend: ModuleType) -> None:
    class Sneaky(dict):  # type: ignore[type-arg]
        def __contains__(self, key: object) -> bool:
            return True

        def __getitem__(self, key: Any) -> Any:
            return "sneaky"

        def __missing__(self, key: Any) -> Any:
            return "missing"

    spec = backend.compile_params([("a", ("any", None, None), 0, None), ("b", ("any", None, None), 1, "dflt")])
    assert backend.validate_args(spec, Sneaky(a=1)) == ({"a": 1, "b": "dflt"}, ("a",))

    class Proxy:
        @property  # type: ignore[misc]
        def __class__(self) -> type:
            return dict

    with pytest.raises(TypeError, match="args must be a dict"):
        backend.validate_args(spec, Proxy())


# --- compile_params ---------------------------------------------------------------------------


INT = ("int", fb(int), None)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([["a", INT, 0, None]], "invalid parameter entry: ['a', ('int', "),
        ([("a", INT, 0)], "invalid parameter entry: ('a', ('int', "),
        ([(1, INT, 0, None)], "parameter name must be a str"),
        ([(b"a", INT, 0, None)], "parameter name must be a str"),
        ([("a", INT, 0, None), ("a", INT, 0, None)], "duplicate parameter 'a'"),
        ([("a", INT, 3, None)], "invalid default kind for 'a'"),
        ([("a", INT, "0", None)], "invalid default kind for 'a'"),
        ([("a", INT, None, None)], "invalid default kind for 'a'"),
        ([("a", INT, -1, None)], "invalid default kind for 'a'"),
        ([("a", INT, 2, "not callable")], "default factory of 'a' is not callable"),
        ([("a", ("int",), 0, None)], "invalid parameter spec node: ('int',)"),
        ([("a", ["int", None, None], 0, None)], "invalid parameter spec node: ['int', None, None]"),
        ([("a", ("bogus", None, None), 0, None)], "invalid parameter spec node: ('bogus', None, None)"),
        ([("a", (b"int", None, None), 0, None)], "invalid parameter spec node: (b'int', None, None)"),
        ([("a", ("Int", None, None), 0, None)], "invalid parameter spec node: ('Int', None, None)"),
        ([("a", ("int\x00", None, None), 0, None)], "invalid parameter spec node: ('int\\x00', None, None)"),
        ([("a", ("\ud800", None, None), 0, None)], "invalid parameter spec node: ('\\ud800', None, None)"),
        ([("a", ("int", None, None), 0, None)], "int node needs a callable fallback"),
        ([("a", ("delegate", "f", None), 0, None)], "delegate node needs a callable fallback"),
        ([("a", ("list", None, INT), 0, None)], "list node needs a callable fallback"),
        ([("a", ("list", fb(list), None), 0, None)], "invalid parameter spec node: None"),
        ([("a", ("optional", None, "int"), 0, None)], "invalid parameter spec node: 'int'"),
        ([("a", ("literal", fb(Any), ["a"]), 0, None)], "literal node needs a tuple of values"),
        ([("a", ("enum", fb(Any), [("a", 1)]), 0, None)], "enum node needs a tuple of (value, member) pairs"),
        ([("a", ("enum", fb(Any), (("a", 1), ("b",))), 0, None)], "enum node needs a tuple of (value, member) pairs"),
        ([("a", ("enum", fb(Any), ("a",)), 0, None)], "enum node needs a tuple of (value, member) pairs"),
    ],
)
def test_compile_errors(backend: ModuleType, params: Any, message: str) -> None:
    with pytest.raises(ValueError) as info:
        backend.compile_params(params)
    assert type(info.value) is ValueError
    assert str(info.value).startswith(message)


def test_compile_checks_each_entry_in_order(backend: ModuleType) -> None:
    # Name, duplicate, default kind, factory, then the node; entry by entry.
    with pytest.raises(ValueError, match="parameter name must be a str"):
        backend.compile_params([(1, "bad node", 9, None)])
    with pytest.raises(ValueError, match="invalid default kind"):
        backend.compile_params([("a", "bad node", 9, None)])
    with pytest.raises(ValueError, match="is not callable"):
        backend.compile_params([("a", "bad node", 2, None)])
    with pytest.raises(ValueError, match="invalid parameter spec node"):
        backend.compile_params([("a", "bad node", 0, None), (1, INT, 0, None)])
    with pytest.raises(ValueError, match="fallback"):
        backend.compile_params([("a", ("list", None, "bad"), 0, None)])


def test_spec_depth_limit(backend: ModuleType) -> None:
    def optional_chain(count: int) -> tuple[Any, ...]:
        node: tuple[Any, ...] = INT
        for _ in range(count):
            node = ("optional", None, node)
        return node

    spec = spec1(backend, optional_chain(64))  # 65 nodes: depths 0..64
    assert ok(backend, spec, {"x": "7"}) == {"x": 7}
    with pytest.raises(ValueError, match="parameter spec nested too deeply"):
        spec1(backend, optional_chain(65))

    def list_chain(count: int) -> tuple[Any, ...]:
        node: tuple[Any, ...] = INT
        for _ in range(count):
            node = ("list", fb(Any), node)
        return node

    value: Any = "1"
    for _ in range(64):
        value = [value]
    expected: Any = 1
    for _ in range(64):
        expected = [expected]
    assert ok(backend, spec1(backend, list_chain(64)), {"x": value}) == {"x": expected}
    bad = value
    while isinstance(bad[0], list):
        bad = bad[0]
    bad[0] = "z"
    (loc, _), *rest = errors(backend, spec1(backend, list_chain(64)), {"x": value})
    assert loc == ("x",) + (0,) * 64 and rest == []


def test_compile_accepts_any_iterable(backend: ModuleType) -> None:
    spec = backend.compile_params(e for e in [("a", INT, 0, None), ("b", ("any", None, None), 1, 2)])
    assert spec.names == ("a", "b")
    assert backend.compile_params(()).names == ()
    with pytest.raises(TypeError, match="'int' object is not iterable"):
        backend.compile_params(5)

    def broken() -> Any:
        yield ("a", INT, 0, None)
        raise KeyError("gen")

    with pytest.raises(KeyError):
        backend.compile_params(broken())


def test_compile_comparison_errors_propagate(backend: ModuleType) -> None:
    class Weird:
        def __eq__(self, other: object) -> bool:
            raise RuntimeError("cmp")

        __hash__ = object.__hash__

    with pytest.raises(RuntimeError, match="cmp"):
        backend.compile_params([("a", INT, Weird(), None)])


# --- ParamSpec ---------------------------------------------------------------------------------


def test_paramspec(backend: ModuleType) -> None:
    spec = backend.compile_params([("a", INT, 0, None), ("bee", INT, 0, None)])
    assert isinstance(spec, backend.ParamSpec)
    assert spec.names == ("a", "bee")
    assert repr(spec) == "<ParamSpec a, bee>"
    assert repr(backend.compile_params([])) == "<ParamSpec >"
    with pytest.raises(AttributeError):
        spec.names = ("c",)
    assert spec.names == ("a", "bee")


def test_paramspec_type_is_sealed(c_ext: ModuleType) -> None:
    with pytest.raises(TypeError):
        c_ext.ParamSpec([])
    with pytest.raises(TypeError):

        class Sub(c_ext.ParamSpec):  # type: ignore[misc, name-defined]
            pass

    with pytest.raises(TypeError):
        c_ext.ParamSpec.extra = 1
    assert c_ext.ParamSpec.__module__ == "mizan._speedups"
    assert c_ext.ParamSpec.__qualname__ == "ParamSpec"


def test_paramspec_in_a_cycle_is_collected(backend: ModuleType) -> None:
    finalized: list[str] = []

    class Canary:
        def __del__(self) -> None:
            finalized.append("gone")

    def make_cycle() -> None:
        holder: list[Any] = []
        canary = Canary()

        def fallback(v: Any) -> tuple[bool, Any]:
            return True, (holder, canary)

        holder.append(backend.compile_params([("a", ("delegate", fallback, None), 0, None)]))
        assert ok(backend, holder[0], {"a": 1})["a"][0] is holder

    make_cycle()
    assert finalized == []
    gc.collect()
    assert finalized == ["gone"]
