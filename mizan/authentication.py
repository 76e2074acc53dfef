"""Who is calling a Mizan endpoint in Django: MWT, then bearer JWT, then the session
(AUTH-4, AUTH-5, JWT-1)."""

from __future__ import annotations

import logging
from importlib import import_module

from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY, get_user_model
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


def session_user_id(session_key: str) -> str | None:
    """The user id stored in a session, or None when the session no longer exists
    (logged out, flushed or expired)."""
    engine = import_module(django_settings.SESSION_ENGINE)
    store = engine.SessionStore(session_key)
    user_id = store.load().get(SESSION_KEY)
    return None if user_id is None else str(user_id)


def verify_session_jwt(config: JWTConfig, token: str, kind: str) -> JWTUser:
    """A JWT of type `kind` whose bound session still exists and belongs to its subject
    (JWT-1, JWT-3).

    Raises:
        InvalidToken: any failure.
    """
    user = verify_jwt(config, token, kind)
    try:
        check_pk(str(user.pk))
    except Exception:
        raise InvalidToken("sub is not a valid primary key") from None
    if session_user_id(user.session_key) != str(user.pk):
        raise InvalidToken("the bound session is gone or belongs to another user")
    return user


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
        jwt_user = verify_session_jwt(settings.jwt, token, "access")
    except InvalidToken as error:
        logger.debug("JWT refused: %s", error)
        raise Unauthorized(MSG_JWT) from None
    set_user(request, jwt_user)
    return True
