"""Twin of `verify_mwt_claims` (MWT-4): PyJWT behind Mizan's strict reading of the token.

PyJWT does the JWS work as it always has (`mizan.core.tokens.decode`); in front of it,
`strict_parts` refuses what PyJWT's lenient reading lets through and what the C path
(jansson) cannot represent, so that both backends give one verdict and one message:
trailing `=` padding, a second spelling of the same bytes, duplicate keys (the last one
would silently win), `NaN`/`Infinity`, integers beyond 64 bits, lone surrogates, a NUL
in a key and nesting deeper than 32. The header rules and the date types are checked
there too, before any key is used.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Mapping
from typing import Any, Final

from mizan.core.errors import InvalidToken

MAX_TOKEN_CHARS: Final = 8192
MAX_DEPTH: Final = 32
_B64URL: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_INT64: Final = range(-(2**63), 2**63)


def _segment(text: str, name: str) -> bytes:
    """Strict base64url: the alphabet only, no padding, zero unused bits."""
    if len(text) % 4 == 1 or not _B64URL.issuperset(text):
        raise InvalidToken(f"{name} segment is not strict base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):  # pragma: no cover - the checks above exclude it
        raise InvalidToken(f"{name} segment is not strict base64url") from None
    if base64.urlsafe_b64encode(data).rstrip(b"=").decode() != text:
        raise InvalidToken(f"{name} segment is not strict base64url")
    return data


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")
    return result


def _strict(value: Any, depth: int) -> bool:
    """Whether a parsed value holds only what jansson reads the same way."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return value in _INT64
    if isinstance(value, float):
        return math.isfinite(value)
    if depth > MAX_DEPTH:
        return False
    if isinstance(value, list):
        return all(_strict(item, depth + 1) for item in value)
    return all("\x00" not in key and _strict(key, depth) and _strict(item, depth + 1) for key, item in value.items())


def _object(data: bytes, name: str) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError):
        value = None
    if not isinstance(value, dict) or not _strict(value, 1):
        raise InvalidToken(f"{name} is not a strict JSON object")
    return value


def strict_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a token read strictly, header rules and date types checked.

    Raises:
        InvalidToken: the first rule broken, in the order the C path checks them.
    """
    from mizan.core import tokens  # here: tokens imports _backend, which imports this package

    if len(token) > MAX_TOKEN_CHARS:
        raise InvalidToken("token is larger than 8 KB")
    if not token.isascii():
        raise InvalidToken("token is not ASCII")
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidToken("token does not have three segments")
    header_data = _segment(parts[0], "header")
    payload_data = _segment(parts[1], "payload")
    _segment(parts[2], "signature")
    header = _object(header_data, "header")
    claims = _object(payload_data, "payload")
    tokens.check_header(header, tokens.ALGORITHM)
    if "kid" in header and not isinstance(header["kid"], str):
        raise InvalidToken("kid is not a string")
    tokens.check_dates(claims)
    return header, claims


def verify_mwt_claims(
    token: str, secret: str, kid: str, previous: Mapping[str, str], audience: str, leeway: float, /
) -> dict[str, Any]:
    """MWT-4: the claims of a valid HS256 MWT, verified by PyJWT after the strict reading.

    Args:
        token: the compact serialization as received.
        secret: the current secret, named by `kid`; tried first.
        kid: the current key id.
        previous: retired secrets by key id, still accepted.
        audience: the required `aud`.
        leeway: clock leeway for `exp`/`nbf`/`iat`, seconds.

    Raises:
        InvalidToken: any failure; the message says which rule, for logs only.
    """
    from mizan.core import tokens  # here: see strict_parts

    strict_parts(token)

    def key_for(header: Mapping[str, Any]) -> str | None:
        name = header.get("kid")
        if not isinstance(name, str) or not name:
            return None
        return secret if name == kid else previous.get(name)

    return tokens.decode(
        token, key_for, required=tokens.MWT_REQUIRED, audience=audience, leeway=leeway, usual_key=secret
    )
