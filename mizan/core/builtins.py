"""`mwt_obtain`, the built-in server function that issues MWTs (MWT-6); every adapter
registers it under that name."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel

from mizan.core.auth import UnkeyedIdentity, get_user, identity_key
from mizan.core.client import client
from mizan.core.errors import Forbidden, InternalError, Unauthorized
from mizan.core.tokens import TokenUser, mint_mwt_for, mwt_config

logger = logging.getLogger("mizan.tokens")


class MWTGrant(BaseModel):
    """What `mwt_obtain` returns: the token and its lifetime in seconds."""

    token: str
    expires_in: int


def refuse_token_identity(user: Any) -> None:
    """Tokens are issued to framework (session) identities only: an identity that itself
    came from a token could otherwise renew itself forever (DECISION, README).

    Raises:
        Forbidden: the request was authenticated by an MWT or JWT.
    """
    if isinstance(user, TokenUser):
        raise Forbidden()


@client(auth=True)
def mwt_obtain(request: Any) -> MWTGrant:
    """An MWT for the signed-in user, valid for `MIZAN_MWT_TTL` seconds (MWT-6)."""
    user = get_user(request)
    refuse_token_identity(user)
    config = mwt_config()
    if not config.secret:
        logger.error("mwt_obtain called but MIZAN_MWT_SECRET is not configured")
        raise InternalError()
    try:
        subject = identity_key(user)
    except UnkeyedIdentity as exc:
        # FA-3a: a token without a subject of its own would be every such user's token.
        logger.warning("mwt_obtain refused: %s", exc)
        raise InternalError() from None
    if subject is None:  # the guard (auth=True) lets only authenticated users through
        raise Unauthorized()
    return MWTGrant(token=mint_mwt_for(config, user, subject=subject), expires_in=config.ttl)
