"""The FastAPI auth contract (PROTOCOL FA-3, AUTH-1, AUTH-2, AUTH-5): whatever the
application puts in `request.state.user` (middleware, dependencies, or Starlette's
`AuthenticationMiddleware`) is who the guards, cache keys and functions see."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient
from starlette.authentication import AuthCredentials, AuthenticationBackend, SimpleUser
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection
from starlette.responses import Response

import mizan_fastapi
from mizan.core.tokens import MWTConfig, mint_mwt
from mizan_fastapi import AppUser, client, get_user, register
from tests.fastapi.conftest import MizanClient, assert_error, assert_result

SECRET = "mwt-secret-for-the-fastapi-auth-tests-01234"


@dataclass
class PkUser:
    pk: int
    id: int = 0
    is_staff: bool = True


class MethodUser:
    """An older style: `is_authenticated()` is a method."""

    def __init__(self, authenticated: bool) -> None:
        self.authenticated = authenticated
        self.id = 12

    def is_authenticated(self) -> bool:
        return self.authenticated


class FalsyUser:
    id = 13

    def __bool__(self) -> bool:
        return False


class Bare:
    """No flags at all: authenticated (default), not staff, not superuser."""

    id = 14


def app_with_user(user: Any) -> MizanClient:
    """An application whose dependency (on the included router) sets `request.state.user`."""

    def set_user(request: Request) -> None:
        request.state.user = user

    app = FastAPI()
    app.include_router(mizan_fastapi.router, prefix="/api/mizan", dependencies=[Depends(set_user)])
    return MizanClient(TestClient(app))


@pytest.mark.parametrize(
    ("user", "secure", "staff", "identity"),
    [
        (None, 401, 401, None),
        (PkUser(pk=21, id=99), 200, 200, {"kind": "PkUser", "pk": 21, "staff": True, "superuser": False}),
        (Bare(), 200, 403, {"kind": "Bare", "pk": 14, "staff": False, "superuser": False}),
        (MethodUser(True), 200, 403, {"kind": "MethodUser", "pk": 12, "staff": False, "superuser": False}),
        (MethodUser(False), 401, 401, None),
        (FalsyUser(), 401, 401, None),
        ({"id": 8, "is_superuser": True}, 200, 403, {"kind": "dict", "pk": 8, "staff": False, "superuser": True}),
    ],
    ids=["none", "pk-over-id", "no-flags", "method-true", "method-false", "falsy", "mapping"],
)
def test_fa3_user_from_a_dependency(user: Any, secure: int, staff: int, identity: dict[str, Any] | None) -> None:
    """FA-3/AUTH-2: `None` is anonymous; `is_authenticated` defaults to true (and is called
    when it is a method); a falsy user is anonymous; flags default to false; `pk` wins
    over `id`; a mapping is read by key."""
    api = app_with_user(user)
    response = api.call("identity_secure")
    assert response.status_code == secure
    if identity is not None:
        assert_result(response, identity)
    assert api.call("staff_only").status_code == staff


def test_fa3_absent_state_user_is_anonymous(api: MizanClient) -> None:
    assert_error(api.call("whoami"), 401, "UNAUTHORIZED", "Authentication required")
    assert_result(api.call("identity"), {"kind": "NoneType", "pk": None, "staff": False, "superuser": False})


@pytest.mark.parametrize(
    ("user", "fn", "status"),
    [
        ("alice", "staff_only", 403),
        ("staff", "staff_only", 200),
        ("super", "superuser_only", 200),
        ("staff", "superuser_only", 403),
        ("ghost", "whoami", 401),
        ("vip", "vip_only", 200),
        ("alice", "vip_only", 403),
        (None, "vip_only", 403),
        (None, "async_denied", 403),
        (None, "async_allowed", 200),
    ],
)
def test_auth1_guards_with_middleware_users(api: MizanClient, user: str | None, fn: str, status: int) -> None:
    """AUTH-1: every `auth=` kind against users set by application middleware."""
    assert api.as_user(user).call(fn).status_code == status


def test_auth1_raising_guard_is_500(api: MizanClient) -> None:
    assert_error(api.call("broken_guard"), 500, "INTERNAL_ERROR", "Internal server error")


class HeaderBackend(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, SimpleUser] | None:
        name = conn.headers.get("x-basic-user")
        return None if name is None else (AuthCredentials(["authenticated"]), SimpleUser(name))


def test_fa3_starlette_authentication_middleware_user() -> None:
    """FA-3: without `request.state.user`, Starlette's `scope["user"]` is used; its
    `UnauthenticatedUser` is anonymous."""
    app = FastAPI()
    app.add_middleware(AuthenticationMiddleware, backend=HeaderBackend())
    app.include_router(mizan_fastapi.router, prefix="/api/mizan")
    api = MizanClient(TestClient(app))
    assert_result(api.call("whoami", headers={"x-basic-user": "sam"}), {"username": "sam"})
    assert_error(api.call("whoami"), 401, "UNAUTHORIZED", "Authentication required")


def test_fa3_state_user_is_put_back_and_a_token_user_stays() -> None:
    """The application's object is wrapped only while Mizan dispatches; a token identity
    replaces it for the rest of the request (AUTH-5)."""
    mizan_fastapi.configure(mwt_secret=SECRET)
    original = PkUser(pk=5)
    seen: list[Any] = []
    app = FastAPI()

    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request.state.user = original
        response = await call_next(request)
        seen.append(request.state.user)
        return response

    app.include_router(mizan_fastapi.router, prefix="/api/mizan")
    api = MizanClient(TestClient(app))
    assert api.call("identity").status_code == 200
    token = mint_mwt(MWTConfig(secret=SECRET), "77", pkey="0" * 64, is_staff=False, is_superuser=False)
    assert api.call("identity", headers={"x-mizan-token": token}).status_code == 200
    assert seen[0] is original
    assert type(seen[1]).__name__ == "MWTUser" and seen[1].pk == 77


def test_fa3_functions_see_the_application_object_through_app_user() -> None:
    """`get_user(request)` is an `AppUser` standing for the object: attributes and
    `isinstance` reach it, `.wrapped` is it."""
    original = PkUser(pk=31)
    seen: list[Any] = []

    @client
    def inspect_user(request: Any) -> bool:
        seen.append(get_user(request))
        return True

    register(inspect_user, "inspect_user")
    assert app_with_user(original).call("inspect_user").status_code == 200
    (user,) = seen
    assert isinstance(user, PkUser) and isinstance(user, AppUser)
    assert user.wrapped is original and user.pk == 31 and user.id == 0


def test_app_user_reads() -> None:
    mapping = AppUser({"pk": 3, "name": "m"})
    assert (mapping.pk, mapping.id, mapping.name, mapping["name"]) == (3, 3, "m", "m")
    with pytest.raises(AttributeError):
        _ = mapping.missing
    plain = AppUser(Bare())
    assert (plain.pk, plain.is_authenticated, plain.is_anonymous, plain.is_staff, plain.is_superuser) == (
        14,
        True,
        False,
        False,
        False,
    )
    assert repr(plain).startswith("AppUser(") and bool(plain)
    assert copy.copy(plain).wrapped is plain.wrapped
