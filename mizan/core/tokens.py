"""MWT and JWT: minting and strict verification on top of PyJWT (PROTOCOL §5.3, §5.4).

PyJWT does the JWS work (base64url, signatures, registered claims); this module adds Mizan's
rules in front of it: a size cap, exactly one algorithm (HS256 for the MWT; the configured
one, HS256 or a key pair's, for the bearer JWT), no `crit`/`b64` extensions, key choice by
`kid`, and the claim shapes of MWT-2 and JWT-3. Every failure is one exception,
`InvalidToken`, whose text is for logs only (tokens themselves are never logged, MWT-7).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, Final

import jwt
from jwt.utils import is_pem_format, is_ssh_key

from mizan.core import _backend
from mizan.core.errors import InvalidToken as InvalidToken  # re-exported: callers catch tokens.InvalidToken
from mizan.core.errors import Unauthorized
from mizan.core.jwt_keys import JWTKeys, KeyProblem, resolve
from mizan.core.mwt_verified import VerifiedClaims

logger = logging.getLogger("mizan.tokens")

ALGORITHM: Final = "HS256"
MAX_TOKEN_BYTES: Final = 8192  # larger tokens are refused before any decoding
MAX_SUBJECT_CHARS: Final = 255  # a primary key's text; also keeps int(sub) far below 4300 digits
_DATE_CLAIMS: Final = ("exp", "nbf", "iat")
MSG_MWT: Final = "Invalid or expired MWT"
MSG_JWT: Final = "Invalid or expired JWT token"
ACCESS: Final = "access"
REFRESH: Final = "refresh"
_PKEY_DIGITS: Final = frozenset("0123456789abcdef")
# Header parameters that change how a token must be read; Mizan understands none of them
# (RFC 7515 §4.1.11 says an unknown critical extension must be refused; PyJWT would honour
# `b64`, and versions before 2.12 ignored `crit` altogether: CVE-2026-32597).
_REFUSED_HEADERS: Final = ("crit", "b64")


# --- identities -----------------------------------------------------------------------


class TokenUser:
    """An identity established by a token: what guards and cache keys need, no database.

    Attributes:
        pk: the user's primary key (`int` when the subject is all digits, MWT-5).
        is_staff: staff flag from the token.
        is_superuser: superuser flag from the token.
    """

    is_authenticated: Final = True
    is_anonymous: Final = False
    is_active: Final = True

    def __init__(self, pk: int | str, *, is_staff: bool, is_superuser: bool) -> None:
        self.pk = pk
        self.id = pk
        self.is_staff = is_staff
        self.is_superuser = is_superuser

    def __repr__(self) -> str:
        return f"<{type(self).__name__} pk={self.pk!r}>"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    def __hash__(self) -> int:
        return hash((type(self), self.pk))


class MWTUser(TokenUser):
    """The identity of a verified MWT (MWT-5); `pkey` is the permission-state digest."""

    def __init__(self, pk: int | str, *, is_staff: bool, is_superuser: bool, pkey: str) -> None:
        super().__init__(pk, is_staff=is_staff, is_superuser=is_superuser)
        self.pkey = pkey


class JWTUser(TokenUser):
    """The identity of a verified access JWT (JWT-4); `session_key` is the bound session."""

    def __init__(self, pk: int | str, *, is_staff: bool, is_superuser: bool, session_key: str) -> None:
        super().__init__(pk, is_staff=is_staff, is_superuser=is_superuser)
        self.session_key = session_key


def subject_pk(sub: str) -> int | str:
    """MWT-5: `int(sub)` when the subject is all ASCII digits, otherwise the string."""
    return int(sub) if sub.isascii() and sub.isdigit() else sub


def subject_of(pk: object) -> str:
    """The `sub` claim for a primary key (PyJWT requires a string subject)."""
    return str(pk)


# --- strict decoding ------------------------------------------------------------------


# Returns the verification key for a JOSE header (a secret, or a public key object), or
# None to refuse the header.
KeyChooser = Callable[[Mapping[str, Any]], Any]


def decode(
    token: str,
    choose_key: KeyChooser,
    *,
    required: tuple[str, ...],
    audience: str | None = None,
    leeway: float = 0,
    usual_key: Any = None,
    algorithm: str = ALGORITHM,
) -> dict[str, Any]:
    """Verify a token signed with `algorithm` and return its claims.

    Args:
        token: the compact serialization as received.
        choose_key: picks the verification secret from the JOSE header, or returns None to
            refuse it (unknown `kid`). A token is valid only under the key it names.
        required: claims that must be present (exp/nbf are then also checked).
        audience: the required `aud`, compared exactly (a list is refused).
        leeway: clock leeway for `exp`/`nbf`, seconds.
        usual_key: the key nearly every token uses. It is tried first and kept only when
            the verified header names it, which gives the same verdict as choosing first
            while parsing the token once instead of twice (PyJWT's parse is the cost).
        algorithm: the only `alg` accepted (no other, no `none`: algorithm confusion).

    Raises:
        InvalidToken: on any failure, before or inside PyJWT.
    """
    if len(token) > MAX_TOKEN_BYTES:
        raise InvalidToken("token is larger than 8 KB")
    if not token.isascii():
        raise InvalidToken("token is not ASCII")
    options: Any = {"require": list(required), "strict_aud": True, "verify_aud": audience is not None}
    try:
        verified: dict[str, Any] | None = None
        usual_refused = False
        if usual_key:
            try:
                verified = jwt.decode_complete(
                    token, usual_key, algorithms=[algorithm], audience=audience, leeway=leeway, options=options
                )
            except jwt.InvalidSignatureError:
                usual_refused = True
            if verified is not None and choose_key(verified["header"]) != usual_key:
                verified = None
        if verified is None:
            key = choose_key(jwt.get_unverified_header(token))
            if not key:
                raise InvalidToken("no key for this kid")
            if usual_refused and key is usual_key:  # the same key said no: spare a second (ECDSA, ...) verify
                raise InvalidToken("InvalidSignatureError")
            verified = jwt.decode_complete(
                token, key, algorithms=[algorithm], audience=audience, leeway=leeway, options=options
            )
        check_header(verified["header"], algorithm)
    except InvalidToken:
        raise
    except (jwt.PyJWTError, ValueError, TypeError, OverflowError, RecursionError) as error:
        # Older PyJWT releases let the JSON parser's errors through unwrapped: malformed
        # segments, `1e999` dates, and JSON nested deep enough to exhaust the stack.
        raise InvalidToken(type(error).__name__) from None
    claims: dict[str, Any] = verified["payload"]
    check_dates(claims)
    return claims


def check_dates(claims: Mapping[str, Any]) -> None:
    """RFC 7519 NumericDate: PyJWT reads dates with int(), so "9999999999" or true would pass."""
    for name in _DATE_CLAIMS:
        if name in claims:
            value = claims[name]
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise InvalidToken(f"{name} is not a number")


def check_header(header: Mapping[str, Any], algorithm: str) -> None:
    """Header rules beyond PyJWT's: the one algorithm, `typ` JWT if present, no extensions."""
    if header.get("alg") != algorithm:
        raise InvalidToken(f"algorithm is not {algorithm}")
    if header.get("typ", "JWT") != "JWT":
        raise InvalidToken("typ is not JWT")
    for name in _REFUSED_HEADERS:
        if name in header:
            raise InvalidToken(f"header parameter {name!r} is not supported")


def _subject(claims: Mapping[str, Any]) -> str:
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub or sub != sub.strip() or not sub.isprintable():
        raise InvalidToken("sub is not a non-empty printable string")
    if len(sub) > MAX_SUBJECT_CHARS:
        raise InvalidToken("sub is longer than 255 characters")
    return sub


def _flag(claims: Mapping[str, Any], name: str) -> bool:
    value = claims.get(name, False)
    if not isinstance(value, bool):
        raise InvalidToken(f"{name} is not a boolean")
    return value


def _now() -> int:
    return int(time.time())


# --- MWT ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MWTConfig:
    """The MIZAN_MWT_* settings (§5.5).

    Attributes:
        secret: signing key; None disables MWT (a token then answers 401, MWT-4).
        ttl: lifetime in seconds, also the permission-staleness bound (MWT-5).
        audience: the `aud` claim.
        kid: key id written into new tokens' headers.
        previous_secrets: `{kid: secret}` still accepted for verification (rotation).
        leeway: clock leeway in seconds.
    """

    secret: str | None = None
    ttl: int = 300
    audience: str = "mizan"
    kid: str = "default"
    previous_secrets: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    leeway: float = 0

    @cached_property
    def asymmetric_secret(self) -> bool:
        """Whether a secret looks like a PEM or SSH key, which PyJWT refuses for HMAC."""
        secrets = [self.secret or "", *self.previous_secrets.values()]
        return any(
            is_pem_format(s.encode(errors="surrogatepass")) or is_ssh_key(s.encode(errors="surrogatepass"))
            for s in secrets
        )

    @cached_property
    def verified(self) -> VerifiedClaims:
        """The tokens this configuration already accepted (a new configuration, after a
        settings change or a secret rotation, starts with none)."""
        return VerifiedClaims(self.leeway)

    def key_for(self, header: Mapping[str, Any]) -> str | None:
        """The secret for a header's `kid`: the current one, or a retired one still listed."""
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            return None
        if kid == self.kid:
            return self.secret
        return self.previous_secrets.get(kid)


MWT_REQUIRED: Final = ("exp", "nbf", "aud", "sub", "pkey")
_mwt_config = MWTConfig()


def configure_mwt(config: MWTConfig) -> None:
    """Install the MWT settings used by `mwt_obtain` (adapters call this with their settings)."""
    global _mwt_config
    _mwt_config = config


def mwt_config() -> MWTConfig:
    """The installed MWT settings."""
    return _mwt_config


def permission_key(permissions: Iterable[str], is_staff: bool, is_superuser: bool) -> str:
    """MWT-3: SHA-256 hex of the canonical JSON of `{"perms", "staff", "su"}`."""
    state = {"perms": sorted(set(permissions)), "staff": bool(is_staff), "su": bool(is_superuser)}
    return hashlib.sha256(bytes(_backend.encode_json(state, None))).hexdigest()


def user_permission_key(user: Any) -> str:
    """MWT-3 for a framework user: `get_all_permissions()` when the user has it (Django)."""
    get_permissions = getattr(user, "get_all_permissions", None)
    permissions: Iterable[str] = get_permissions() if callable(get_permissions) else ()
    return permission_key(
        permissions, bool(getattr(user, "is_staff", False)), bool(getattr(user, "is_superuser", False))
    )


def mint_mwt(
    config: MWTConfig, sub: str, *, pkey: str, is_staff: bool, is_superuser: bool, now: int | None = None
) -> str:
    """A new MWT for subject `sub` (MWT-1, MWT-2).

    Raises:
        InvalidToken: `config.secret` is not set.
    """
    if not config.secret:
        raise InvalidToken("MIZAN_MWT_SECRET is not configured")
    issued = _now() if now is None else now
    claims = {
        "sub": sub,
        "pkey": pkey,
        "aud": config.audience,
        "iat": issued,
        "nbf": issued,
        "exp": issued + config.ttl,
        "is_staff": bool(is_staff),
        "is_superuser": bool(is_superuser),
    }
    return jwt.encode(claims, config.secret, algorithm=ALGORITHM, headers={"kid": config.kid, "typ": "JWT"})


def mint_mwt_for(config: MWTConfig, user: Any, *, subject: str, now: int | None = None) -> str:
    """An MWT for a framework user: `subject` (its identity key, FA-3a), its flags and its
    permission key."""
    return mint_mwt(
        config,
        subject,
        pkey=user_permission_key(user),
        is_staff=bool(getattr(user, "is_staff", False)),
        is_superuser=bool(getattr(user, "is_superuser", False)),
        now=now,
    )


def verify_mwt(config: MWTConfig, token: str, *, check_subject: Callable[[str], object] | None = None) -> MWTUser:
    """MWT-4/MWT-5: the identity of a valid token.

    Args:
        check_subject: optional adapter check of `sub` (Django: does it parse as the user
            model's primary key); raising any exception refuses the token.

    Raises:
        InvalidToken: the token fails any rule, or no secret is configured.
    """
    if not config.secret:
        raise InvalidToken("MIZAN_MWT_SECRET is not configured")
    if config.asymmetric_secret:
        raise InvalidToken("InvalidKeyError")  # PyJWT refuses a PEM or SSH key as an HMAC secret
    claims = config.verified.get(token)
    if claims is None:
        claims = _backend.verify_mwt_claims(
            token, config.secret, config.kid, config.previous_secrets, config.audience, config.leeway
        )
        config.verified.put(token, claims)
    sub = _subject(claims)
    pkey = claims["pkey"]
    if not isinstance(pkey, str) or len(pkey) != 64 or not _PKEY_DIGITS.issuperset(pkey):
        raise InvalidToken("pkey is not 64 lower-case hex digits")
    _check_subject(check_subject, sub)
    return MWTUser(
        subject_pk(sub), is_staff=_flag(claims, "is_staff"), is_superuser=_flag(claims, "is_superuser"), pkey=pkey
    )


def _check_subject(check_subject: Callable[[str], object] | None, sub: str) -> None:
    if check_subject is None:
        return
    try:
        check_subject(sub)
    except Exception:
        raise InvalidToken("sub is not a valid primary key") from None


def authenticate_mwt(
    token: str | None, config: MWTConfig, *, check_subject: Callable[[str], object] | None = None
) -> MWTUser | None:
    """AUTH-4 for the `X-Mizan-Token` header: None when absent, the user when valid.

    Raises:
        Unauthorized: the header is present and the token is invalid, expired or cannot be
            verified (`Invalid or expired MWT`); never falls back to another identity.
    """
    if token is None:
        return None
    if not config.secret:
        logger.warning("X-Mizan-Token received but MIZAN_MWT_SECRET is not configured")
        raise Unauthorized(MSG_MWT)
    try:
        return verify_mwt(config, token, check_subject=check_subject)
    except InvalidToken as error:
        logger.debug("MWT refused: %s", error)
        raise Unauthorized(MSG_MWT) from None


# --- JWT (session-bound bearer tokens; the session check is the adapter's) -------------


@dataclass(frozen=True)
class JWTConfig:
    """The MIZAN_JWT_* settings (§5.5, JWT-3, JWT-5).

    Attributes:
        enabled: whether `Authorization: Bearer` is interpreted at all.
        secret: signing key (Django default: SECRET_KEY): a plain HMAC secret, or a PEM
            private key (RSA, EC P-256 or Ed25519; needs the `crypto` extra).
        access_ttl: access-token lifetime, seconds.
        refresh_ttl: refresh-token lifetime, seconds.
        algorithm: the signing algorithm; None infers it from `secret`.
        public_key: a PEM public key that must match `secret`; None derives it.
    """

    enabled: bool = True
    secret: str | None = None
    access_ttl: int = 900
    refresh_ttl: int = 604_800
    algorithm: str | None = None
    public_key: str | None = None

    @cached_property
    def keys(self) -> JWTKeys | KeyProblem:
        """The resolved keys, parsed once per settings object, or why there are none."""
        return resolve(self.secret, self.algorithm, self.public_key)

    @property
    def key_problem(self) -> str | None:
        """Why tokens can be neither signed nor verified (for logs), or None."""
        keys = self.keys
        return keys.message if isinstance(keys, KeyProblem) else None


JWT_REQUIRED: Final = ("sub", "sid", "typ", "iat", "exp")


def _jwt_keys(config: JWTConfig) -> JWTKeys:
    keys = config.keys
    if isinstance(keys, KeyProblem):
        raise InvalidToken(keys.message)
    return keys


def mint_jwt_pair(
    config: JWTConfig, sub: str, session_key: str, *, is_staff: bool, is_superuser: bool, now: int | None = None
) -> dict[str, Any]:
    """JWT-2/JWT-3: `{"access_token", "refresh_token", "expires_in"}` bound to a session.

    Raises:
        InvalidToken: no usable key is configured (`config.key_problem` says why).
    """
    keys = _jwt_keys(config)
    issued = _now() if now is None else now
    base = {
        "sub": sub,
        "sid": session_key,
        "is_staff": bool(is_staff),
        "is_superuser": bool(is_superuser),
        "iat": issued,
    }

    def token(kind: str, ttl: int) -> str:
        claims = {**base, "typ": kind, "exp": issued + ttl}
        return jwt.encode(claims, keys.signing_key, algorithm=keys.algorithm)

    return {
        "access_token": token(ACCESS, config.access_ttl),
        "refresh_token": token(REFRESH, config.refresh_ttl),
        "expires_in": config.access_ttl,
    }


def verify_jwt(config: JWTConfig, token: str, kind: str) -> JWTUser:
    """JWT-3: the identity of a valid token of type `kind` (`"access"` or `"refresh"`).

    Only the configured algorithm is accepted, verified with its key (the secret, or the
    public key of a key pair). The session binding (JWT-1) is checked by the adapter with
    `JWTUser.session_key`.

    Raises:
        InvalidToken: any failure, including a token of the other type or no usable key.
    """
    keys = _jwt_keys(config)
    key = keys.verifying_key
    claims = decode(token, lambda header: key, required=JWT_REQUIRED, usual_key=key, algorithm=keys.algorithm)
    if claims["typ"] != kind:
        raise InvalidToken(f"typ is not {kind!r}")
    sub = _subject(claims)
    sid = claims["sid"]
    if not isinstance(sid, str) or not sid:
        raise InvalidToken("sid is not a non-empty string")
    return JWTUser(
        subject_pk(sub), is_staff=_flag(claims, "is_staff"), is_superuser=_flag(claims, "is_superuser"), session_key=sid
    )
