"""Run every mizan._speedups entry point in a loop and report whether anything grows.

Usage: python tests/leaks/leak_check.py GROUP [ITERATIONS]

Prints one JSON object per scenario: the growth of reference counts of the objects the
scenario hands to the extension (and of module-level objects), of the number of
gc-tracked objects, and of the bytes held by malloc (glibc mallinfo2; jansson and the
writer's buffer allocate there). Run in a subprocess by tests/leaks/test_leaks.py (STYLE B7).
"""

from __future__ import annotations

import base64
import ctypes
import ctypes.util
import enum
import gc
import hashlib
import hmac
import json
import os
import socket
import sys
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

import mizan._speedups as c
from mizan.core import errors, jsonmodels


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _mallinfo() -> Callable[[], int] | None:
    """Bytes in use by malloc, or None when it cannot be measured (sanitizers, PYTHONMALLOC)."""
    if os.environ.get("PYTHONMALLOC") or os.environ.get("MIZAN_SANITIZED"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    if not hasattr(libc, "mallinfo2"):
        return None
    libc.mallinfo2.restype = _MallInfo2

    def in_use() -> int:
        info = libc.mallinfo2()
        return int(info.uordblks + info.hblkhd)

    return in_use


MALLOC_IN_USE = _mallinfo()


# --- inputs --------------------------------------------------------------------------------


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Thing:
    pass


def ok_fallback(value: Any) -> tuple[bool, Any]:
    return True, value


def bad_fallback(value: Any) -> tuple[bool, Any]:
    return False, [(("inner", 0), "bad value"), ([], "second")]


def raising_fallback(value: Any) -> tuple[bool, Any]:
    raise LookupError("fallback")


def shapeless_fallback(value: Any) -> Any:
    return 5


def factory() -> list[int]:
    return [1]


def raising_factory() -> Any:
    raise OSError("factory")


DEFAULT = ("default", "value")
LITERALS = ("a", 1, True, None)
ENUM_PAIRS = tuple((m.value, m) for m in Level)
PARAMS = [
    ("any", ("any", None, None), 0, None),
    ("s", ("str", ok_fallback, None), 0, None),
    ("i", ("int", ok_fallback, None), 0, None),
    ("f", ("float", ok_fallback, None), 0, None),
    ("b", ("bool", ok_fallback, None), 0, None),
    ("n", ("none", ok_fallback, None), 1, DEFAULT),
    ("o", ("optional", None, ("int", ok_fallback, None)), 1, DEFAULT),
    ("l", ("list", ok_fallback, ("list", ok_fallback, ("int", ok_fallback, None))), 0, None),
    ("lit", ("literal", ok_fallback, LITERALS), 0, None),
    ("e", ("enum", ok_fallback, ENUM_PAIRS), 0, None),
    ("d", ("delegate", ok_fallback, None), 2, factory),
]
SPEC = c.compile_params(PARAMS)
BAD_SPEC = c.compile_params(
    [("x", ("list", bad_fallback, ("int", bad_fallback, None)), 0, None), ("y", ("int", ok_fallback, None), 0, None)]
)
RAISING_SPEC = c.compile_params([("x", ("delegate", raising_fallback, None), 0, None)])
SHAPELESS_SPEC = c.compile_params([("x", ("delegate", shapeless_fallback, None), 0, None)])
FACTORY_SPEC = c.compile_params([("x", ("any", None, None), 2, raising_factory)])
GOOD_ARGS = {
    "any": Thing(),
    "s": "text",
    "i": "12345",
    "f": 3,
    "b": "true",
    "o": "7",
    "l": [["1", 2], [3.5]],
    "lit": "a",
    "e": 2,
    "extra": [1, 2],
}
BAD_ARGS = {"x": [1, "a", 2.5], "y": "no"}

DOC = json.dumps(
    {
        "fn": "update_profile",
        "args": {"user_id": 5, "name": "Ålice \U0001f600", "tags": ["a", "b"], "x": [1.5, None, True]},
    }
).encode()
BIG_DICT = {f"key{i}": [i, float(i), str(i), None] for i in range(40)}
VALUE = {"b": 1, "a": {"d": [1, 2.5, -(2**70)], "c": "é\n"}, 3: (True, None), "big": BIG_DICT, "level": Level.HIGH}
HUGE_INT = 10**5000

# Invalidation: a plan with scoped, broad, function and merge targets, more distinct param
# sets than the C stack holds, and arguments that go through default.
MANY_SETS = [(f"c{i}", None, ("user_id", f"p{i}")) for i in range(12)]
TARGETS = [("user", None, ("user_id",)), ("feed", None, ()), ("user", "user_profile", ("user_id", "org"))]
TARGETS += [("user", None, ("user_id",)), ("feed", None, ())] + MANY_SETS
MERGES = [("items", "items_list", ()), ("item", "item_detail", ("user_id", "level"))]
PLAN = c.compile_invalidation(TARGETS, MERGES)
INV_ARGS = {"user_id": 5, "org": Thing(), "level": Level.HIGH, "name": "Ålice"}
SUPPLIED = ("user_id", "org", "level", "name", "ghost")
RESULT = {"id": 42, "name": "renamed"}
ENTRIES: list[Any] = [
    {"context": "user", "params": {"user_id": 5, "q": 'a;b c"d', "f": 1.5, "n": None, "l": [1, "é"]}},
    "notifications",
    {"context": "user", "function": "user_profile", "params": {"user_id": 5}},
    "notifications",
    {"context": "big", "params": {f"k{i}": i for i in range(20)}},
    {"context": "\ud800", "params": {"a": 1}},
]
HEADER = "user;user_id=5;q=a%3Bb%20c%22d, notifications , ;x=1, a;k, b;k=%FF, c;k=%zz, d;k=1;k=2;%C3%A9=%e2%82%ac"


def jsonable_default(obj: Any) -> Any:
    return {"thing": 1} if isinstance(obj, Thing) else int(obj)


def expect(exc: type[BaseException], function: Callable[..., Any], *args: Any) -> None:
    try:
        function(*args)
    except exc:
        return
    raise AssertionError(f"{function.__name__}{args!r:.80} did not raise {exc.__name__}")


def default_ok(obj: Any) -> Any:
    return {"thing": [1, "x"]}


def default_raises(obj: Any) -> Any:
    raise KeyError("default")


SECRET = "test-pin-secret-that-is-32bytes!"
CKEY_PARAMS = {"user_id": 5, "q": "Jürgen", "l": [1, {"b": None}], "f": 1.5}
CACHE = c.MemoryCache()
CACHE.set("text", b"abc")
CACHE.set("max", b"9223372036854775807")
STRIDED = memoryview(b"abcdef")[::2]
MANY_KEYS = ["text", "max", "missing", "\ud800"]


class LeakItem(BaseModel):
    name: str
    price: float
    counts: dict[str, int]
    tags: list[str | None]
    parent: LeakItem | None = None


LEAK_PLANS = jsonmodels.plans_for(LeakItem)
LEAK_PLAN = LEAK_PLANS[LeakItem]
for _model, _plan in LEAK_PLANS.items():
    c.register_json_model(_model, _plan, to_jsonable_python)
# Dict fields past the writer's 8 stack slots, nesting, and (ODD) an int in the float field
# of the nested model, so that the whole outer instance is rolled back to the default.
PLAIN_MODELS = [
    LeakItem(
        name=f"é{i}",
        price=i / 3,
        counts={f"k{j}": j for j in range(12)},
        tags=["a", None],
        parent=LeakItem(name="p", price=1.5, counts={}, tags=[]),
    )
    for i in range(5)
]
ODD_MODELS = [
    LeakItem(name="x", price=1.0, counts={"a": 1}, tags=[], parent=LeakItem(name="p", price=1.5, counts={}, tags=[]))
]
object.__setattr__(ODD_MODELS[0].parent, "price", 2)


# KDL: every value kind, block and inline children, lists and tuples, a string long enough
# that the writer's buffer leaves its inline storage, and a list-held node.
KDL_LEAF = ("param", ["user_id"], [("type", "int")], None, False)
KDL_TREE = (
    "function",
    ["get_user", 1, -(2**70), 1.5, float("nan"), None, True, Level.HIGH, ("json", '{"a":[1]}')],
    [("doc", 'é \U0001f600 \u2028 "q"\n' * 40), ("ttl", 60)],
    [KDL_LEAF, ("returns", (), (), [KDL_LEAF, ("any", [], [], [], True)], True), ("empty", [], [], [], False)],
    False,
)
KDL_DOC = [[KDL_TREE, KDL_LEAF], [], (KDL_LEAF,)]
KDL_DEEP: Any = ("x", [], [], None, False)
for _ in range(129):
    KDL_DEEP = ("x", [], [], [KDL_DEEP], False)


class Loud:
    def __repr__(self) -> str:
        raise LookupError("repr")


def kdl_error(sections: Any) -> None:
    expect(errors.IRBuildError, c.write_kdl, sections)


def fill_and_drop() -> None:
    cache = c.MemoryCache(60)
    for i in range(40):
        cache.set(f"k{i}", b"v" * i)
    cache.incr("n", 1)


# (name, function, objects whose reference counts must not move)
Scenario = tuple[str, Callable[[], Any], tuple[Any, ...]]


def mwt_token(header: bytes, payload: bytes, key: str) -> str:
    segments = [base64.urlsafe_b64encode(part).rstrip(b"=").decode() for part in (header, payload)]
    signing_input = ".".join(segments)
    signature = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


MWT_CLAIMS = b'{"sub":"42","pkey":"%s","aud":"mizan","nbf":1,"exp":%d,"x":[1,2.5,null,{"a":"\\u00e9"}]}'
MWT_PREVIOUS = {"old": "retired-secret"}
MWT_GOOD = mwt_token(b'{"alg":"HS256","kid":"default"}', MWT_CLAIMS % (b"a" * 64, 2**40), SECRET)
MWT_OLD = mwt_token(b'{"alg":"HS256","kid":"old"}', MWT_CLAIMS % (b"a" * 64, 2**40), "retired-secret")
MWT_EXPIRED = mwt_token(b'{"alg":"HS256","kid":"default"}', MWT_CLAIMS % (b"a" * 64, 5), SECRET)
MWT_DUPLICATE = mwt_token(b'{"alg":"HS256","kid":"default","kid":"x"}', b"{}", SECRET)


def mwt_refused(token: str, previous: dict[str, str] = MWT_PREVIOUS) -> None:
    expect(errors.InvalidToken, c.verify_mwt_claims, token, SECRET, "default", previous, "mizan", 0)


GROUPS: dict[str, list[Scenario]] = {
    "parse_json": [
        ("ok", lambda: c.parse_json(DOC, 10_000, 64), (DOC,)),
        ("ok bytearray", lambda: c.parse_json(bytearray(DOC), None, 64), ()),
        ("ok strided view", lambda: c.parse_json(memoryview(b"[ 1 ]")[::2], None, 64), ()),
        ("ok float limits", lambda: c.parse_json(b"[[1]]", 10.5, 2.5), ()),
        ("too large", lambda: expect(errors.ParseError, c.parse_json, DOC, 5, 64), (DOC,)),
        ("too deep", lambda: expect(errors.ParseError, c.parse_json, b"[[[[1]]]]", None, 2), ()),
        ("too deep generic", lambda: expect(errors.ParseError, c.parse_json, b"[[[[1]]]]", None, 2.5), ()),
        ("malformed", lambda: expect(errors.ParseError, c.parse_json, b'{"a":[1,2,', None, 64), ()),
        ("duplicate", lambda: expect(errors.ParseError, c.parse_json, b'{"a":[1],"a":{"b":2}}', None, 64), ()),
        ("bad utf-8", lambda: expect(errors.ParseError, c.parse_json, b'["ok","\xff"]', None, 64), ()),
        ("nul", lambda: expect(errors.ParseError, c.parse_json, b"[1\x00]", None, 64), ()),
        ("not bytes", lambda: expect(TypeError, c.parse_json, "text", None, 64), ()),
        ("bad limit", lambda: expect(TypeError, c.parse_json, b"[1]", None, None), ()),
        ("bad arity", lambda: expect(TypeError, c.parse_json, b"[1]"), ()),
    ],
    "parse_call": [
        ("ok", lambda: c.parse_call(DOC, None, 64), (DOC,)),
        ("ok args null", lambda: c.parse_call(b'{"fn":"f","args":null}', None, 64), ()),
        ("not object", lambda: expect(errors.ParseError, c.parse_call, b"[1]", None, 64), ()),
        ("bad fn", lambda: expect(errors.ParseError, c.parse_call, b'{"fn":""}', None, 64), ()),
        ("bad args", lambda: expect(errors.ParseError, c.parse_call, b'{"fn":"f","args":[1]}', None, 64), ()),
        ("malformed", lambda: expect(errors.ParseError, c.parse_call, b'{"fn":"f"', None, 64), ()),
    ],
    "encode_json": [
        ("ok", lambda: c.encode_json(VALUE, None), (VALUE, BIG_DICT, Level.HIGH)),
        ("ok default", lambda: c.encode_json([Thing(), VALUE], default_ok), (VALUE, default_ok)),
        ("nan", lambda: expect(errors.EncodeError, c.encode_json, [1, float("nan")], None), ()),
        ("surrogate", lambda: expect(errors.EncodeError, c.encode_json, ["a\ud800"], None), ()),
        ("surrogate key", lambda: expect(errors.EncodeError, c.encode_json, {"\ud800": 1, "b": 2}, None), ()),
        ("bad key", lambda: expect(errors.EncodeError, c.encode_json, {"a": 1, None: 2}, None), ()),
        (
            "bad key big dict",
            lambda: expect(errors.EncodeError, c.encode_json, {**BIG_DICT, (1,): 0}, None),
            (BIG_DICT,),
        ),
        ("duplicate key", lambda: expect(errors.EncodeError, c.encode_json, {"1": [1], 1: [2]}, None), ()),
        ("unsupported", lambda: expect(errors.EncodeError, c.encode_json, {"t": Thing()}, None), ()),
        ("default twice", lambda: expect(errors.EncodeError, c.encode_json, [Thing()], lambda obj: Thing()), ()),
        ("default raises", lambda: expect(KeyError, c.encode_json, [Thing()], default_raises), (default_raises,)),
        ("too deep", lambda: expect(errors.EncodeError, c.encode_json, DEEP, None), ()),
        ("int digits", lambda: expect(ValueError, c.encode_json, [HUGE_INT], None), (HUGE_INT,)),
        ("int digits key", lambda: expect(ValueError, c.encode_json, {HUGE_INT: 1}, None), (HUGE_INT,)),
    ],
    "json_models": [
        ("plain models", lambda: c.encode_json(PLAIN_MODELS, to_jsonable_python), (PLAIN_MODELS[0], LEAK_PLAN)),
        ("plain model falls back", lambda: c.encode_json(ODD_MODELS, to_jsonable_python), (ODD_MODELS[0],)),
        ("register again", lambda: c.register_json_model(LeakItem, LEAK_PLAN, to_jsonable_python), (LEAK_PLAN,)),
        ("malformed plan", lambda: expect(TypeError, c.register_json_model, LeakItem, [], to_jsonable_python), ()),
    ],
    "compile_params": [
        ("ok", lambda: c.compile_params(PARAMS), (ok_fallback, factory, LITERALS, ENUM_PAIRS, DEFAULT)),
        ("bad entry", lambda: expect(ValueError, c.compile_params, [("a", 1)]), ()),
        ("bad name", lambda: expect(ValueError, c.compile_params, [(1, ("any", None, None), 0, None)]), ()),
        ("duplicate", lambda: expect(ValueError, c.compile_params, PARAMS + PARAMS), ()),
        ("bad kind", lambda: expect(ValueError, c.compile_params, [("a", ("any", None, None), 7, None)]), ()),
        ("bad factory", lambda: expect(ValueError, c.compile_params, [("a", ("any", None, None), 2, None)]), ()),
        (
            "bad node",
            lambda: expect(ValueError, c.compile_params, PARAMS + [("z", ("list", ok_fallback, ("x",)), 0, None)]),
            (ok_fallback,),
        ),
        ("bad fallback", lambda: expect(ValueError, c.compile_params, [("a", ("int", None, None), 0, None)]), ()),
        ("too deep", lambda: expect(ValueError, c.compile_params, [("a", DEEP_NODE, 0, None)]), ()),
        ("not iterable", lambda: expect(TypeError, c.compile_params, 5), ()),
    ],
    "validate_args": [
        ("ok", lambda: c.validate_args(SPEC, GOOD_ARGS), (SPEC, GOOD_ARGS["any"], DEFAULT, Level.HIGH, LITERALS[0])),
        ("errors", lambda: expect(errors.ValidationError, c.validate_args, BAD_SPEC, BAD_ARGS), (BAD_SPEC,)),
        ("required", lambda: expect(errors.ValidationError, c.validate_args, SPEC, {}), (SPEC,)),
        ("fallback raises", lambda: expect(LookupError, c.validate_args, RAISING_SPEC, {"x": 1}), ()),
        ("fallback shape", lambda: expect(TypeError, c.validate_args, SHAPELESS_SPEC, {"x": 1}), ()),
        ("factory raises", lambda: expect(OSError, c.validate_args, FACTORY_SPEC, {}), ()),
        ("bad spec", lambda: expect(TypeError, c.validate_args, None, {}), ()),
        ("bad args", lambda: expect(TypeError, c.validate_args, SPEC, []), (SPEC,)),
        ("repr and names", lambda: (repr(SPEC), SPEC.names), (SPEC,)),
    ],
    "compile_invalidation": [
        ("ok", lambda: c.compile_invalidation(TARGETS, MERGES), (TARGETS[0][0],)),
        ("ok generators", lambda: c.compile_invalidation(iter(TARGETS), (m for m in MERGES)), ()),
        ("bad target", lambda: expect(ValueError, c.compile_invalidation, TARGETS + [("a", None)], []), ()),
        ("bad context", lambda: expect(ValueError, c.compile_invalidation, TARGETS + [("", None, ())], []), ()),
        ("bad function", lambda: expect(ValueError, c.compile_invalidation, [("a", 5, ())], []), ()),
        ("bad params", lambda: expect(ValueError, c.compile_invalidation, TARGETS + [("a", None, ("x", 1))], []), ()),
        ("bad merge", lambda: expect(ValueError, c.compile_invalidation, TARGETS, MERGES + [("a", "", ())]), ()),
        ("not iterable", lambda: expect(TypeError, c.compile_invalidation, TARGETS, 5), ()),
        ("repr", lambda: repr(PLAN), (PLAN,)),
    ],
    "resolve_invalidation": [
        (
            "ok",
            lambda: c.resolve_invalidation(PLAN, INV_ARGS, SUPPLIED, RESULT, jsonable_default),
            (PLAN, RESULT, INV_ARGS["org"], Level.HIGH, jsonable_default),
        ),
        ("ok broad", lambda: c.resolve_invalidation(PLAN, {}, (), RESULT, None), (PLAN, RESULT)),
        (
            "unencodable",
            lambda: expect(errors.EncodeError, c.resolve_invalidation, PLAN, INV_ARGS, SUPPLIED, RESULT, None),
            (PLAN, INV_ARGS["org"]),
        ),
        (
            "default raises",
            lambda: expect(KeyError, c.resolve_invalidation, PLAN, INV_ARGS, SUPPLIED, RESULT, default_raises),
            (PLAN, default_raises),
        ),
        ("unhashable name", lambda: expect(TypeError, c.resolve_invalidation, PLAN, {}, ([],), None, None), ()),
        ("bad plan", lambda: expect(TypeError, c.resolve_invalidation, SPEC, {}, (), None, None), (SPEC,)),
        ("bad arguments", lambda: expect(TypeError, c.resolve_invalidation, PLAN, [], (), None, None), (PLAN,)),
        ("bad supplied", lambda: expect(TypeError, c.resolve_invalidation, PLAN, {}, [], None, None), (PLAN,)),
        ("bad arity", lambda: expect(TypeError, c.resolve_invalidation, PLAN, {}), (PLAN,)),
    ],
    "invalidate_header": [
        ("format", lambda: c.format_invalidate_header(ENTRIES), (ENTRIES[0],)),
        ("format none", lambda: c.format_invalidate_header([]), ()),
        ("format bad entry", lambda: expect(TypeError, c.format_invalidate_header, ENTRIES + [5]), ()),
        (
            "format bad key",
            lambda: expect(TypeError, c.format_invalidate_header, [{"context": "a", "params": {"a": 1, 2: 3}}]),
            (),
        ),
        (
            "format unencodable",
            lambda: expect(
                errors.EncodeError, c.format_invalidate_header, [{"context": "a", "params": {"a": Thing()}}]
            ),
            (),
        ),
        (
            "format surrogate key",
            lambda: expect(
                UnicodeEncodeError, c.format_invalidate_header, [{"context": "a", "params": {"\ud800": 1, "b": 2}}]
            ),
            (),
        ),
        (
            "format surrogate value",
            lambda: expect(
                UnicodeEncodeError, c.format_invalidate_header, [{"context": "a", "params": {"b": "\udc00"}}]
            ),
            (),
        ),
        ("parse", lambda: c.parse_invalidate_header(HEADER), (HEADER,)),
        ("parse surrogate", lambda: expect(UnicodeEncodeError, c.parse_invalidate_header, "a;k=\ud800"), ()),
        ("parse not str", lambda: expect(TypeError, c.parse_invalidate_header, b"a"), ()),
        ("normalize", lambda: [c.normalize_value(v, None) for v in (None, 5, 5.0, 1e300, "x", VALUE)], (VALUE,)),
        ("normalize default", lambda: c.normalize_value(Thing(), default_ok), (default_ok,)),
        ("normalize refused", lambda: expect(errors.EncodeError, c.normalize_value, Thing(), lambda o: Thing()), ()),
        ("normalize raises", lambda: expect(KeyError, c.normalize_value, Thing(), default_raises), (default_raises,)),
        ("normalize digits", lambda: expect(ValueError, c.normalize_value, HUGE_INT, None), (HUGE_INT,)),
    ],
    "cachekey": [
        ("message", lambda: c.cache_key_message("user", CKEY_PARAMS, "5", 3), (CKEY_PARAMS,)),
        ("message int user", lambda: c.cache_key_message("user", CKEY_PARAMS, 12, 2**80), ()),
        ("derive", lambda: c.derive_cache_key(SECRET, "user", CKEY_PARAMS, None, 0), (CKEY_PARAMS, SECRET)),
        ("generation", lambda: c.generation_key(SECRET, "user", "user_id", VALUE), (VALUE, SECRET)),
        ("bad secret", lambda: expect(TypeError, c.derive_cache_key, "", "u", {}, None, 0), ()),
        ("surrogate secret", lambda: expect(UnicodeEncodeError, c.derive_cache_key, "\ud800", "u", {}, None, 0), ()),
        ("bad context", lambda: expect(TypeError, c.cache_key_message, 1, {}, None, 0), ()),
        ("bad params", lambda: expect(TypeError, c.cache_key_message, "u", [], None, 0), ()),
        ("bad name", lambda: expect(TypeError, c.cache_key_message, "u", {"a": 1, 2: 1}, None, 0), ()),
        ("bad value", lambda: expect(errors.EncodeError, c.cache_key_message, "u", {"a": Thing()}, None, 0), ()),
        ("bad user", lambda: expect(TypeError, c.cache_key_message, "u", {"a": 1}, 1.5, 0), ()),
        ("surrogate param", lambda: expect(errors.EncodeError, c.cache_key_message, "u", {"a": "\udc00"}, None, 0), ()),
        ("generation bad secret", lambda: expect(TypeError, c.generation_key, "", "u", "k", 1), ()),
        ("generation bad value", lambda: expect(errors.EncodeError, c.generation_key, SECRET, "u", "k", Thing()), ()),
        ("bad arity", lambda: expect(TypeError, c.derive_cache_key, SECRET), ()),
    ],
    "verify_mwt_claims": [
        ("valid", lambda: c.verify_mwt_claims(MWT_GOOD, SECRET, "default", MWT_PREVIOUS, "mizan", 0), (MWT_GOOD,)),
        ("valid old kid", lambda: c.verify_mwt_claims(MWT_OLD, SECRET, "default", MWT_PREVIOUS, "mizan", 0), ()),
        ("bad signature", lambda: mwt_refused(MWT_GOOD[:-2] + "AA"), ()),
        ("unknown kid", lambda: mwt_refused(MWT_OLD, {}), ()),
        ("duplicate keys", lambda: mwt_refused(MWT_DUPLICATE), ()),
        ("not base64url", lambda: mwt_refused(MWT_GOOD + "="), ()),
        ("expired", lambda: mwt_refused(MWT_EXPIRED), ()),
        ("bad arity", lambda: expect(TypeError, c.verify_mwt_claims, MWT_GOOD), ()),
    ],
    "write_kdl": [
        ("ok", lambda: c.write_kdl(KDL_DOC), (KDL_TREE, KDL_LEAF, Level.HIGH)),
        ("ok empty", lambda: c.write_kdl([[], []]), ()),
        ("not a document", lambda: kdl_error(None), ()),
        ("bad section", lambda: kdl_error([[KDL_LEAF], 5]), (KDL_LEAF,)),
        ("bad node", lambda: kdl_error([[KDL_TREE, ("a", [], [])]]), (KDL_TREE,)),
        ("bad name", lambda: kdl_error([[KDL_TREE, ("A", [], [], None, False)]]), (KDL_TREE,)),
        ("bad key", lambda: kdl_error([[("a", [], [("k", 1), (None, 2)], None, False)]]), ()),
        ("bad annotation", lambda: kdl_error([[("a", [("B", 1)], [], None, False)]]), ()),
        ("bad pair", lambda: kdl_error([[("a", [], [("k",)], None, False)]]), ()),
        ("surrogate arg", lambda: kdl_error([[("a", ["x" * 600 + "\ud800"], [], None, False)]]), ()),
        ("surrogate prop", lambda: kdl_error([[("a", [], [("k", "\udc00")], None, False)]]), ()),
        ("unsupported", lambda: kdl_error([[KDL_TREE, ("a", [Thing()], [], None, False)]]), (KDL_TREE,)),
        ("bad inline", lambda: kdl_error([[("a", [], [], [KDL_LEAF], None)]]), (KDL_LEAF,)),
        ("bad children", lambda: kdl_error([[("a", [], [], {}, False)]]), ()),
        ("too deep", lambda: kdl_error([[KDL_DEEP]]), (KDL_DEEP,)),
        ("repr raises", lambda: expect(LookupError, c.write_kdl, [[(Loud(), [], [], None, False)]]), ()),
        ("int digits", lambda: expect(ValueError, c.write_kdl, [[("a", [HUGE_INT], [], None, False)]]), (HUGE_INT,)),
        ("bad arity", lambda: expect(TypeError, c.write_kdl), ()),
    ],
    "memory_cache": [
        ("fill and drop", fill_and_drop, ()),
        ("set get", lambda: (CACHE.set("k", b"v" * 600, 60), CACHE.get("k"), CACHE.get("missing")), (CACHE,)),
        ("set keyword ttl", lambda: CACHE.set("k2", bytearray(b"v"), ttl=60.0), (CACHE,)),
        ("set strided", lambda: CACHE.set("k3", STRIDED), (CACHE, STRIDED)),
        ("surrogate key", lambda: (CACHE.set("\ud800", b"v"), CACHE.get("\ud800")), (CACHE,)),
        ("get_many", lambda: CACHE.get_many(MANY_KEYS), (CACHE, MANY_KEYS)),
        ("incr", lambda: CACHE.incr("counter", 60), (CACHE,)),
        ("delete", lambda: (CACHE.set("d", b"1"), CACHE.delete("d"), CACHE.delete("d")), (CACHE,)),
        ("delete_by_prefix", lambda: (CACHE.set("p:1", b"1"), CACHE.delete_by_prefix("p:")), (CACHE,)),
        ("len repr", lambda: (len(CACHE), repr(CACHE), CACHE.default_ttl), (CACHE,)),
        ("bad key", lambda: expect(TypeError, CACHE.get, 1), (CACHE,)),
        ("bad many", lambda: expect(TypeError, CACHE.get_many, ["a", 1]), (CACHE,)),
        ("bad value", lambda: expect(TypeError, CACHE.set, "k", "text"), (CACHE,)),
        ("bad ttl", lambda: expect(ValueError, CACHE.set, "k", b"v", 0), (CACHE,)),
        ("huge ttl", lambda: expect(OverflowError, CACHE.set, "k", b"v", HUGE_INT), (CACHE, HUGE_INT)),
        ("bad kwarg", lambda: expect(TypeError, lambda: CACHE.set("k", b"v", 1, ttl=1)), (CACHE,)),
        ("incr not integer", lambda: expect(ValueError, CACHE.incr, "text", 60), (CACHE,)),
        ("incr overflow", lambda: expect(ValueError, CACHE.incr, "max", 60), (CACHE,)),
        ("bad constructor", lambda: expect(ValueError, c.MemoryCache, -1), ()),
    ],
}


def redis_scenarios(url: str) -> list[Scenario]:
    """RedisCache against the server at `url` (tests/leaks/test_leaks.py starts one)."""
    cache = c.RedisCache(url, "leak:", 60)
    cache.set("text", b"abc")
    cache.set("max", b"9223372036854775807")
    cache.incr("counter", 60)
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    # A list under the prefix: GET answers WRONGTYPE (a CacheError, connection kept).
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"*3\r\n$5\r\nLPUSH\r\n$9\r\nleak:list\r\n$1\r\nx\r\n")
        sock.recv(64)
    refused = c.RedisCache("redis://127.0.0.1:1/0", "leak:", 60, 0.2)  # the breaker answers after one try
    retried = c.RedisCache("redis://127.0.0.1:1/0", "leak:", 60, 0.2, 2, 0)  # no breaker: each call connects
    keys = ["text", "max", "missing", "\ud800", "counter"]

    def construct_and_drop() -> None:
        other = c.RedisCache(url, "leak-drop:", 60, 1.0)
        other.set("k", b"v" * 100)
        other.get("k")
        other.clear()

    return [
        ("construct and drop", construct_and_drop, ()),
        ("set get", lambda: (cache.set("k", b"v" * 600, 60), cache.get("k"), cache.get("missing")), (cache,)),
        ("set keyword ttl", lambda: cache.set("k2", bytearray(b"v"), ttl=60.0), (cache,)),
        ("set strided", lambda: cache.set("k3", STRIDED), (cache, STRIDED)),
        ("surrogate key", lambda: (cache.set("\ud800", b"v"), cache.get("\ud800")), (cache,)),
        ("get_many", lambda: cache.get_many(keys), (cache, keys)),
        ("get_many empty", lambda: cache.get_many([]), (cache,)),
        ("incr", lambda: cache.incr("counter", 60), (cache,)),
        ("delete", lambda: (cache.set("d", b"1"), cache.delete("d"), cache.delete("d")), (cache,)),
        ("delete_by_prefix", lambda: (cache.set("p:*1", b"1"), cache.delete_by_prefix("p:*")), (cache,)),
        ("clear other prefix", lambda: c.RedisCache(url, "leak-empty:").clear(), ()),
        ("repr properties", lambda: (repr(cache), cache.url, cache.prefix, cache.default_ttl), (cache,)),
        ("close reconnect", lambda: (cache.close(), cache.get("text")), (cache,)),
        ("bad key", lambda: expect(TypeError, cache.get, 1), (cache,)),
        ("bad many", lambda: expect(TypeError, cache.get_many, ["a", 1]), (cache,)),
        ("bad value", lambda: expect(TypeError, cache.set, "k", "text"), (cache,)),
        ("bad ttl", lambda: expect(ValueError, cache.set, "k", b"v", 0), (cache,)),
        ("wrongtype", lambda: expect(errors.CacheError, cache.get, "list"), (cache,)),
        ("incr not integer", lambda: expect(ValueError, cache.incr, "text", 60), (cache,)),
        ("incr overflow", lambda: expect(ValueError, cache.incr, "max", 60), (cache,)),
        ("incr wrongtype", lambda: expect(errors.CacheError, cache.incr, "list", 60), (cache,)),
        ("refused", lambda: expect(errors.CacheError, refused.get_many, keys), (refused, keys)),
        ("refused, no breaker", lambda: expect(errors.CacheError, retried.get, "k"), (retried,)),
        (
            "pool properties",
            lambda: (cache.socket_timeout, cache.pool_size, cache.failure_cooldown, c.RedisCache(url, "p", 1, 1, 3, 0)),
            (cache,),
        ),
        ("bad pool size", lambda: expect(ValueError, c.RedisCache, url, "p", 1, 1, 0), ()),
        ("bad cooldown", lambda: expect(ValueError, c.RedisCache, url, "p", 1, 1, 1, -1.0), ()),
        ("bad url", lambda: expect(ValueError, c.RedisCache, "http://x"), ()),
        ("bad url port", lambda: expect(ValueError, c.RedisCache, "redis://:p@h:99999/1"), ()),
        ("bad timeout", lambda: expect(ValueError, c.RedisCache, url, "p", 1, 0), ()),
    ]


