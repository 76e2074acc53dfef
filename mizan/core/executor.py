"""The framework-neutral request pipeline: `/call/` and `/ctx/<name>/` (PROTOCOL §2).

Each pipeline is written once, as a generator that yields `Invoke` steps wherever user
code runs (guards, function bodies). A *driver* performs the steps: `run_sync` calls them
and hands awaitables to the adapter's runner (Django: `async_to_sync`); `run_async`
awaits coroutines and moves sync bodies to a thread (SIG-9). Adapters only translate
requests and responses.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pydantic_core import to_jsonable_python

from mizan.core import _backend, cache, cachepolicy, notify, registry, rules, singleflight, uploads
from mizan.core.auth import UnkeyedIdentity, check_guard_result, check_level
from mizan.core.client import ServerFunction
from mizan.core.errors import (
    BadRequest,
    CacheError,
    Forbidden,
    InternalError,
    MethodNotAllowed,
    MizanError,
    NotFound,
    NotImplementedYet,
)
from mizan.core.outcome import Outcome
from mizan.core.settings import MizanSettings
from mizan.core.signature import is_framework_response
from mizan.core.uploads import Upload

logger = logging.getLogger("mizan")

JSON = "application/json"
NO_STORE = "no-store"
MSG_PRIVATE = "Function is not client-callable"
MSG_REGISTRY = "Mizan registry is invalid"
HEADER_INVALIDATE = "X-Mizan-Invalidate"
HEADER_CACHE = "X-Mizan-Cache"


@dataclass
class MizanResponse:
    """What the core answers; adapters turn it into their framework's response.

    `passthrough` holds a framework response returned by a view-path function (RPC-6);
    the adapter returns it as-is apart from the headers in `headers`.
    """

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    passthrough: Any = None

    @property
    def is_error(self) -> bool:
        """An error envelope (ERR-1): the call or fetch failed, so what its code wrote must
        not be committed. A view-path response keeps the status its function chose."""
        return self.passthrough is None and self.status >= 400


class Invoke(NamedTuple):
    """A pipeline step that runs user code: `func(*args)`, sync or async. (A named tuple:
    immutable like a frozen dataclass, built for a third of its cost.)"""

    func: Callable[..., Any]
    args: tuple[Any, ...]


Pipeline = Generator[Invoke, Any, MizanResponse]


# --- encoding ----------------------------------------------------------------------------


def encode(payload: Any) -> bytes:
    """Canonical JSON bytes of a payload (JSON-1); unknown objects go through Pydantic's
    JSON-mode conversion (SIG-7)."""
    return bytes(_backend.encode_json(payload, to_jsonable_python))


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> MizanResponse:
    out = {"Content-Type": JSON, "Cache-Control": NO_STORE}
    if headers:
        out.update(headers)
    return MizanResponse(status, encode(payload), out)


def error_response(error: MizanError) -> MizanResponse:
    """The error envelope (ERR-1) with `no-store` (ERR-6) and `Allow` on 405 (EP-3)."""
    headers = {"Allow": ", ".join(error.allow)} if isinstance(error, MethodNotAllowed) else None
    return json_response(error.status, error.envelope(), headers)


def method_not_allowed(allow: tuple[str, ...]) -> MizanResponse:
    return error_response(MethodNotAllowed(allow))


def as_mizan_error(exc: BaseException) -> MizanError:
    """Map an exception from user code to a protocol error (ERR-3, ERR-5)."""
    if isinstance(exc, MizanError):
        return exc
    if isinstance(exc, PermissionError):
        return Forbidden(str(exc) or None)
    if isinstance(exc, NotImplementedError):
        return NotImplementedYet(str(exc) or None)
    logger.error("Unhandled exception in a Mizan function", exc_info=exc)
    return InternalError()


# --- shared steps ------------------------------------------------------------------------


def valid_content_length(value: str | None) -> bool:
    """A `Content-Length` is absent or ASCII decimal digits (RFC 9110 §8.6); anything else
    is a malformed request, answered with the 400 envelope on both adapters (ERR-8)."""
    return value is None or (value.isascii() and value.isdigit())


def registry_error() -> MizanResponse | None:
    """The 500 every endpoint answers while the registry is invalid (REG-9), else None."""
    if registry.cached_registry_problems():
        return error_response(InternalError(MSG_REGISTRY))
    return None


def _guard(fn_class: type[ServerFunction], request: Any) -> Generator[Invoke, Any, None]:
    """AUTH-1, before validation and before the body; raises Unauthorized/Forbidden."""
    requirement = fn_class._options.auth
    if requirement is None:
        return
    if isinstance(requirement, str):
        check_level(requirement, request)
        return
    try:
        result = yield Invoke(requirement, (request,))
    except Exception as exc:
        # AUTH-1/GAP-56: a guard that raises is a bug, whatever it raised: 500.
        logger.error("A Mizan auth guard raised", exc_info=exc)
        raise InternalError() from exc
    check_guard_result(result)


def _bind(name: str, fn_class: type[ServerFunction], args: dict[str, Any]) -> tuple[Any, tuple[str, ...]]:
    """`fn_class.bind(args)`. Validation that fails without a validation error means the
    function never ran, so the log must not blame it: usually a parameter type has no
    Pydantic validator, a declaration mistake the checks report before any call (issue 15).

    Raises:
        MizanError: the arguments are invalid (422), or InternalError for the above.
    """
    try:
        return fn_class.bind(args)
    except MizanError:
        raise
    except Exception as exc:
        logger.error(
            "Mizan could not validate the arguments of %s (the function did not run). A parameter "
            "type Pydantic cannot validate is reported by the system check mizan.E011 (Django) and "
            "by a ConfigError at start-up (FastAPI).",
            name,
            exc_info=exc,
        )
        raise InternalError() from exc


def _run(fn_class: type[ServerFunction], request: Any, bound: Any) -> Generator[Invoke, Any, Any]:
    instance = fn_class(request)
    return (yield Invoke(instance.run, (bound,)))


# --- POST /call/ -------------------------------------------------------------------------


def call_pipeline(request: Any, body: bytes, settings: MizanSettings) -> Pipeline:
    """RPC-2 steps 3-11 for one JSON `/call/` body (the adapter did method, tokens, CSRF)."""
    try:
        name, args = _backend.parse_call(body, settings.max_body_bytes, settings.max_depth)
    except MizanError as exc:
        return error_response(exc)
    return (yield from dispatch_pipeline(request, name, args))


def form_call_pipeline(
    request: Any, fields: Mapping[str, Sequence[str]], files: Mapping[str, Sequence[Upload]], settings: MizanSettings
) -> Pipeline:
    """`/call/` sent as `multipart/form-data` (RPC-7, UPL-2): one text part `fn`, an
    optional text part `args` holding a JSON object, and file parts named after the
    function's `Upload` parameters; anything else is a bad request.

    Args:
        fields: the text parts by name, repeated names in order.
        files: the file parts by name, already read by the adapter (spooled to disk
            above its in-memory threshold, UPL-4).
    """
    try:
        name, args, others = _parse_form_call(fields, settings)
    except MizanError as exc:
        return error_response(exc)
    return (yield from dispatch_pipeline(request, name, args, files, others))


def _parse_form_call(
    fields: Mapping[str, Sequence[str]], settings: MizanSettings
) -> tuple[str, dict[str, Any], dict[str, Sequence[str]]]:
    """`fn`, the decoded `args`, and the other text parts (judged once the function is
    known: an empty one may be a file input left empty, `uploads.attach`)."""
    fn_values = fields.get("fn", ())
    args_values = fields.get("args", ())
    others = {key: values for key, values in fields.items() if key not in ("fn", "args")}
    if len(fn_values) != 1 or len(args_values) > 1:
        raise BadRequest()
    name = fn_values[0]
    if not name:
        raise BadRequest()
    if not args_values:
        return name, {}, others
    args = _backend.parse_json(
        args_values[0].encode("utf-8", "surrogatepass"), settings.max_body_bytes, settings.max_depth
    )
    if args is None:
        return name, {}, others
    if not isinstance(args, dict):
        raise BadRequest()
    return name, args, others


def dispatch_pipeline(
    request: Any,
    name: str,
    args: dict[str, Any],
    files: Mapping[str, Sequence[Upload]] | None = None,
    text_parts: Mapping[str, Sequence[str]] | None = None,
) -> Pipeline:
    """RPC-2 steps 4-11: registry, lookup, private, the parts of a multipart call bound
    to `Upload` parameters (UPL-2), then `execute_pipeline`."""
    failure = registry_error()
    if failure is not None:
        return failure
    fn_class = registry.get_function(name)
    if fn_class is None:
        return error_response(function_not_found(name))
    if fn_class._options.private:
        return error_response(Forbidden(MSG_PRIVATE))
    if files or text_parts:
        try:
            args = uploads.attach(fn_class, args, files or {}, text_parts or {})
        except MizanError as exc:
            return error_response(exc)
    return (yield from execute_pipeline(request, name, fn_class, args))


def function_not_found(name: str) -> NotFound:
    """ERR-3's 404 for an unknown function, naming it in `details`, and a log line with the
    usual reasons (issue 15)."""
    logger.warning(
        "Mizan: no function named %r is registered. Is it decorated with @client and defined in a "
        "module that is registered: a `clients` module (or package) of an installed app with "
        '"mizan" in INSTALLED_APPS (Django), or passed to register() (FastAPI)?',
        name[:200],  # the log line stays short whatever a client sends
    )
    return NotFound(details={"function": name})


def route_pipeline(request: Any, name: str, fn_class: type[ServerFunction], args: dict[str, Any]) -> Pipeline:
    """A `route=` view (VIEW-4): private functions are reachable here, unlike on `/call/`."""
    failure = registry_error()
    if failure is not None:
        return failure
    return (yield from execute_pipeline(request, name, fn_class, args))


def route_methods(fn_class: type[ServerFunction]) -> tuple[str, ...]:
    """Declared methods, else GET for context functions and POST otherwise (DEC-2)."""
    options = fn_class._options
    if options.methods is not None:
        return options.methods
    return ("GET",) if options.context is not None else ("POST",)


def execute_pipeline(request: Any, name: str, fn_class: type[ServerFunction], args: dict[str, Any]) -> Pipeline:
    """Guard, validation, execution, then the success response with what the mutation
    invalidates and merges (RPC-3/4, §3, §4) or the view path for a framework response
    (RPC-6, VIEW-5). Shared by `/call/` and `route=` views."""
    try:
        if fn_class._options.auth is not None:  # no guard: no generator to run (AUTH-1)
            yield from _guard(fn_class, request)
        bound, supplied = _bind(name, fn_class, args)
        result = yield Invoke(fn_class(request).run, (bound,))  # _run, inline
    except Exception as exc:
        return error_response(as_mizan_error(exc))
    plan = rules.plan_for(fn_class)
    merge_value = result
    if isinstance(result, Outcome):  # the body says what it changed (FORM-5, mizan.core.outcome)
        plan = plan if result.changed else None
        result, merge_value = result.result, result.value
    view_path = is_framework_response(result)
    if view_path and getattr(result, "status_code", 200) >= 400:
        plan = None  # VIEW-5: a failed view changes nothing
    invalidate: list[Any] = []
    merge: list[Any] = []
    try:
        if plan is not None:
            arguments, supplied = uploads.without_uploads(fn_class, fn_class.arguments(bound), supplied)
            invalidate, merge = _backend.resolve_invalidation(
                plan, arguments, supplied, merge_value, to_jsonable_python
            )
        if view_path:
            merge = []  # VIEW-6: only the header transport, which carries no merges
            response = MizanResponse(200, headers={"Cache-Control": NO_STORE}, passthrough=result)
        else:
            envelope: dict[str, Any] = {"result": result}
            if invalidate:
                envelope["invalidate"] = invalidate
            if merge:
                envelope["merge"] = merge
            response = json_response(200, envelope)
        if invalidate:
            response.headers[HEADER_INVALIDATE] = _backend.format_invalidate_header(invalidate)
    except Exception as exc:
        logger.error("Mizan could not serialize the result of %s", name, exc_info=exc)
        return error_response(InternalError())  # INV-1: nothing emitted
    notify.emit(request, invalidate, merge, name)
    return response


# --- GET /ctx/<name>/ --------------------------------------------------------------------


def context_pipeline(request: Any, name: str, query: Mapping[str, str]) -> Pipeline:
    """A bundled context fetch (BND-1..7, CACHE-9): guards, then the origin cache, then
    validation and execution, each over the members in sorted name order; the first
    failure answers for the bundle."""
    failure = registry_error()
    if failure is not None:
        return failure
    view = registry.context_view(name)
    if view is None:
        return error_response(NotFound(f"Context '{name}' not found"))
    args = dict(query)
    try:
        for fn_class in view.guarded:  # the executed members that declare auth, sorted
            yield from _guard(fn_class, request)  # AUTH-1: a cache hit never bypasses a guard
    except Exception as exc:
        return error_response(as_mizan_error(exc))
    found = _cache_lookup(request, name, args)
    if found is None:
        return (yield from _bundle(request, name, view, args))
    if found.body is not None:
        return _cached_response(found.body, "HIT")
    flight, leader = singleflight.flights.join(found.key)
    if not leader:
        body = yield Invoke(flight.wait, ())
        if body is not None:
            return _cached_response(body, "MISS")
        return (yield from _bundle(request, name, view, args))  # the leader failed: run alone
    body = None
    try:
        response = yield from _bundle(request, name, view, args)
        if response.status == 200:
            body = response.body
            if _cache_store(name, found, body):
                response.headers[HEADER_CACHE] = "MISS"
    finally:
        singleflight.flights.land(found.key, flight, body)
    return response


def _bundle(request: Any, name: str, view: registry.ContextView, args: dict[str, Any]) -> Pipeline:
    try:
        bound = [(member, fn_class, _bind(member, fn_class, args)[0]) for member, fn_class in view.executed]
        bundle = {}
        for member, fn_class, member_input in bound:
            bundle[member] = yield from _run(fn_class, request, member_input)
    except Exception as exc:
        return error_response(as_mizan_error(exc))
    try:
        return json_response(200, bundle)
    except Exception as exc:
        logger.error("Mizan could not serialize the bundle of %s", name, exc_info=exc)
        return error_response(InternalError())


def _cache_lookup(request: Any, name: str, args: Mapping[str, str]) -> cache.Lookup | None:
    """CACHE-6/9: None when the cache does not take part (disabled, `cache=False`, a
    param that cannot be coerced, or a failing backend: a lookup error is a miss)."""
    backend, secret = cache.get_cache(), cache.active_secret()
    policy = cachepolicy.policy_for(name)
    if backend is None or secret is None or policy is None or not policy.enabled:
        return None
    if not cache.replay_pending():
        return None  # purges from an outage are not through yet: old entries may be stale
    params = policy.key_params(args)
    if params is None:
        return None
    try:
        user_id = cachepolicy.user_key(request)
    except UnkeyedIdentity as exc:
        # FA-3a: never the anonymous entry, never another user's: run the fetch, store nothing.
        cache.logger.warning("Mizan cache bypassed for %r: %s", name, exc)
        return None
    try:
        return cache.lookup(backend, secret, name, params, user_id, policy.rev)
    except Exception as exc:
        _warn_cache_failure("lookup", name, exc)
        return None


def _cache_store(name: str, found: cache.Lookup, body: bytes) -> bool:
    """Store a 200 bundle under the stamp read at lookup; False when the store failed
    (then no X-Mizan-Cache header, CACHE-11)."""
    backend, policy = cache.get_cache(), cachepolicy.policy_for(name)
    if backend is None or policy is None:
        return False
    try:
        cache.store(backend, found.key, found.stamp, body, policy.entry_ttl(cache.default_ttl()))
    except Exception as exc:
        _warn_cache_failure("store", name, exc)
        return False
    return True


def _warn_cache_failure(step: str, name: str, exc: Exception) -> None:
    """One warning per failed lookup or store (CACHE-3). A CacheError is the backend saying
    what failed ("RedisCache.get_many: timed out"): its message is the whole story, and
    formatting a traceback for each request of an outage costs more than the request."""
    if isinstance(exc, CacheError):
        cache.logger.warning("Mizan cache %s for %r failed: %s", step, name, exc)
    else:
        cache.logger.warning("Mizan cache %s for %r failed", step, name, exc_info=exc)


def _cached_response(body: bytes, status: str) -> MizanResponse:
    """CACHE-10: the stored bytes untouched."""
    headers = {"Content-Type": JSON, "Cache-Control": NO_STORE, HEADER_CACHE: status}
    return MizanResponse(200, body, headers)


# --- drivers -----------------------------------------------------------------------------


# Exact types whose values are never awaitable: the common results skip
# inspect.isawaitable's Awaitable ABC check.
_NEVER_AWAITABLE = frozenset({dict, list, tuple, str, bytes, int, float, bool, type(None)})


def run_sync(pipeline: Pipeline, resolve: Callable[[Awaitable[Any]], Any]) -> MizanResponse:
    """Drive a pipeline synchronously; `resolve` runs an awaitable to completion."""
    try:
        step = next(pipeline)
        while True:
            try:
                value = step.func(*step.args)
                if type(value) not in _NEVER_AWAITABLE and inspect.isawaitable(value):
                    value = resolve(value)
            except Exception as exc:
                step = pipeline.throw(exc)
            else:
                step = pipeline.send(value)
    except StopIteration as stop:
        response: MizanResponse = stop.value
        return response


async def run_async(pipeline: Pipeline, in_thread: Callable[..., Awaitable[Any]] | None = None) -> MizanResponse:
    """Drive a pipeline on an event loop: coroutines awaited, sync code in a thread
    (`await in_thread(func, *args)`, by default `asyncio.to_thread`)."""
    to_thread = in_thread or asyncio.to_thread
    try:
        step = next(pipeline)
        while True:
            try:
                if inspect.iscoroutinefunction(step.func):
                    value = await step.func(*step.args)
                else:
                    value = await to_thread(step.func, *step.args)
                    if inspect.isawaitable(value):
                        value = await value
            except Exception as exc:
                step = pipeline.throw(exc)
            else:
                step = pipeline.send(value)
    except StopIteration as stop:
        response: MizanResponse = stop.value
        return response
