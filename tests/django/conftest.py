"""Shared helpers for the Django adapter tests (PROTOCOL §2, §5.1, §5.2).

Every request goes through Django's real test `Client` with `enforce_csrf_checks=True`;
POSTs carry the token from `GET /api/mizan/session/` as `X-CSRFToken` plus the cookie,
exactly as the kernel does (SESS-1, SESS-2). Expected bodies are written as bytes, or
built here with the standard library's encoder (never Mizan's) in canonical form.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.http import HttpResponseBase
from django.test import Client

from mizan.core import registry
from tests.django.project.testapp import clients as testapp

CALL = "/api/mizan/call/"
SESSION = "/api/mizan/session/"
JSON_TYPE = "application/json"
NO_STORE = "no-store"
_MISSING = object()

# The registry as autodiscovery left it when Django started (DISC-1, DISC-2); taken
# when pytest imports this conftest, after pytest-django ran django.setup().
STARTUP_REGISTRY: dict[str, type] = registry.get_all_functions()


def ctx_url(name: str) -> str:
    return f"/api/mizan/ctx/{name}/"


def canonical(value: Any) -> bytes:
    """JSON-1 bytes computed independently of Mizan's encoder."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def envelope(code: str, message: str, details: dict[str, Any] | None = None) -> bytes:
    """The ERR-1 error envelope, canonical."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return canonical({"error": error})


def assert_mizan_headers(response: HttpResponseBase) -> None:
    """Headers every Mizan JSON response carries (JSON-2, RPC-4, BND-6, ERR-6, §2.7)."""
    assert response["Content-Type"] == JSON_TYPE
    assert response["Cache-Control"] == NO_STORE
    assert "X-Mizan-Invalidate" not in response


def assert_json(response: HttpResponseBase, status: int, body: bytes) -> None:
    """Exact status, exact body bytes, and the Mizan headers."""
    assert (response.status_code, response.content) == (status, body)
    assert_mizan_headers(response)
    if status != 405:
        assert "Allow" not in response


def assert_error(
    response: HttpResponseBase, status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> None:
    """An ERR-1 envelope with exact bytes (ERR-2, ERR-3)."""
    assert_json(response, status, envelope(code, message, details))


def assert_bad_request(response: HttpResponseBase) -> None:
    assert_error(response, 400, "BAD_REQUEST", "Invalid request body")


def assert_validation(response: HttpResponseBase, fields: dict[str, list[str]]) -> None:
    """422 with exactly the ERR-4 details `{"fields": {...}}`."""
    assert_error(response, 422, "VALIDATION_ERROR", "Input validation failed", {"fields": fields})


def assert_internal(response: HttpResponseBase, message: str = "Internal server error") -> None:
    assert_error(response, 500, "INTERNAL_ERROR", message)


def assert_method_not_allowed(response: HttpResponseBase, allow: str, head: bool = False) -> None:
    """EP-3: 405, envelope, `Allow`, `no-store` (a HEAD response has its body stripped)."""
    assert response.status_code == 405
    if not head:
        assert response.content == b'{"error":{"code":"METHOD_NOT_ALLOWED","message":"Method not allowed"}}'
    assert response["Allow"] == allow
    assert_mizan_headers(response)


def assert_result(response: HttpResponseBase, result: Any) -> None:
    """RPC-3: 200 `{"result": ...}` with no `invalidate`/`merge` keys."""
    assert_json(response, 200, canonical({"result": result}))


class MizanClient:
    """A Django test client speaking the Mizan wire protocol, with CSRF enforced."""

    def __init__(self, django_client: Client) -> None:
        self.django = django_client
        self._token: str | None = None

    def session(self) -> HttpResponseBase:
        return self.django.get(SESSION)

    @property
    def token(self) -> str:
        """The `csrfToken` from `GET /session/` (sets the `csrftoken` cookie, SESS-1)."""
        if self._token is None:
            response = self.session()
            assert response.status_code == 200
            self._token = json.loads(response.content)["csrfToken"]
        return self._token

    def post(
        self,
        body: bytes | str,
        *,
        csrf: bool = True,
        content_type: str = JSON_TYPE,
        path: str = CALL,
        **extra: Any,
    ) -> HttpResponseBase:
        """POST a raw body to `/call/` (with a valid token unless `csrf=False`)."""
        if csrf:
            extra.setdefault("HTTP_X_CSRFTOKEN", self.token)
        return self.django.post(path, body, content_type=content_type, **extra)

    def call(self, fn: Any, args: Any = _MISSING, **extra: Any) -> HttpResponseBase:
        """`POST /call/` with `{"fn": fn, "args": args}` (`args` omitted when not given)."""
        payload: dict[str, Any] = {"fn": fn}
        if args is not _MISSING:
            payload["args"] = args
        return self.post(json.dumps(payload), **extra)

    def ctx(self, name: str, query: str = "", **extra: Any) -> HttpResponseBase:
        """`GET /ctx/<name>/?<query>` (query written verbatim, so order is under test)."""
        return self.django.get(ctx_url(name) + (f"?{query}" if query else ""), **extra)


@pytest.fixture
def mizan() -> MizanClient:
    """An anonymous client."""
    return MizanClient(Client(enforce_csrf_checks=True))


@pytest.fixture
def login(db: None, django_user_model: Any) -> Callable[..., MizanClient]:
    """`login(username, **flags)`: a client with a session for a fresh user (AUTH-2)."""

    def make(username: str = "alice", **flags: Any) -> MizanClient:
        user = django_user_model.objects.create_user(username=username, password="pw", **flags)
        django_client = Client(enforce_csrf_checks=True)
        django_client.force_login(user)
        return MizanClient(django_client)

    return make


def restore_registry(snapshot: dict[str, type]) -> None:
    """Make the registry exactly `snapshot` again (same names, classes and order)."""
    if registry.get_all_functions() == snapshot and list(registry.get_all_functions()) == list(snapshot):
        return
    registry.clear_registry()
    for name, fn_class in snapshot.items():
        registry.register(fn_class, name)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _isolated_registry() -> Iterator[None]:
    """Every test starts from, and leaves behind, the startup registry; counters reset."""
    restore_registry(STARTUP_REGISTRY)
    testapp.CALLS.clear()
    testapp.EVENTS.clear()
    yield
    restore_registry(STARTUP_REGISTRY)


@pytest.fixture
def purges() -> Iterator[list[tuple[Any, ...]]]:
    """What the purge hook receives, as (context, params) (INV-11, MRG-8); the cache
    issue installs the real hook."""
    from mizan.core import notify

    seen: list[tuple[Any, ...]] = []
    previous = notify.get_purge_hook()
    notify.set_purge_hook(lambda request, context, params: seen.append((context, params)))
    try:
        yield seen
    finally:
        notify.set_purge_hook(previous)


@pytest.fixture
def forget_new_shapes() -> Iterator[None]:
    """Shapes a test declares (some broken on purpose) leave the system check's list after it."""
    from mizan.shapes import registry as shapes

    before = shapes.declared()
    yield
    for shape in shapes.declared():
        if shape not in before:
            shapes.forget(shape)