DEEP: Any = 0
for _ in range(600):
    DEEP = [DEEP]
DEEP_NODE: Any = ("int", ok_fallback, None)
for _ in range(70):
    DEEP_NODE = ("optional", None, DEEP_NODE)

MODULE_OBJECTS = (
    c,
    c.ParamSpec,
    c.InvalidationPlan,
    c.MemoryCache,
    c.RedisCache,
    errors.ParseError,
    errors.CacheError,
    errors.EncodeError,
    errors.ValidationError,
    errors.IRBuildError,
)


def measure(watched: tuple[Any, ...]) -> tuple[list[int], int, int | None]:
    gc.collect()
    return (
        [sys.getrefcount(obj) for obj in watched],
        len(gc.get_objects()),
        MALLOC_IN_USE() if MALLOC_IN_USE else None,
    )


def run(scenario: Scenario, iterations: int) -> dict[str, Any]:
    name, function, objects = scenario
    watched = MODULE_OBJECTS + objects
    for _ in range(iterations // 4):
        function()
    refs_before, objects_before, malloc_before = measure(watched)
    for _ in range(iterations):
        function()
    refs_after, objects_after, malloc_after = measure(watched)
    return {
        "name": name,
        "refcount_growth": [after - before for before, after in zip(refs_before, refs_after, strict=True)],
        "gc_object_growth": objects_after - objects_before,
        "malloc_growth": None if malloc_before is None or malloc_after is None else malloc_after - malloc_before,
    }


def main() -> None:
    group = sys.argv[1]
    iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 4000
    if group == "redis_cache":
        scenarios = redis_scenarios(os.environ["MIZAN_LEAK_REDIS_URL"])
    else:
        scenarios = GROUPS[group]
    for scenario in scenarios:
        print(json.dumps(run(scenario, iterations)), flush=True)


if __name__ == "__main__":
    main()
