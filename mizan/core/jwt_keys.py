"""The bearer JWT's keys: an HMAC secret, or a PEM private key and its public key, resolved
once from MIZAN_JWT_SECRET / MIZAN_JWT_ALGORITHM / MIZAN_JWT_PUBLIC_KEY with every way they
can be wrong named (issue 15; the Django system checks report the same problems).

The MWT stays HS256 (MWT-1); only the session-bound bearer JWT may use a key pair. Parsing
needs `cryptography` (the `crypto` extra); HMAC secrets do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

try:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
except ImportError:  # the `crypto` extra is not installed: HMAC secrets only
    HAS_CRYPTOGRAPHY = False
else:
    HAS_CRYPTOGRAPHY = True

HS256: Final = "HS256"
RS256: Final = "RS256"
ES256: Final = "ES256"
EDDSA: Final = "EdDSA"
ALGORITHMS: Final = (HS256, RS256, ES256, EDDSA)
P256: Final = "secp256r1"
MIN_RSA_BITS: Final = 2048  # NIST SP 800-131A; PyJWT warns below it on every use
PEM_START: Final = "-----BEGIN"

# What can be wrong; the Django checks give each its own id.
UNKNOWN_ALGORITHM: Final = "unknown-algorithm"
UNPARSABLE_KEY: Final = "unparsable-key"
KEY_TYPE: Final = "key-type"
CURVE: Final = "curve"
NO_CRYPTOGRAPHY: Final = "no-cryptography"
PUBLIC_KEY_MISMATCH: Final = "public-key-mismatch"
NO_SECRET: Final = "no-secret"

_ALGORITHM_HINT: Final = (
    "Leave MIZAN_JWT_ALGORITHM unset to infer it from the key, or set HS256, RS256, ES256 or EdDSA."
)
_KEY_HINT: Final = (
    "Use a plain secret for HS256, or an unencrypted PEM private key: RSA (RS256), EC P-256 (ES256) or Ed25519 (EdDSA)."
)


@dataclass(frozen=True)
class KeyProblem:
    """Why the configured JWT key cannot sign or verify.

    Attributes:
        code: one of the module's problem constants (UNKNOWN_ALGORITHM, ...).
        message: what is wrong, naming the setting (never the key itself).
        hint: how to fix it.
    """

    code: str
    message: str
    hint: str


@dataclass(frozen=True)
class JWTKeys:
    """A usable key set.

    Attributes:
        algorithm: the one `alg` tokens are signed with and verified against.
        signing_key: the HMAC secret, or a `cryptography` private key object.
        verifying_key: the HMAC secret, or the matching public key object.
    """

    algorithm: str
    signing_key: Any
    verifying_key: Any

    @property
    def weakness(self) -> str | None:
        """SEC-2 for key pairs: an RSA key shorter than 2048 bits, described; else None."""
        if self.algorithm == RS256 and self.signing_key.key_size < MIN_RSA_BITS:
            return f"MIZAN_JWT_SECRET is a {self.signing_key.key_size}-bit RSA key"
        return None


def is_pem(value: object) -> bool:
    """Whether a setting's value is PEM text (what selects a key pair over an HMAC secret)."""
    if isinstance(value, bytes):  # a key file read in binary mode
        return value.lstrip().startswith(PEM_START.encode())
    return isinstance(value, str) and value.lstrip().startswith(PEM_START)


def resolve(
    secret: str | bytes | None, algorithm: str | None = None, public_key: str | None = None
) -> JWTKeys | KeyProblem:
    """The keys for the settings, or the first problem with them.

    Args:
        secret: MIZAN_JWT_SECRET (a plain secret, or a PEM private key).
        algorithm: MIZAN_JWT_ALGORITHM; None infers it from the key (HS256 for a plain
            secret, RS256 for RSA, ES256 for EC P-256, EdDSA for Ed25519).
        public_key: MIZAN_JWT_PUBLIC_KEY; None derives it from the private key. When given
            it must be the private key's own public key.
    """
    if algorithm is not None and algorithm not in ALGORITHMS:
        return KeyProblem(UNKNOWN_ALGORITHM, f"MIZAN_JWT_ALGORITHM {algorithm!r} is not supported", _ALGORITHM_HINT)
    if not secret:
        return KeyProblem(NO_SECRET, "the JWT secret is not configured", "Set MIZAN_JWT_SECRET (or SECRET_KEY).")
    if not is_pem(secret):  # an HMAC secret (str or bytes; PyJWT takes either)
        if algorithm not in (None, HS256):
            message = f"MIZAN_JWT_ALGORITHM is {algorithm} but MIZAN_JWT_SECRET is not a PEM private key"
            return KeyProblem(KEY_TYPE, message, _KEY_HINT)
        if public_key is not None:
            message = "MIZAN_JWT_PUBLIC_KEY is set but MIZAN_JWT_SECRET is an HMAC secret (HS256 has no public key)"
            return KeyProblem(KEY_TYPE, message, "Remove MIZAN_JWT_PUBLIC_KEY, or sign with a PEM private key.")
        return JWTKeys(HS256, secret, secret)
    if algorithm == HS256:
        # PyJWT refuses PEM text as an HMAC secret: it is the classic algorithm-confusion key.
        message = "MIZAN_JWT_SECRET is a PEM key but MIZAN_JWT_ALGORITHM is HS256"
        return KeyProblem(KEY_TYPE, message, "Leave MIZAN_JWT_ALGORITHM unset to infer RS256, ES256 or EdDSA.")
    if not HAS_CRYPTOGRAPHY:
        message = "MIZAN_JWT_SECRET is a PEM key but the `cryptography` package is not installed"
        return KeyProblem(NO_CRYPTOGRAPHY, message, "Install the crypto extra: pip install 'mizan[crypto]'.")
    text = secret.decode("ascii", "replace") if isinstance(secret, bytes) else secret
    return _resolve_pair(text, algorithm, public_key)


