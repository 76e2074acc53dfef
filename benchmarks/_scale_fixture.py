"""What the `scale` group measures on: registries of 10..10,000 functions, contexts of 1..50
members, payloads of ~100 B..~1 MB, and the statements that exercise them.

The registry is process-wide, so one process can hold one registry at a time. The group's
curves need several, hence *stages*: `enter("functions:1000")` rebuilds the registry with
1,000 functions, `enter("fixed")` with the context and payload functions and a memory
cache. Every statement that needs a stage starts with a guard that enters it when another
one is current (`guarded()`): under callgrind the switch lands in the warm-up round, which
is never counted, and the guard's own cost (a global load and a compare) is measured as
the `stage check` statement and subtracted (benchmarks/scale.py).

The filled registry is shaped like a project: one context per 10 functions, each with 3
context reads, 5 mutations affecting it and 2 plain functions. Filling it through
`registry.register()` costs O(registry) per context member (its CTX-6 scan over every
registered function), so 10,000 functions take seconds natively and minutes under
callgrind; `fill()` therefore writes the registry's tables directly, as `register()`
would leave them, and the registration rows measure `register()` itself at each size.
The filler functions (and the members of the fetched contexts) are subclasses of a few
`@client` templates, each configured with its own context or affects= edge the way
`@client` configures a ServerFunction subclass (DEC-6): the pydantic model and compiled
signature are built once per template. Creating a class still costs ~95 k instructions,
so a 10,000 fill costs about 1 G under callgrind, but no more; the registry, the IR walk
and dispatch see 10,000 distinct functions.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from mizan.core import ReactContext, ServerFunction, _backend, cache, client, registry
from mizan.core.executor import MizanResponse, call_pipeline, context_pipeline, run_sync
from mizan.core.ir import build_tree
from mizan.core.options import FunctionOptions, normalize_options
from mizan.core.settings import MizanSettings

FUNCTION_COUNTS = (10, 100, 1_000, 10_000)
MEMBER_COUNTS = (1, 5, 20, 50)
# Records per payload: ~100 B each when encoded, so ~100 B, 1 KB, 10 KB, 100 KB and 1 MB.
PAYLOAD_RECORDS = (1, 10, 100, 1_000, 10_000)
GROUP = 10  # functions per context in a filled registry: 3 reads, 5 mutations, 2 plain
POOL = 8  # new functions prepared per stage entry for `register_next` (callgrind: 4 x 2 ops)
MAX_BODY = 2_621_440  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE default: a 1 MB body fits
MAX_DEPTH = 64
SECRET = "benchmark-cache-secret-of-at-least-32-bytes"
FIXED = "fixed"
CALLED = "fn_00003"  # a mutation of ctx_0000 in every filled registry (index 3 of group 0)
CALL_BODY = f'{{"fn":"{CALLED}","args":{{"user_id":5,"name":"Ada Lovelace"}}}}'.encode()
HIT_USER = "1000000"  # the HIT statements fetch this user; MISSes count up from 2,000,000


class Row(BaseModel):
    id: int
    name: str
    tags: list[str] = []


# --- the filled registry ------------------------------------------------------------------


def _read(request: Any, user_id: int, page: int = 1) -> list[Row]:
    return [Row(id=user_id, name="Ada Lovelace")]


def _write(request: Any, user_id: int, name: str) -> Row | None:
    return Row(id=user_id, name=name, tags=["admin"])


def _lookup(request: Any, text: str) -> str:
    return text


READ = client(_read)
WRITE = client(_write)
LOOKUP = client(_lookup)


def function_name(index: int) -> str:
    return f"fn_{index:05d}"


def context_name(group: int) -> str:
    return f"ctx_{group:04d}"


@functools.cache
def _options(group: int) -> tuple[FunctionOptions, FunctionOptions, FunctionOptions]:
    """What `@client(...)` normalises for a group's reads, mutations and plain functions."""
    context = context_name(group)
    return (
        normalize_options({"context": context}),
        normalize_options({"affects": ReactContext(context)}),
        normalize_options({}),
    )


def clone(template: type[ServerFunction], name: str, options: FunctionOptions) -> type[ServerFunction]:
    """A new function class sharing `template`'s function, model and compiled signature,
    configured with `options` as `@client(...)` configures a ServerFunction subclass
    (DEC-6: `_options` and `_meta` written into the class)."""
    namespace = {"__module__": __name__, "__qualname__": name, "_options": options, "_meta": options.meta()}
    return type(name, (template,), namespace)


