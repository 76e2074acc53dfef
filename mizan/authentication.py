"""Who is calling a Mizan endpoint in Django: MWT, then bearer JWT, then the session
(AUTH-4, AUTH-5, JWT-1)."""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any, NamedTuple

from django.conf import settings as django_settings
from django.contrib.auth import get_user, get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from mizan.core.errors import Unauthorized
from mizan.core.settings import MizanSettings
from mizan.core.tokens import MSG_JWT, InvalidToken, JWTConfig, JWTUser, TokenUser, authenticate_mwt, verify_jwt

logger = logging.getLogger("mizan.tokens")

MWT_META = "HTTP_X_MIZAN_TOKEN"
AUTHORIZATION_META = "HTTP_AUTHORIZATION"
BEARER = "bearer"


def check_pk(sub: str) -> object:
    """A token subject must parse as the user model's primary key (an integer-keyed
    project refuses `sub: "abc"`); no database read.

    Raises:
        django.core.exceptions.ValidationError: it does not.
    """
    return get_user_model()._meta.pk.to_python(sub)


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (scheme case-insensitive,
    RFC 7235); None for no header or another scheme (Basic, Token, ...)."""
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != BEARER:
        return None
    return token.strip()


class _StoredSession(dict[str, Any]):
    """A copy of a stored session's data, as `django.contrib.auth.get_user` reads it.

    Where Django would flush the session (stale auth hash) or cycle its key (hash of a
    fallback SECRET_KEY), the copy changes nothing in the store: the bearer check only
    decides; the browser's own next request does what Django does to its session.
    """

    def flush(self) -> None:
        self.clear()

    def cycle_key(self) -> None:
        """The session stays valid under a fallback secret; its key is the browser's to cycle."""


class _SessionOnly:
    """The one attribute of a request `get_user` reads."""

    def __init__(self, session: _StoredSession) -> None:
        self.session = session


def session_user(session_key: str) -> Any | None:
    """The user Django itself would give the browser of a stored session, or None.

    This is `django.contrib.auth.get_user` on that session, so it refuses exactly what the
    session refuses: a session that is gone (logged out, flushed, expired) or names no
    user, an auth backend no longer in AUTHENTICATION_BACKENDS, a user the backend no
    longer returns (ModelBackend: deleted or `is_active=False`), and a session auth hash
    that no longer matches (the password changed). One session read and one user read.
    """
    engine = import_module(django_settings.SESSION_ENGINE)
    data = engine.SessionStore(session_key).load()
    try:
        user = get_user(_SessionOnly(_StoredSession(data)))
    except ValidationError:  # a stored user id the user model cannot parse
        return None
    return user if user.is_authenticated else None


class SessionJWT(NamedTuple):
    """A verified session-bound JWT: its claims and the live user of its session."""

    claims: JWTUser
    user: Any


def verify_session_jwt(config: JWTConfig, token: str, kind: str) -> SessionJWT:
    """A JWT of type `kind` whose bound session Django still accepts, for the token's
    subject (JWT-1, JWT-3; issue 15): the one check of bearer access tokens and of
    `jwt_refresh`.

    Raises:
        InvalidToken: any failure, including an unusable key (logged as a warning).
    """
    problem = config.key_problem
    if problem is not None:
        logger.warning("bearer JWT refused: the JWT key is unusable: %s", problem)
        raise InvalidToken(problem)
    claims = verify_jwt(config, token, kind)
    try:
        check_pk(str(claims.pk))
    except Exception:
        raise InvalidToken("sub is not a valid primary key") from None
    user = session_user(claims.session_key)
    if user is None or str(user.pk) != str(claims.pk):
        raise InvalidToken("the bound session is gone, another user's, or no longer accepted by Django")
    return SessionJWT(claims, user)


def set_user(request: HttpRequest, user: TokenUser) -> None:
    """AUTH-5: the token's identity replaces the session user for the whole request."""
    request.user = user

    async def auser() -> TokenUser:
        return user

    request.auser = auser


def authenticate(request: HttpRequest, settings: MizanSettings) -> bool:
    """Resolve the identity of a Mizan request (AUTH-4).

    Returns:
        True when a token authenticated the request (it is then CSRF-exempt, AUTH-6);
        False when the session identity stands.

    Raises:
        Unauthorized: a token header is present and its token is invalid; the session is
            never used as a fallback.
    """
    mwt_user = authenticate_mwt(request.META.get(MWT_META), settings.mwt, check_subject=check_pk)
    if mwt_user is not None:
        set_user(request, mwt_user)
        return True
    if not settings.jwt.enabled:
        return False
    token = bearer_token(request.META.get(AUTHORIZATION_META))
    if token is None:
        return False
    try:
        verified = verify_session_jwt(settings.jwt, token, "access")
    except InvalidToken as error:
        logger.debug("JWT refused: %s", error)
        raise Unauthorized(MSG_JWT) from None
    set_user(request, verified.claims)
    return True
