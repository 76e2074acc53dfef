"""The framework-neutral pipeline and its two drivers (SIG-9: identical results)."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable
from types import SimpleNamespace
from typing import Any

import pytest

from mizan import Forbidden, client
from mizan.core import registry
from mizan.core.executor import (
    MizanResponse,
    as_mizan_error,
    call_pipeline,
    context_pipeline,
    run_async,
    run_sync,
)
from mizan.core.settings import MizanSettings

pytestmark = pytest.mark.usefixtures("clean_registry")
SETTINGS = MizanSettings(max_body_bytes=1000)


def _resolve(awaitable: Awaitable[Any]) -> Any:
    async def wait() -> Any:
        return await awaitable

    return asyncio.run(wait())


def _both(make: Any) -> tuple[MizanResponse, MizanResponse]:
    return run_sync(make(), _resolve), asyncio.run(run_async(make()))


@pytest.fixture
def functions(clean_registry: None) -> None:
    async def deny(request: Any) -> bool:
        return False

    @client
    def echo(request: Any, text: str) -> dict[str, str]:
        return {"message": f"echo: {text}"}

    @client
    async def aecho(request: Any, text: str) -> dict[str, str]:
        return {"message": f"async: {text}"}

    @client(auth=deny)
    def denied(request: Any) -> str:
        return "never"

    @client(auth="staff")
    def staff(request: Any) -> str:
        return "staff"

    @client
    async def afail(request: Any) -> None:
        raise PermissionError("nope")

    @client(context="user")
    def user_profile(request: Any, user_id: int) -> dict[str, int]:
        return {"id": user_id}

    @client(context="user")
    async def user_orders(request: Any, user_id: int) -> list[int]:
        return [user_id]

    for fn in (echo, aecho, denied, staff, afail, user_profile, user_orders):
        registry.register(fn, fn.__name__)


CASES = [
    (b'{"fn":"echo","args":{"text":"hi"}}', 200, b'{"result":{"message":"echo: hi"}}'),
    (b'{"fn":"aecho","args":{"text":"hi"}}', 200, b'{"result":{"message":"async: hi"}}'),
    (b'{"fn":"denied"}', 403, b'{"error":{"code":"FORBIDDEN","message":"Permission denied"}}'),
    (b'{"fn":"afail"}', 403, b'{"error":{"code":"FORBIDDEN","message":"nope"}}'),
    (
        b'{"fn":"echo"}',
        422,
        b'{"error":{"code":"VALIDATION_ERROR","details":{"fields":{"text":["Field required"]}},'
        b'"message":"Input validation failed"}}',
    ),
    (
        b'{"fn":"nope"}',
        404,
        b'{"error":{"code":"NOT_FOUND","details":{"function":"nope"},"message":"Function not found"}}',
    ),
    (b"{" * 2000, 400, b'{"error":{"code":"BAD_REQUEST","message":"Invalid request body"}}'),
]


@pytest.mark.usefixtures("functions")
@pytest.mark.parametrize("body, status, expected", CASES)
def test_call_pipeline_same_result_on_both_drivers(body: bytes, status: int, expected: bytes) -> None:
    sync, asynchronous = _both(lambda: call_pipeline(None, body, SETTINGS))
    assert sync == asynchronous
    assert (sync.status, sync.body) == (status, expected)
    assert sync.headers["Cache-Control"] == "no-store"
    assert sync.headers["Content-Type"] == "application/json"


@pytest.mark.usefixtures("functions")
def test_auth_levels_use_the_request_user() -> None:
    anonymous = SimpleNamespace(user=SimpleNamespace(is_authenticated=False))
    member = SimpleNamespace(user=SimpleNamespace(is_authenticated=True, is_staff=False))
    staff = SimpleNamespace(user=SimpleNamespace(is_authenticated=True, is_staff=True))
    body = b'{"fn":"staff"}'
    assert run_sync(call_pipeline(anonymous, body, SETTINGS), _resolve).status == 401
    assert run_sync(call_pipeline(member, body, SETTINGS), _resolve).body == (
        b'{"error":{"code":"FORBIDDEN","message":"Staff access required"}}'
    )
    assert run_sync(call_pipeline(staff, body, SETTINGS), _resolve).body == b'{"result":"staff"}'
    # FastAPI-style identity (request.state.user) is found the same way (AUTH-2).
    state_staff = SimpleNamespace(state=SimpleNamespace(user=SimpleNamespace(is_staff=True)))
    assert run_sync(call_pipeline(state_staff, body, SETTINGS), _resolve).status == 200


@pytest.mark.usefixtures("functions")
def test_context_pipeline_on_both_drivers() -> None:
    sync, asynchronous = _both(lambda: context_pipeline(None, "user", {"user_id": "5", "other": "x"}))
    assert sync == asynchronous
    assert sync.body == b'{"user_orders":[5],"user_profile":{"id":5}}'
    missing, _ = _both(lambda: context_pipeline(None, "ghost", {}))
    assert missing.body == b'{"error":{"code":"NOT_FOUND","message":"Context \'ghost\' not found"}}'


def test_invalid_registry_answers_500_on_both_endpoints() -> None:
    registry.register(client(affects="ghost")(lambda request: None), "broken")
    registry.register(client(context="user")(lambda request: None), "member")
    expected = b'{"error":{"code":"INTERNAL_ERROR","message":"Mizan registry is invalid"}}'
    for make in (lambda: call_pipeline(None, b'{"fn":"member"}', SETTINGS), lambda: context_pipeline(None, "user", {})):
        sync, asynchronous = _both(make)
        assert (sync.status, sync.body) == (500, expected) == (asynchronous.status, asynchronous.body)


@pytest.mark.parametrize(
    "exc, status, message",
    [
        (PermissionError(), 403, "Permission denied"),
        (PermissionError("no way"), 403, "no way"),
        (NotImplementedError(), 501, "Not implemented"),
        (NotImplementedError("later"), 501, "later"),
        (Forbidden("custom"), 403, "custom"),
        (KeyError("internal detail"), 500, "Internal server error"),
    ],
)
def test_err3_exception_mapping(exc: BaseException, status: int, message: str) -> None:
    error = as_mizan_error(exc)
    assert (error.status, error.message) == (status, message)


class _NoThreads(concurrent.futures.ThreadPoolExecutor):
    """A default executor that records every job handed to it."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)
        self.jobs: list[str] = []

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.jobs.append(getattr(args[0] if args else fn, "__qualname__", repr(fn)))
        return super().submit(fn, *args, **kwargs)


@pytest.mark.usefixtures("functions")
@pytest.mark.parametrize(
    ("body", "threaded"),
    [
        (b'{"fn":"aecho","args":{"text":"hi"}}', False),  # async body and no guard: never leaves the loop
        (b'{"fn":"echo","args":{"text":"hi"}}', True),  # a sync body runs in the threadpool
    ],
)
def test_fa4_async_function_never_enters_the_threadpool(body: bytes, threaded: bool) -> None:
    """FA-4/SIG-9: `run_async` awaits an async function on the loop; only sync user code is
    handed to the loop's executor (a thread hop costs more than the whole call)."""
    executor = _NoThreads()

    async def main() -> MizanResponse:
        asyncio.get_running_loop().set_default_executor(executor)
        return await run_async(call_pipeline(None, body, SETTINGS))

    try:
        response = asyncio.run(main())
    finally:
        executor.shutdown()
    assert response.status == 200
    assert bool(executor.jobs) is threaded, executor.jobs
