"""Key pairs for the asymmetric bearer-JWT tests, generated with `cryptography` (once per
process and name: RSA generation is the slow part), written as PEM the way openssl does."""

from __future__ import annotations

from functools import cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

ASYMMETRIC = ("RS256", "ES256", "EdDSA")
PKCS8 = serialization.PrivateFormat.PKCS8
TRADITIONAL = serialization.PrivateFormat.TraditionalOpenSSL  # PKCS#1 RSA / SEC1 EC


def private_key(kind: str, name: str = "main") -> Any:
    """A private key: `kind` is an algorithm (RS256, ES256, EdDSA) or a key nobody here
    signs with (P-384, Ed448, RSA-1024); `name` tells apart pairs of one kind."""
    return _generated(kind, name)  # positional, so the cache sees one key per pair


@cache
def _generated(kind: str, name: str) -> Any:
    if kind == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "RSA-1024":
        return rsa.generate_private_key(public_exponent=65537, key_size=1024)
    if kind == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "P-384":
        return ec.generate_private_key(ec.SECP384R1())
    if kind == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    if kind == "Ed448":
        return ed448.Ed448PrivateKey.generate()
    raise ValueError(kind)


def private_pem(kind: str, name: str = "main", form: serialization.PrivateFormat = PKCS8) -> str:
    """The PEM text of `private_key(kind, name)`, unencrypted."""
    key = private_key(kind, name)
    return str(key.private_bytes(serialization.Encoding.PEM, form, serialization.NoEncryption()).decode())


def public_pem(kind: str, name: str = "main") -> str:
    """The SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`) of the pair."""
    public = private_key(kind, name).public_key()
    return str(
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    )


def encrypted_pem(kind: str) -> str:
    """The private key under a passphrase (Mizan cannot read it: no passphrase setting)."""
    key = private_key(kind)
    encryption = serialization.BestAvailableEncryption(b"passphrase")
    return str(key.private_bytes(serialization.Encoding.PEM, PKCS8, encryption).decode())