def _resolve_pair(secret: str, algorithm: str | None, public_key: str | None) -> JWTKeys | KeyProblem:
    if secret.lstrip().startswith(f"{PEM_START} PUBLIC KEY-----"):
        message = "MIZAN_JWT_SECRET is a public key; it must be the private key (the public key is derived)"
        return KeyProblem(UNPARSABLE_KEY, message, _KEY_HINT)
    try:
        private = serialization.load_pem_private_key(secret.encode("ascii"), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        message = f"MIZAN_JWT_SECRET is not a readable PEM private key ({_reason(error)})"
        return KeyProblem(UNPARSABLE_KEY, message, _KEY_HINT)
    chosen = _algorithm_for(private, algorithm)
    if isinstance(chosen, KeyProblem):
        return chosen
    public = private.public_key()
    if public_key is not None:
        try:
            given = serialization.load_pem_public_key(str(public_key).encode("ascii"))
        except (ValueError, TypeError, UnsupportedAlgorithm) as error:
            message = f"MIZAN_JWT_PUBLIC_KEY is not a readable PEM public key ({_reason(error)})"
            return KeyProblem(UNPARSABLE_KEY, message, "Use the SubjectPublicKeyInfo PEM (-----BEGIN PUBLIC KEY-----).")
        if _spki(given) != _spki(public):
            message = "MIZAN_JWT_PUBLIC_KEY is not the public key of MIZAN_JWT_SECRET"
            hint = "Remove MIZAN_JWT_PUBLIC_KEY (it is derived from the private key), or give the matching one."
            return KeyProblem(PUBLIC_KEY_MISMATCH, message, hint)
    return JWTKeys(chosen, private, public)


def _algorithm_for(private: Any, algorithm: str | None) -> str | KeyProblem:
    """The algorithm named (if it fits the key type, then the curve) or inferred."""
    families = {RS256: rsa.RSAPrivateKey, ES256: ec.EllipticCurvePrivateKey, EDDSA: ed25519.Ed25519PrivateKey}
    if algorithm is not None and not isinstance(private, families[algorithm]):
        message = f"MIZAN_JWT_ALGORITHM is {algorithm} but MIZAN_JWT_SECRET is {_describe(private)}"
        return KeyProblem(KEY_TYPE, message, _KEY_HINT)
    if isinstance(private, ec.EllipticCurvePrivateKey) and private.curve.name != P256:
        message = f"MIZAN_JWT_SECRET is an EC key on {private.curve.name}; ES256 needs P-256 (prime256v1)"
        hint = "Generate a P-256 key: openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256"
        return KeyProblem(CURVE, message, hint)
    inferred = _inferred(private)
    if inferred is None:
        message = f"MIZAN_JWT_SECRET is {_describe(private)}, which none of RS256, ES256 and EdDSA uses"
        return KeyProblem(KEY_TYPE, message, _KEY_HINT)
    return inferred


def _inferred(private: Any) -> str | None:
    if isinstance(private, rsa.RSAPrivateKey):
        return RS256
    if isinstance(private, ec.EllipticCurvePrivateKey) and private.curve.name == P256:
        return ES256
    if isinstance(private, ed25519.Ed25519PrivateKey):
        return EDDSA
    return None


def _describe(private: Any) -> str:
    if isinstance(private, rsa.RSAPrivateKey):
        return "an RSA key"
    if isinstance(private, ec.EllipticCurvePrivateKey):
        return f"an EC key on {private.curve.name}"
    if isinstance(private, ed25519.Ed25519PrivateKey):
        return "an Ed25519 key"
    name = type(private).__name__.removesuffix("PrivateKey")  # Ed448, X25519, DSA, DH
    return f"{'an' if name.startswith(('Ed', 'X')) else 'a'} {name} key"


def _spki(public: Any) -> bytes:
    return bytes(public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))


def _reason(error: Exception) -> str:
    """cryptography's message, first sentence (it never contains key material)."""
    return str(error).split(". ", 1)[0].rstrip(".") or type(error).__name__


@lru_cache(maxsize=16)  # the checks compare each secret with each other one; an RSA load takes ~40 ms
def secret_material(value: str) -> str | bytes:
    """What SEC-1 compares: a PEM private key's canonical PKCS#8 DER, so one key written in
    two encodings (PKCS#1 and PKCS#8, other line breaks) is still one key; any other value
    as it is."""
    if not (HAS_CRYPTOGRAPHY and is_pem(value)):
        return value
    try:
        private = serialization.load_pem_private_key(value.encode("ascii"), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return value
    return bytes(
        private.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
