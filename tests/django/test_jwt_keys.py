"""Bearer JWTs signed with a key pair (issue 15, item 5): a PEM private key in
MIZAN_JWT_SECRET signs RS256, ES256 or EdDSA; verification accepts that algorithm only;
a wrong key is a system-check error and, at run time, a 500 from `jwt_obtain` and a 401
for a bearer token, never a crash (JWT-3, SEC-1, SEC-2)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client, override_settings

from mizan import checks
from mizan.checks import check_settings
from tests.django.conftest import MizanClient, assert_error, assert_internal, assert_json, assert_result, canonical
from tests.django.project.testapp import clients as testapp
from tests.keypairs import ASYMMETRIC, TRADITIONAL, encrypted_pem, private_key, private_pem, public_pem

PLAIN = "a-plain-hmac-secret-for-the-jwt-key-tests-0123"
MWT_SECRET = "mwt-secret-for-the-jwt-key-tests-0123456789"
JWT_401 = ("UNAUTHORIZED", "Invalid or expired JWT token")
FN = "identity_secure"
BROKEN_PEM = "-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n"
# For each configured algorithm, a token a *different* asymmetric algorithm signs.
FOREIGN = {"RS256": "EdDSA", "ES256": "RS256", "EdDSA": "ES256"}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(value: Any) -> str:
    return b64(json.dumps(value, separators=(",", ":")).encode())


def hs256(claims: dict[str, Any], key_text: str) -> str:
    """An HS256 token whose HMAC key is `key_text` (PyJWT refuses PEM text as an HMAC key,
    so the confusion token is assembled by hand)."""
    signing_input = f"{segment({'alg': 'HS256', 'typ': 'JWT'})}.{segment(claims)}"
    signature = hmac.new(key_text.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


@pytest.fixture(autouse=True)
def _mwt_secret(settings: Any) -> None:
    settings.MIZAN_MWT_SECRET = MWT_SECRET


def pair_of(browser: MizanClient) -> dict[str, Any]:
    response = browser.call("jwt_obtain")
    assert response.status_code == 200, response.content
    result: dict[str, Any] = json.loads(response.content)["result"]
    return result


def bearer_call(access: str) -> Any:
    """`POST /call/` with the access token alone (no cookie, no CSRF token)."""
    return Client(enforce_csrf_checks=True).post(
        "/api/mizan/call/",
        json.dumps({"fn": FN}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {access}",
    )


def me(pk: int) -> dict[str, Any]:
    return {"kind": "JWTUser", "pk": pk, "staff": False, "superuser": False}


# --- obtain, use and refresh with a key pair -----------------------------------------------


@pytest.mark.parametrize(
    ("algorithm", "form"),
    [
        pytest.param("RS256", None, id="RS256-pkcs8"),
        pytest.param("RS256", TRADITIONAL, id="RS256-pkcs1"),
        pytest.param("ES256", None, id="ES256-pkcs8"),
        pytest.param("ES256", TRADITIONAL, id="ES256-sec1"),
        pytest.param("EdDSA", None, id="EdDSA-pkcs8"),
    ],
)
@pytest.mark.capability("Session-bound JWT", "django")
def test_key_pair_obtain_use_and_refresh(
    settings: Any, login: Callable[..., MizanClient], mizan: MizanClient, algorithm: str, form: Any
) -> None:
    """A PEM private key selects its algorithm; the pair is signed with it (anyone holding
    the public key can verify it), works on `/call/` and `/ctx/`, and refreshes."""
    settings.MIZAN_JWT_SECRET = private_pem(algorithm) if form is None else private_pem(algorithm, form=form)
    assert check_settings(None) == []
    browser = login("keyholder")
    pk = browser.django.session["_auth_user_id"]
    pair = pair_of(browser)
    for kind in ("access", "refresh"):
        token = pair[f"{kind}_token"]
        assert jwt.get_unverified_header(token) == {"alg": algorithm, "typ": "JWT"}
        claims = jwt.decode(token, public_pem(algorithm), algorithms=[algorithm])
        assert (claims["typ"], claims["sub"], claims["sid"]) == (kind, pk, browser.django.session.session_key)
    assert_result(bearer_call(pair["access_token"]), me(int(pk)))
    ctx = Client().get("/api/mizan/ctx/identity/", HTTP_AUTHORIZATION=f"Bearer {pair['access_token']}")
    assert_json(ctx, 200, canonical({"identity_ctx": me(int(pk))}))
    response = mizan.call("jwt_refresh", {"refresh_token": pair["refresh_token"]})
    assert response.status_code == 200, response.content
    fresh = json.loads(response.content)["result"]
    assert jwt.get_unverified_header(fresh["access_token"])["alg"] == algorithm
    assert_result(bearer_call(fresh["access_token"]), me(int(pk)))


@pytest.mark.parametrize("algorithm", ASYMMETRIC)
@pytest.mark.capability("Session-bound JWT", "django")
def test_named_algorithm_and_matching_public_key(
    settings: Any, login: Callable[..., MizanClient], algorithm: str
) -> None:
    """MIZAN_JWT_ALGORITHM and MIZAN_JWT_PUBLIC_KEY may be spelled out when they agree."""
    settings.MIZAN_JWT_SECRET = private_pem(algorithm)
    settings.MIZAN_JWT_ALGORITHM = algorithm
    settings.MIZAN_JWT_PUBLIC_KEY = public_pem(algorithm)
    assert check_settings(None) == []
    browser = login("named")
    assert bearer_call(pair_of(browser)["access_token"]).status_code == 200


@pytest.mark.capability("Session-bound JWT", "django")
def test_key_file_read_in_binary_mode(settings: Any, login: Callable[..., MizanClient]) -> None:
    """`Path("jwt.pem").read_bytes()` works as well as `read_text()`."""
    settings.MIZAN_JWT_SECRET = private_pem("EdDSA").encode()
    assert check_settings(None) == []
    access = pair_of(login("binary"))["access_token"]
    assert jwt.get_unverified_header(access)["alg"] == "EdDSA"
    assert bearer_call(access).status_code == 200


@pytest.mark.capability("Session-bound JWT", "django")
def test_rotating_to_a_key_pair_ends_hs256_tokens(settings: Any, login: Callable[..., MizanClient]) -> None:
    """Tokens are verified with the configured algorithm only: switching HS256 → RS256
    ends the HS256 tokens already issued (and back)."""
    settings.MIZAN_JWT_SECRET = PLAIN
    browser = login("rotating")
    old = pair_of(browser)["access_token"]
    settings.MIZAN_JWT_SECRET = private_pem("RS256")
    new = pair_of(browser)["access_token"]
    assert_error(bearer_call(old), 401, *JWT_401)
    assert bearer_call(new).status_code == 200
    settings.MIZAN_JWT_SECRET = PLAIN
    assert_error(bearer_call(new), 401, *JWT_401)


# --- algorithm confusion and foreign keys --------------------------------------------------


class Victim:
    """A signed-in browser (session + CSRF token) and valid access claims for its session:
    any 200 to a forged token sent from it would be a fallback or a forgery."""

    def __init__(self, browser: MizanClient) -> None:
        self.browser = browser
        now = int(time.time())
        self.claims = {
            "sub": browser.django.session["_auth_user_id"],
            "sid": browser.django.session.session_key,
            "typ": "access",
            "is_staff": True,
            "is_superuser": True,
            "iat": now,
            "exp": now + 60,
        }
        assert browser.call(FN).status_code == 200
        testapp.CALLS.clear()

    def refused(self, token: str) -> None:
        assert_error(self.browser.call(FN, HTTP_AUTHORIZATION=f"Bearer {token}"), 401, *JWT_401)
        assert testapp.CALLS[FN] == 0


@pytest.fixture
def victim(login: Callable[..., MizanClient]) -> Victim:
    return Victim(login("victim"))


def _attacks(algorithm: str, claims: dict[str, Any]) -> dict[str, str]:
    attacks = {
        "hs256-keyed-with-the-public-pem": hs256(claims, public_pem(algorithm)),
        "hs256-keyed-with-the-private-pem": hs256(claims, private_pem(algorithm)),
        "alg-none": f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(claims)}.",
        "another-key-pair-same-type": jwt.encode(claims, private_key(algorithm, "other"), algorithm=algorithm),
        "another-algorithm-and-key": jwt.encode(claims, private_key(FOREIGN[algorithm]), algorithm=FOREIGN[algorithm]),
    }
    if algorithm == "RS256":  # the same RSA key under the other RSA algorithms
        for other in ("RS384", "RS512", "PS256"):
            attacks[f"same-key-{other}"] = jwt.encode(claims, private_key(algorithm), algorithm=other)
    return attacks


@pytest.mark.parametrize("algorithm", ASYMMETRIC)
@pytest.mark.capability("Session-bound JWT", "django")
def test_algorithm_confusion_and_foreign_keys_are_refused(settings: Any, victim: Victim, algorithm: str) -> None:
    """Only the configured algorithm under the configured key verifies: an HS256 token
    keyed with the PEM text (public or private), `none`, another key pair, another
    asymmetric algorithm, and for RSA the same key under RS384/RS512/PS256 are all 401,
    while the same claims properly signed are accepted (so the refusals mean something)."""
    settings.MIZAN_JWT_SECRET = private_pem(algorithm)
    for name, token in _attacks(algorithm, victim.claims).items():
        try:
            victim.refused(token)
        except AssertionError as error:
            raise AssertionError(f"{algorithm}: {name} was not refused") from error
    genuine = jwt.encode(victim.claims, private_key(algorithm), algorithm=algorithm)
    assert victim.browser.call(FN, HTTP_AUTHORIZATION=f"Bearer {genuine}").status_code == 200


@pytest.mark.parametrize("algorithm", ASYMMETRIC)
@pytest.mark.capability("Session-bound JWT", "django")
def test_hs256_configuration_refuses_asymmetric_tokens(settings: Any, victim: Victim, algorithm: str) -> None:
    """The other direction: with a plain secret, a token really signed by a key pair is 401."""
    settings.MIZAN_JWT_SECRET = PLAIN
    victim.refused(jwt.encode(victim.claims, private_key(algorithm), algorithm=algorithm))


# --- a wrong key at run time: 500 from the functions, 401 for tokens, reason logged --------


@pytest.mark.capability("Session-bound JWT", "django")
def test_unusable_key_at_run_time(
    settings: Any, login: Callable[..., MizanClient], mizan: MizanClient, caplog: pytest.LogCaptureFixture
) -> None:
    """An unusable key (here: the RSA key named ES256) makes `jwt_obtain` and `jwt_refresh`
    answer the 500 envelope with the reason logged, and a bearer token 401 with a
    warning; the key itself is never logged."""
    settings.MIZAN_JWT_SECRET = private_pem("RS256")
    browser = login("misconfigured")
    pair = pair_of(browser)
    settings.MIZAN_JWT_ALGORITHM = "ES256"
    with caplog.at_level(logging.DEBUG, logger="mizan.tokens"):
        assert_internal(browser.call("jwt_obtain"))
        assert_internal(mizan.call("jwt_refresh", {"refresh_token": pair["refresh_token"]}))
        assert_error(bearer_call(pair["access_token"]), 401, *JWT_401)
    reason = "MIZAN_JWT_ALGORITHM is ES256 but MIZAN_JWT_SECRET is an RSA key"
    levels = [
        (record.levelname, reason in record.getMessage()) for record in caplog.records if record.name == "mizan.tokens"
    ]
    assert levels == [("ERROR", True), ("ERROR", True), ("WARNING", True), ("DEBUG", True)]
    body = private_pem("RS256").splitlines()[1]
    assert body not in caplog.text and pair["access_token"] not in caplog.text


@pytest.mark.capability("Session-bound JWT", "django")
def test_unparsable_pem_at_run_time(settings: Any, login: Callable[..., MizanClient]) -> None:
    """A PEM that does not parse is the same 500, never an exception escaping."""
    settings.MIZAN_JWT_SECRET = BROKEN_PEM
    assert_internal(login("broken").call("jwt_obtain"))
    assert_error(bearer_call("a.b.c"), 401, *JWT_401)


# --- system checks ---------------------------------------------------------------------------


def _problems(**overrides: Any) -> list[tuple[str, str]]:
    with override_settings(**overrides):
        messages = check_settings(None)
    for message in messages:
        assert message.hint, message
        assert "PRIVATE KEY" not in message.msg  # the key text is never echoed
    return [(message.id or "", message.msg) for message in messages]


CHECK_CASES = [
    ("unknown-algorithm", {"MIZAN_JWT_ALGORITHM": "HS512"}, checks.E003_ID, "MIZAN_JWT_ALGORITHM 'HS512'"),
    ("algorithm-none", {"MIZAN_JWT_ALGORITHM": "none"}, checks.E003_ID, "'none' is not supported"),
    ("broken-pem", {"MIZAN_JWT_SECRET": BROKEN_PEM}, checks.E004_ID, "is not a readable PEM private key"),
    ("encrypted-pem", {"MIZAN_JWT_SECRET": ("encrypted", "RS256")}, checks.E004_ID, "not a readable PEM private key"),
    ("public-pem-as-secret", {"MIZAN_JWT_SECRET": ("public", "RS256")}, checks.E004_ID, "is a public key"),
    (
        "unreadable-public-key",
        {"MIZAN_JWT_SECRET": ("private", "RS256"), "MIZAN_JWT_PUBLIC_KEY": "ssh-rsa AAAA"},
        checks.E004_ID,
        "MIZAN_JWT_PUBLIC_KEY is not a readable PEM public key",
    ),
    (
        "pem-named-hs256",
        {"MIZAN_JWT_SECRET": ("private", "RS256"), "MIZAN_JWT_ALGORITHM": "HS256"},
        checks.E005_ID,
        "MIZAN_JWT_SECRET is a PEM key but MIZAN_JWT_ALGORITHM is HS256",
    ),
    (
        "rsa-named-es256",
        {"MIZAN_JWT_SECRET": ("private", "RS256"), "MIZAN_JWT_ALGORITHM": "ES256"},
        checks.E005_ID,
        "MIZAN_JWT_ALGORITHM is ES256 but MIZAN_JWT_SECRET is an RSA key",
    ),
    (
        "ec-named-eddsa",
        {"MIZAN_JWT_SECRET": ("private", "ES256"), "MIZAN_JWT_ALGORITHM": "EdDSA"},
        checks.E005_ID,
        "MIZAN_JWT_ALGORITHM is EdDSA but MIZAN_JWT_SECRET is an EC key on secp256r1",
    ),
    (
        "plain-secret-named-rs256",
        {"MIZAN_JWT_SECRET": PLAIN, "MIZAN_JWT_ALGORITHM": "RS256"},
        checks.E005_ID,
        "MIZAN_JWT_ALGORITHM is RS256 but MIZAN_JWT_SECRET is not a PEM private key",
    ),
    (
        "plain-secret-with-public-key",
        {"MIZAN_JWT_SECRET": PLAIN, "MIZAN_JWT_PUBLIC_KEY": ("public", "RS256")},
        checks.E005_ID,
        "HS256 has no public key",
    ),
    ("ed448-key", {"MIZAN_JWT_SECRET": ("private", "Ed448")}, checks.E005_ID, "an Ed448 key, which none of"),
    ("p384-key", {"MIZAN_JWT_SECRET": ("private", "P-384")}, checks.E006_ID, "EC key on secp384r1; ES256 needs P-256"),
    (
        "p384-key-named-es256",
        {"MIZAN_JWT_SECRET": ("private", "P-384"), "MIZAN_JWT_ALGORITHM": "ES256"},
        checks.E006_ID,
        "ES256 needs P-256",
    ),
    (
        "public-key-of-another-pair",
        {"MIZAN_JWT_SECRET": ("private", "RS256"), "MIZAN_JWT_PUBLIC_KEY": ("other-public", "RS256")},
        checks.E008_ID,
        "MIZAN_JWT_PUBLIC_KEY is not the public key of MIZAN_JWT_SECRET",
    ),
    (
        "public-key-of-another-type",
        {"MIZAN_JWT_SECRET": ("private", "EdDSA"), "MIZAN_JWT_PUBLIC_KEY": ("public", "ES256")},
        checks.E008_ID,
        "is not the public key",
    ),
]


def _materialise(value: Any) -> Any:
    """("private"|"public"|"other-public"|"encrypted", kind) → that PEM text."""
    if not isinstance(value, tuple):
        return value
    what, kind = value
    if what == "private":
        return private_pem(kind)
    if what == "public":
        return public_pem(kind)
    if what == "other-public":
        return public_pem(kind, "other")
    return encrypted_pem(kind)


@pytest.mark.parametrize(
    ("overrides", "check_id", "fragment"), [case[1:] for case in CHECK_CASES], ids=[case[0] for case in CHECK_CASES]
)
def test_wrong_jwt_key_is_a_check_error(overrides: dict[str, Any], check_id: str, fragment: str) -> None:
    """Each way the key settings can be wrong is one Error with its own id, a message
    naming the setting, and a hint."""
    problems = _problems(**{name: _materialise(value) for name, value in overrides.items()})
    assert [problem_id for problem_id, _ in problems] == [check_id]
    assert fragment in problems[0][1]


@override_settings(MIZAN_JWT_SECRET=BROKEN_PEM)
def test_wrong_jwt_key_stops_manage_py_check() -> None:
    with pytest.raises(SystemCheckError, match="mizan.E004"):
        call_command("check", tags=["mizan"])


def test_a_disabled_jwt_has_no_key_to_check() -> None:
    assert _problems(MIZAN_JWT_ENABLED=False, MIZAN_JWT_SECRET=private_pem("P-384")) == []


def test_sec2_short_rsa_key_warns() -> None:
    """SEC-2 for key pairs: an RSA key under 2048 bits warns (PyJWT warns on every use)."""
    assert _problems(MIZAN_JWT_SECRET=private_pem("RSA-1024")) == [
        (checks.W002_ID, "MIZAN_JWT_SECRET is a 1024-bit RSA key, shorter than 2048 bits")
    ]


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_sec1_one_private_key_in_two_encodings_is_one_secret(algorithm: str) -> None:
    """SEC-1 compares key material: the JWT key written as PKCS#8 and reused as the MWT
    secret in its traditional (PKCS#1 / SEC1) encoding is still one secret."""
    problems = _problems(
        MIZAN_JWT_SECRET=private_pem(algorithm), MIZAN_MWT_SECRET=private_pem(algorithm, form=TRADITIONAL)
    )
    assert problems == [(checks.E002_ID, "MIZAN_MWT_SECRET and MIZAN_JWT_SECRET are the same value")]
    assert _problems(MIZAN_JWT_SECRET=private_pem(algorithm), MIZAN_MWT_SECRET=private_pem(algorithm, "other")) == []


# --- without cryptography ---------------------------------------------------------------------

NO_CRYPTOGRAPHY = """
import os, sys
sys.modules["cryptography"] = None  # as if the `crypto` extra were not installed
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.django.project.settings"
import django
django.setup()
import jwt.algorithms
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test.utils import override_settings
from mizan.conf import jwt_config
from mizan.core import tokens
assert not jwt.algorithms.has_crypto
with override_settings(MIZAN_JWT_SECRET=sys.stdin.read()):
    try:
        call_command("check", tags=["mizan"])
    except SystemCheckError as error:
        print(" | ".join(line.strip() for line in str(error).splitlines() if "E007" in line or "HINT: Install" in line))
    print(jwt_config().key_problem)
with override_settings(MIZAN_JWT_SECRET="an-hmac-secret-needs-no-cryptography-0123"):
    call_command("check", tags=["mizan"])
    pair = tokens.mint_jwt_pair(jwt_config(), "7", "sid", is_staff=False, is_superuser=False)
    print(tokens.verify_jwt(jwt_config(), pair["access_token"], "access").pk)
"""


def test_pem_key_without_cryptography_is_a_check_error() -> None:
    """A PEM key without the `crypto` extra is mizan.E007 (and an unusable key at run time);
    HS256 keeps working without `cryptography`."""
    result = subprocess.run(
        [sys.executable, "-c", NO_CRYPTOGRAPHY],
        input=private_pem("RS256"),
        capture_output=True,
        text=True,
        cwd=os.getcwd(),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert "mizan.E007" in lines[0] and "cryptography" in lines[0] and "mizan[crypto]" in lines[0]
    assert lines[1:] == ["MIZAN_JWT_SECRET is a PEM key but the `cryptography` package is not installed", "7"]
