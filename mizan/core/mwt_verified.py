"""The claims of MWTs already verified, kept per MWT configuration.

A browser sends the same MWT with every request until it expires, and verifying it (two
base64url segments, two JSON documents, one HMAC-SHA256) is most of what the token path
costs. Everything about that verdict is fixed by the token's bytes and the configuration
(secrets, kid, audience, leeway) except the clock; so a token that verified once is
accepted again while its dates still hold, and re-verified in full once they do not
(which then gives the exact refusal). Only accepted tokens are kept, so a stream of bad
tokens costs memory nothing; the table is bounded and starts over when full.
"""

from __future__ import annotations

import time
from typing import Any, Final

MAX_ENTRIES: Final = 1024  # tokens are <= 8 KB: the table stays under ~8 MB


class VerifiedClaims:
    """Accepted claims by token, for one configuration (its secrets and rules)."""

    __slots__ = ("_entries", "_leeway")

    def __init__(self, leeway: float) -> None:
        self._leeway = leeway
        # token -> (claims, valid from (nbf, iat), valid until (exp))
        self._entries: dict[str, tuple[dict[str, Any], float, float]] = {}

    def get(self, token: str) -> dict[str, Any] | None:
        """The claims of `token` if it verified before and its dates still hold now
        (the same comparisons as the verifier: iat and nbf not after now + leeway, exp
        after now - leeway); None otherwise."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        claims, valid_from, valid_until = entry
        now = time.time()
        if valid_from <= now + self._leeway and valid_until > now - self._leeway:
            return claims
        self._entries.pop(token, None)
        return None

    def put(self, token: str, claims: dict[str, Any]) -> None:
        """Keep the claims of a token that just verified (they hold numeric exp and nbf)."""
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()  # bounded; a dict clear is safe against concurrent readers
        issued = claims.get("iat")
        valid_from = max(claims["nbf"], issued) if issued is not None else claims["nbf"]
        self._entries[token] = (claims, float(valid_from), float(claims["exp"]))
