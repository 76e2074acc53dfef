"""Pure-Python twin of the C cache-key unit (`mz_cachekey.c` + `mzpy_cachekey.c`).

Origin-cache keys are HMAC-SHA256 over a canonical message (PROTOCOL §6.2), so they reveal
nothing and Edge can compute the same keys. HMAC comes from the standard library (the C
side calls the same hashlib), never hand-written.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from mizan.core._py.invalidate import normalize_value
from mizan.core._py.json import encode_json


def _user_text(user_id: object) -> str | None:
    if user_id is None:
        return None
    if type(user_id) is str:
        return user_id
    if type(user_id) is int:
        return int.__repr__(user_id)
    raise TypeError("user_id must be a str, an int or None")


def _params_text(params: Mapping[str, Any]) -> dict[str, str]:
    if not isinstance(params, Mapping):
        raise TypeError("params must be a mapping")
    out: dict[str, str] = {}
    for name, value in params.items():
        if type(name) is not str:
            raise TypeError("param names must be str")
        out[name] = normalize_value(value, None)
    return out


def _secret(secret: object) -> bytes:
    if type(secret) is not str or not secret:
        raise TypeError("secret must be a non-empty str")
    return secret.encode("utf-8")


def cache_key_message(context: str, params: Mapping[str, Any], user_id: str | int | None, rev: int, /) -> bytes:
    """CKEY-2: canonical JSON of `{"c", "p": {name: NORM-1 text}, "r", "u"?}`; `u` is left
    out for anonymous (public) entries.

    Raises:
        TypeError: a context that is not a str, params that are not a mapping with str
            names, a user id that is not str/int/None, a rev that is not an int.
        EncodeError: a value NORM-1 cannot turn into text.
    """
    if type(context) is not str:
        raise TypeError("context must be a str")
    if type(rev) is not int:
        raise TypeError("rev must be an int")
    message: dict[str, Any] = {"c": context, "p": _params_text(params), "r": rev}
    user = _user_text(user_id)
    if user is not None:
        message["u"] = user
    return encode_json(message, None)


def derive_cache_key(
    secret: str, context: str, params: Mapping[str, Any], user_id: str | int | None, rev: int, /
) -> str:
    """CKEY-3: `ctx:<context>:<hex HMAC-SHA256(secret, message)>`."""
    digest = hmac.new(_secret(secret), cache_key_message(context, params, user_id, rev), hashlib.sha256)
    return f"ctx:{context}:{digest.hexdigest()}"


def generation_key(secret: str, context: str, name: str, value: Any, /) -> str:
    """CPUR-4: the scope generation key of one `(name, value)` of a context:
    `gen:<context>:<hex HMAC(secret, {"c","k","v": NORM-1(value)})>`."""
    if type(context) is not str or type(name) is not str:
        raise TypeError("context and name must be str")
    message = encode_json({"c": context, "k": name, "v": normalize_value(value, None)}, None)
    return f"gen:{context}:{hmac.new(_secret(secret), message, hashlib.sha256).hexdigest()}"
