"""Who is calling a Mizan endpoint on FastAPI: a valid `X-Mizan-Token`, else the
application's `request.state.user` (PROTOCOL FA-3, AUTH-2, AUTH-4, AUTH-5).

The application owns authentication: its middleware or dependencies put a user object in
`request.state.user` (or Starlette's `AuthenticationMiddleware` puts one in
`scope["user"]`). The core reads users the Django way (`pk`, `is_authenticated` as a
property, attributes rather than keys), so the application's object is wrapped in an
`AppUser` for the duration of the dispatch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from starlette.requests import HTTPConnection, Request
from starlette.types import Scope

from mizan.core.settings import MizanSettings
from mizan.core.tokens import TokenUser, authenticate_mwt

MWT_HEADER: Final = b"x-mizan-token"  # raw, as in the ASGI scope
_MISSING: Final = object()


class AppUser:
    """The application's user as the core reads it (FA-3).

    `is_authenticated` defaults to True (and is called when the application made it a
    method), `is_staff`/`is_superuser` default to False, and `pk` falls back to `id` (and
    `id` to `pk`), so guards, cache keys and `mwt_obtain` agree on who it is. A mapping
    (say, decoded token claims) is read by key. Every other attribute is read from the
    wrapped object, and `__class__` is the wrapped object's (as Django's lazy
    `request.user` does), so `isinstance(get_user(request), MyUser)` still holds;
    `wrapped` is the object itself.
    """

    __slots__ = ("wrapped",)

    def __init__(self, wrapped: Any) -> None:
        self.wrapped = wrapped

    def _field(self, name: str, default: Any) -> Any:
        if isinstance(self.wrapped, Mapping):
            return self.wrapped.get(name, default)
        return getattr(self.wrapped, name, default)

    @property
    def is_authenticated(self) -> bool:
        value = self._field("is_authenticated", True)
        return bool(value() if callable(value) else value)

    @property
    def is_anonymous(self) -> bool:
        return not self.is_authenticated

    @property
    def is_staff(self) -> bool:
        return bool(self._field("is_staff", False))

    @property
    def is_superuser(self) -> bool:
        return bool(self._field("is_superuser", False))

    @property
    def pk(self) -> Any:
        pk = self._field("pk", None)
        return pk if pk is not None else self._field("id", None)

    @property
    def id(self) -> Any:
        id_ = self._field("id", None)
        return id_ if id_ is not None else self._field("pk", None)

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        return type(self.wrapped)

    def __getattr__(self, name: str) -> Any:
        if name == "wrapped":  # not set yet (copy, unpickling): never recurse
            raise AttributeError(name)
        wrapped = self.wrapped
        if isinstance(wrapped, Mapping):
            try:
                return wrapped[name]
            except KeyError:
                raise AttributeError(name) from None
        return getattr(wrapped, name)

    def __getitem__(self, key: Any) -> Any:
        return self.wrapped[key]

    def __bool__(self) -> bool:
        return bool(self.wrapped)

    def __repr__(self) -> str:
        return f"AppUser({self.wrapped!r})"


def authenticate(request: Request, settings: MizanSettings) -> TokenUser | None:
    """AUTH-4 for FastAPI: the `X-Mizan-Token` identity, or None when there is no token
    (FastAPI never reads `Authorization`, JWT-5).

    Raises:
        Unauthorized: a token is present and invalid, or no MWT secret is configured;
            `request.state.user` is never used as a fallback.
    """
    return authenticate_mwt(token_header(request.scope), settings.mwt)


def token_header(scope: Scope) -> str | None:
    """The first `X-Mizan-Token` header, decoded as Starlette decodes headers (latin-1).
    ASGI servers lower-case header names, which is what Starlette's `Headers` relies on too."""
    for name, value in scope["headers"]:
        if name == MWT_HEADER:
            token: str = value.decode("latin-1")
            return token
    return None


def _native_user(scope: Scope) -> Any:
    # `request.state` is a view of `scope["state"]`; reading the dict skips building the
    # `State` object, whose miss raises and catches an AttributeError.
    state = scope.get("state")
    user = state.get("user") if state else None
    if user is None:
        user = scope.get("user")  # Starlette's AuthenticationMiddleware
    return user


def act_as(request: HTTPConnection, token_user: TokenUser | None) -> Callable[[], None] | None:
    """Make `request.state.user` the identity the core sees while the pipeline runs; what
    to call once it has run, or None when nothing needs putting back. `request` is any
    connection: an HTTP request, or the per-call copy of a WebSocket's (mizan_fastapi.ws).

    A token user replaces the application's user for the rest of the request (AUTH-5).
    Otherwise the application's user is wrapped in `AppUser`, and the returned callable
    puts the original back, unless the function replaced it meanwhile.
    """
    scope = request.scope
    if token_user is not None:
        scope.setdefault("state", {})["user"] = token_user
        return None
    user = _native_user(scope)
    if user is None or isinstance(user, TokenUser | AppUser):
        return None
    state: dict[str, Any] = scope.setdefault("state", {})
    previous = state.get("user", _MISSING)
    proxy = AppUser(user)
    state["user"] = proxy

    def restore() -> None:
        if state.get("user") is proxy:
            if previous is _MISSING:
                del state["user"]
            else:
                state["user"] = previous

    return restore
