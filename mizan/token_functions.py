"""The built-in token functions of the Django app: `mwt_obtain` (MWT-6) and the
session-bound `jwt_obtain` / `jwt_refresh` (JWT-2)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings as django_settings
from pydantic import BaseModel

from mizan.authentication import verify_session_jwt
from mizan.conf import get_settings
from mizan.core import registry
from mizan.core.auth import get_user
from mizan.core.builtins import mwt_obtain, refuse_token_identity
from mizan.core.client import client
from mizan.core.errors import InternalError, NotFound, Unauthorized
from mizan.core.tokens import MSG_JWT, REFRESH, InvalidToken, JWTConfig, mint_jwt_pair, subject_of

logger = logging.getLogger("mizan.tokens")


class JWTPair(BaseModel):
    """An access/refresh pair and the access token's lifetime in seconds (JWT-2)."""

    access_token: str
    refresh_token: str
    expires_in: int


def _jwt_config() -> JWTConfig:
    """The JWT settings; with `MIZAN_JWT_ENABLED = False` the functions do not exist (404),
    and with an unusable key (the system checks name it) they fail as `mwt_obtain` does
    without a secret: 500, reason logged."""
    config = get_settings().jwt
    if not config.enabled:
        raise NotFound()
    problem = config.key_problem
    if problem is not None:
        logger.error("JWT pair not issued: the JWT key is unusable: %s", problem)
        raise InternalError()
    return config


def _pair(config: JWTConfig, user: Any, session_key: str) -> JWTPair:
    pair = mint_jwt_pair(
        config,
        subject_of(user.pk),
        session_key,
        is_staff=bool(getattr(user, "is_staff", False)),
        is_superuser=bool(getattr(user, "is_superuser", False)),
    )
    return JWTPair(**pair)


@client(auth=True)
def jwt_obtain(request: Any) -> JWTPair:
    """A token pair bound to the caller's session (JWT-1, JWT-2)."""
    config = _jwt_config()
    user = get_user(request)
    refuse_token_identity(user)
    session = getattr(request, "session", None)
    session_key = getattr(session, "session_key", None)
    if not session_key:  # authenticated some other way (RemoteUser, ...): nothing to bind to
        raise Unauthorized()
    return _pair(config, user, session_key)


@client
def jwt_refresh(request: Any, refresh_token: str) -> JWTPair:
    """A new pair for a valid refresh token whose session Django still accepts (JWT-2,
    JWT-3): the same check as a bearer access token, so a deleted, deactivated or
    logged-out user, or a changed password, gets nothing. The user is the one just read,
    so the new access token carries current staff/superuser flags.
    """
    config = _jwt_config()
    try:
        verified = verify_session_jwt(config, refresh_token, REFRESH)
    except InvalidToken:
        raise Unauthorized(MSG_JWT) from None
    return _pair(config, verified.user, verified.claims.session_key)


def register_token_functions() -> None:
    """Register the built-ins: `mwt_obtain` always; the JWT pair unless
    `MIZAN_JWT_ENABLED = False` at start-up (so a project without bearer tokens exports
    no JWT functions in its IR)."""
    registry.register(mwt_obtain, "mwt_obtain")
    if getattr(django_settings, "MIZAN_JWT_ENABLED", True):
        registry.register(jwt_obtain, "jwt_obtain")
        registry.register(jwt_refresh, "jwt_refresh")
