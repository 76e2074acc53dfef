"""Who is calling a Mizan endpoint on FastAPI: a valid `X-Mizan-Token`, else the
application's `request.state.user` (PROTOCOL FA-3, AUTH-2, AUTH-4, AUTH-5).

The application owns authentication: its middleware or dependencies put a user object in
`request.state.user` (or Starlette's `AuthenticationMiddleware` puts one in
`scope["user"]`). The core reads users the Django way (`pk`, `is_authenticated` as a
property, attributes rather than keys), so the application's object is wrapped in an
`AppUser` for the duration of the dispatch.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final

from starlette.requests import Request

from mizan.core.settings import MizanSettings
from mizan.core.tokens import TokenUser, authenticate_mwt

MWT_HEADER: Final = "x-mizan-token"
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
    return authenticate_mwt(request.headers.get(MWT_HEADER), settings.mwt)


def _native_user(request: Request) -> Any:
    user = getattr(request.state, "user", None)
    if user is None:
        user = request.scope.get("user")  # Starlette's AuthenticationMiddleware
    return user


@contextmanager
def acting_as(request: Request, token_user: TokenUser | None) -> Iterator[None]:
    """Make `request.state.user` the identity the core sees while the pipeline runs.

    A token user replaces the application's user for the rest of the request (AUTH-5).
    Otherwise the application's user is wrapped in `AppUser` and put back afterwards,
    unless the function replaced it meanwhile.
    """
    state = request.state
    if token_user is not None:
        state.user = token_user
        yield
        return
    user = _native_user(request)
    if user is None or isinstance(user, TokenUser | AppUser):
        yield
        return
    previous = getattr(state, "user", _MISSING)
    proxy = AppUser(user)
    state.user = proxy
    try:
        yield
    finally:
        if getattr(state, "user", None) is proxy:
            if previous is _MISSING:
                del state.user
            else:
                state.user = previous