@functools.cache
def _filler(index: int) -> type[ServerFunction]:
    """Function `index` of a filled registry (kept: refilling reuses the classes)."""
    read, write, plain = _options(index // GROUP)
    slot = index % GROUP
    template, options = (READ, read) if slot < 3 else (WRITE, write) if slot < 8 else (LOOKUP, plain)
    return clone(template, function_name(index), options)


def fill(count: int) -> None:
    """An empty registry, then `count` filler functions in it, valid (REG-9).

    The tables are written directly (see the module docstring): what `register()` would
    store, without its per-member scan. `register()` itself is measured by `register_next`.
    """
    registry.clear_registry()
    classes = {function_name(index): _filler(index) for index in range(count)}
    with registry._lock:
        for name, fn_class in classes.items():
            registry._functions[name] = fn_class
            registry._names[fn_class] = name
        registry._changed()
    registry.validate_registry()


_serials = itertools.count()


def decorate_new() -> type[ServerFunction]:
    """`@client` on a new function, as a user writes it (registration's first half; the
    registry is not touched): inspects the signature, builds the pydantic model and the
    compiled parameter spec. A read of context ctx_0000."""

    def member(request: Any, user_id: int, page: int = 1) -> list[Row]:
        return [Row(id=user_id, name="Ada Lovelace")]

    member.__name__ = member.__qualname__ = f"new_{next(_serials):06d}"
    fn_class: type[ServerFunction] = client(context=context_name(0))(member)
    return fn_class


@dataclass
class Stage:
    """The stage whose registry is in place, and the functions prepared for it."""

    name: str = ""
    pool: list[type[ServerFunction]] = field(default_factory=list)


STAGE = Stage()


def register_next() -> None:
    """`registry.register()` of the next prepared function (registration's second half): a
    new read of ctx_0000, so `register()` runs its per-context-member check (CTX-6). The
    prepared functions are clones (a pydantic model each would cost ~1.7 M instructions
    under callgrind for nothing: `register()` only looks at the class and its options)."""
    fn_class = STAGE.pool.pop()
    registry.register(fn_class, fn_class.__name__)


def enter(name: str) -> None:
    """Put the registry (and cache) of stage `name` in place: `fixed` or `functions:<N>`."""
    STAGE.name = ""
    if name == FIXED:
        _enter_fixed()
    else:
        count = int(name.removeprefix("functions:"))
        fill(count)
        cache.set_cache(None)
        options = _options(0)[0]
        STAGE.pool = [clone(READ, f"new_{next(_serials):06d}", options) for _ in range(POOL)]
    STAGE.name = name


def functions_stage(count: int) -> str:
    return f"functions:{count}"


def guarded(stage: str, statement: str) -> str:
    """`statement` preceded by the guard that enters `stage` when it is not current."""
    return f"if STAGE.name != {stage!r}: enter({stage!r})\n{statement}"


# --- the fixed stage: contexts of 1..50 members, functions returning payloads ------------


def members_context(members: int) -> str:
    return f"members_{members:02d}"


def member_result(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "name": "Ada Lovelace", "tags": ["admin", "beta"]}


def _member(request: Any, user_id: int) -> dict[str, Any]:
    return member_result(user_id)


MEMBER = client(_member)


def member_name(members: int, index: int) -> str:
    return f"m{members:02d}_{index:02d}"


def record(index: int) -> dict[str, Any]:
    """~95 bytes of canonical JSON: ints, a float, a null, a list and non-ASCII text."""
    return {
        "id": index,
        "name": f"Item {index:06d} – café",
        "ok": index % 2 == 0,
        "price": 12.5 + index % 100,
        "stock": None,
        "tags": ["paper", "a5"],
    }


@functools.cache
def payload(records: int) -> dict[str, Any]:
    return {"items": [record(index) for index in range(records)]}


def payload_function(records: int) -> str:
    return f"payload_{records:05d}"


@functools.cache
def payload_call_body(records: int) -> bytes:
    return f'{{"fn":"{payload_function(records)}","args":{{}}}}'.encode()


def payload_bytes(records: int) -> int:
    return len(canonical(payload(records)))


def body_bytes(records: int) -> int:
    return len(request_body(records))


@functools.cache
def request_body(records: int) -> bytes:
    """A `/call/` body carrying a payload of `records` records as its argument."""
    return b'{"fn":"echo","args":' + canonical(payload(records)) + b"}"


def _payload_function(records: int) -> type[ServerFunction]:
    data = payload(records)

    def give(request: Any) -> dict[str, Any]:
        return data

    give.__name__ = give.__qualname__ = payload_function(records)
    fn_class: type[ServerFunction] = client(give)
    return fn_class


def _enter_fixed() -> None:
    registry.clear_registry()
    for members in MEMBER_COUNTS:
        options = normalize_options({"context": members_context(members)})
        for index in range(members):
            name = member_name(members, index)
            registry.register(clone(MEMBER, name, options), name)
    for records in PAYLOAD_RECORDS:
        fn_class = _payload_function(records)
        registry.register(fn_class, fn_class.__name__)
    registry.validate_registry()
    cache.set_cache(_backend.MemoryCache(), SECRET)


_miss_users = itertools.count(2_000_000)


def miss_query() -> dict[str, str]:
    """A user no fetch asked for before: the key is new, so the fetch misses."""
    return {"user_id": str(next(_miss_users))}


def hit_query() -> dict[str, str]:
    return {"user_id": HIT_USER}


# --- the pipeline, as benchmarks/core.py drives it ---------------------------------------

SETTINGS = MizanSettings(max_body_bytes=MAX_BODY, max_depth=MAX_DEPTH)


def _no_awaitables(awaitable: Any) -> Any:
    raise RuntimeError("every function of this benchmark is sync")


def call(body: bytes) -> MizanResponse:
    """`/call/` after the adapter: Mizan's real pipeline on the backend `_backend` chose."""
    return run_sync(call_pipeline(None, body, SETTINGS), _no_awaitables)


def fetch(context: str, query: dict[str, str]) -> MizanResponse:
    """`GET /ctx/<context>/` after the adapter, through the origin cache."""
    return run_sync(context_pipeline(None, context, query), _no_awaitables)


_trees: dict[int, list[Any]] = {}


def export_tree() -> list[Any]:
    """The IR walk as `manage.py export_mizan_ir` runs it: in a fresh process, so with the
    registry's derived views (context members, params, plans) not yet computed. The tree
    is kept for `tree_of`, so the writer statements need no walk of their own."""
    registry._changed()  # drops the per-version caches, as a new process starts without them
    tree = build_tree()
    _trees[len(registry.get_all_functions())] = tree
    return tree


def tree_of(count: int) -> list[Any]:
    """The IR tree of the filled registry of `count` functions (the last `export_tree()`
    of that size, else built now; a walk of 10,000 functions takes seconds)."""
    if count not in _trees:
        _trees[count] = build_tree()
    return _trees[count]


def write_ir(writer: Callable[[Any], Any], tree: list[Any]) -> str:
    """`build_ir()`'s second half: the KDL writer, then the text."""
    return bytes(writer(tree)).decode("utf-8")


# --- references and checks ----------------------------------------------------------------


def canonical(value: Any) -> bytes:
    """The stdlib spelling of the canonical JSON the writer produces (JSON-1)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def expected_call() -> tuple[bytes, str]:
    """The body and X-Mizan-Invalidate header `CALL_BODY` must answer in every filled registry."""
    result = {"id": 5, "name": "Ada Lovelace", "tags": ["admin"]}
    entry = {"context": context_name(0), "params": {"user_id": 5}}
    return canonical({"invalidate": [entry], "result": result}), f"{context_name(0)};user_id=5"


def expected_bundle(members: int, user_id: str) -> bytes:
    bundle = {member_name(members, index): member_result(int(user_id)) for index in range(members)}
    return canonical(bundle)


def namespace() -> dict[str, Any]:
    """What the measured statements use (the callgrind children's setup and the timers)."""
    from mizan import _speedups as c
    from mizan.core import _py as py

    return {
        "c": c,
        "py": py,
        "json": json,
        "STAGE": STAGE,
        "enter": enter,
        "call": call,
        "fetch": fetch,
        "miss_query": miss_query,
        "hit_query": hit_query,
        "decorate_new": decorate_new,
        "register_next": register_next,
        "export_tree": export_tree,
        "write_ir": write_ir,
        "tree_of": tree_of,
        "payload": payload,
        "request_body": request_body,
        "payload_call_body": payload_call_body,
        "CALL_BODY": CALL_BODY,
        "MAX_BODY": MAX_BODY,
        "MAX_DEPTH": MAX_DEPTH,
    }
