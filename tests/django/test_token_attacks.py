"""Attacks on token authentication (AUTH-4, MWT-4, JWT-1, JWT-3, SEC-1).

Every attack is sent by a browser that *also* holds a valid session and CSRF token: a
verifier that fell back to the session would answer 200. Each one must answer the exact 401
envelope and the function must never run (AUTH-4: no fallback).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
from django.test import Client

from mizan.core.tokens import MWTConfig, mint_jwt_pair, mint_mwt, permission_key
from tests.django.conftest import MizanClient, assert_error, assert_result
from tests.django.project.testapp import clients as testapp

SECRET = "mwt-secret-for-the-attack-suite-0123456789"
OLD_SECRET = "mwt-previous-secret-for-rotation-0123456789"
RETIRED_SECRET = "mwt-retired-secret-no-longer-listed-012345"
OTHER_SECRET = "an-unrelated-secret-of-sufficient-size-0123"
JWT_SECRET = "jwt-secret-for-the-attack-suite-0123456789"
NO_PERMS = permission_key((), False, False)
MWT_401 = ("UNAUTHORIZED", "Invalid or expired MWT")
JWT_401 = ("UNAUTHORIZED", "Invalid or expired JWT token")
FN = "identity_secure"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(value: Any) -> str:
    return b64(json.dumps(value, separators=(",", ":")).encode())


def sign(signing_input: str, key: str, digest: Any = hashlib.sha256) -> str:
    return b64(hmac.new(key.encode(), signing_input.encode(), digest).digest())


def forge(header: dict[str, Any], claims: dict[str, Any], key: str = SECRET, digest: Any = hashlib.sha256) -> str:
    """A compact JWS assembled by hand, so any header or algorithm can be claimed."""
    signing_input = f"{segment(header)}.{segment(claims)}"
    return f"{signing_input}.{sign(signing_input, key, digest)}"


HEADER = {"alg": "HS256", "typ": "JWT", "kid": "default"}


@pytest.fixture(autouse=True)
def _token_settings(settings: Any) -> None:
    settings.MIZAN_MWT_SECRET = SECRET
    settings.MIZAN_MWT_PREVIOUS_SECRETS = {"old": OLD_SECRET}
    settings.MIZAN_JWT_SECRET = JWT_SECRET


class Attack:
    """The victim's session client, the attacker's user, and the assertions."""

    def __init__(self, victim: MizanClient, victim_pk: int, attacker_pk: int) -> None:
        self.victim = victim
        self.victim_pk = victim_pk
        self.attacker_pk = attacker_pk

    def claims(self, **changes: Any) -> dict[str, Any]:
        """Valid MWT claims for the attacker, with `changes` applied (None deletes)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": str(self.attacker_pk),
            "pkey": NO_PERMS,
            "aud": "mizan",
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "is_staff": False,
            "is_superuser": False,
        }
        claims.update(changes)
        return {key: value for key, value in claims.items() if value is not None}

    def token(self, **changes: Any) -> str:
        return forge(HEADER, self.claims(**changes))

    def refused(self, token: str, error: tuple[str, str] = MWT_401) -> None:
        """The MWT is refused on `/call/` despite the valid session + CSRF token."""
        self._refused(self.victim.call(FN, HTTP_X_MIZAN_TOKEN=token), error)

    def refused_bearer(self, header: str) -> None:
        self._refused(self.victim.call(FN, HTTP_AUTHORIZATION=header), JWT_401)

    def _refused(self, response: Any, error: tuple[str, str]) -> None:
        assert_error(response, 401, *error)
        assert testapp.CALLS[FN] == 0


@pytest.fixture
def attack(login: Callable[..., MizanClient], django_user_model: Any) -> Iterator[Attack]:
    victim = login("victim")
    attacker = django_user_model.objects.create_user(username="attacker", password="pw")
    victim_pk = django_user_model.objects.get(username="victim").pk
    # The session alone works: any 200 below would be a fallback to it.
    assert victim.call(FN).status_code == 200
    testapp.CALLS.clear()
    yield Attack(victim, victim_pk, attacker.pk)


# --- baseline: the forging helper makes tokens the verifier accepts ---------------------


def test_forged_valid_token_is_accepted_so_the_attacks_below_are_meaningful(attack: Attack) -> None:
    """MWT-4: the hand-assembled token with correct claims and key authenticates."""
    response = attack.victim.call(FN, HTTP_X_MIZAN_TOKEN=attack.token())
    assert_result(response, {"kind": "MWTUser", "pk": attack.attacker_pk, "staff": False, "superuser": False})


# --- algorithm attacks (MWT-4: HS256 only) ----------------------------------------------


def test_alg_none_unsigned(attack: Attack) -> None:
    attack.refused(f"{segment({**HEADER, 'alg': 'none'})}.{segment(attack.claims())}.")


def test_alg_none_mixed_case(attack: Attack) -> None:
    attack.refused(f"{segment({**HEADER, 'alg': 'nOnE'})}.{segment(attack.claims())}.")


def test_alg_hs384_with_the_real_secret(attack: Attack) -> None:
    attack.refused(forge({**HEADER, "alg": "HS384"}, attack.claims(), digest=hashlib.sha384))


def test_alg_hs512_with_the_real_secret(attack: Attack) -> None:
    attack.refused(forge({**HEADER, "alg": "HS512"}, attack.claims(), digest=hashlib.sha512))


def test_alg_confusion_rs256_signed_with_the_hmac_secret(attack: Attack) -> None:
    """The classic confusion: an RS256 header, HMAC-signed with the secret as 'public key'."""
    attack.refused(forge({**HEADER, "alg": "RS256"}, attack.claims()))


def test_alg_confusion_es256_signed_with_the_hmac_secret(attack: Attack) -> None:
    attack.refused(forge({**HEADER, "alg": "ES256"}, attack.claims()))


def test_alg_missing_from_header(attack: Attack) -> None:
    attack.refused(forge({"typ": "JWT", "kid": "default"}, attack.claims()))


# --- signature attacks ------------------------------------------------------------------


def test_signature_stripped(attack: Attack) -> None:
    header, payload, _ = attack.token().split(".")
    attack.refused(f"{header}.{payload}.")


def test_signature_segment_removed(attack: Attack) -> None:
    header, payload, _ = attack.token().split(".")
    attack.refused(f"{header}.{payload}")


def test_signature_truncated(attack: Attack) -> None:
    attack.refused(attack.token()[:-6])


def test_signature_from_another_secret(attack: Attack) -> None:
    attack.refused(forge(HEADER, attack.claims(), key=OTHER_SECRET))


@pytest.mark.capability("Session-bound JWT", "django")
def test_signature_from_the_jwt_secret(attack: Attack) -> None:
    """SEC-1: a key of another purpose does not sign MWTs."""
    attack.refused(forge(HEADER, attack.claims(), key=JWT_SECRET))


def test_tampered_payload_subject_swapped_to_victim(attack: Attack) -> None:
    header, _, signature = attack.token().split(".")
    attack.refused(f"{header}.{segment(attack.claims(sub=str(attack.victim_pk)))}.{signature}")


def test_tampered_payload_superuser_escalation(attack: Attack) -> None:
    header, _, signature = attack.token().split(".")
    attack.refused(f"{header}.{segment(attack.claims(is_superuser=True, is_staff=True))}.{signature}")


def test_tampered_header_kid_swapped(attack: Attack) -> None:
    _, payload, signature = attack.token().split(".")
    attack.refused(f"{segment({**HEADER, 'kid': 'old'})}.{payload}.{signature}")


# --- key id attacks (MWT-4) -------------------------------------------------------------


def test_kid_missing(attack: Attack) -> None:
    attack.refused(forge({"alg": "HS256", "typ": "JWT"}, attack.claims()))


def test_kid_empty(attack: Attack) -> None:
    attack.refused(forge({**HEADER, "kid": ""}, attack.claims()))


def test_kid_unknown(attack: Attack) -> None:
    attack.refused(forge({**HEADER, "kid": "attacker"}, attack.claims()))


def test_kid_not_a_string(attack: Attack) -> None:
    attack.refused(forge({**HEADER, "kid": ["default"]}, attack.claims()))


def test_kid_of_a_retired_secret(attack: Attack) -> None:
    """A secret rotated out of MIZAN_MWT_PREVIOUS_SECRETS no longer verifies anything."""
    attack.refused(forge({**HEADER, "kid": "retired"}, attack.claims(), key=RETIRED_SECRET))


def test_kid_current_signed_with_previous_secret(attack: Attack) -> None:
    """The key follows the kid: the current kid with the previous secret is refused."""
    attack.refused(forge(HEADER, attack.claims(), key=OLD_SECRET))


# --- claim attacks (MWT-2, MWT-4) -------------------------------------------------------


def test_claim_exp_missing(attack: Attack) -> None:
    attack.refused(attack.token(exp=None))


def test_claim_nbf_missing(attack: Attack) -> None:
    attack.refused(attack.token(nbf=None))


def test_claim_aud_missing(attack: Attack) -> None:
    attack.refused(attack.token(aud=None))


def test_claim_sub_missing(attack: Attack) -> None:
    attack.refused(attack.token(sub=None))


def test_claim_pkey_missing(attack: Attack) -> None:
    attack.refused(attack.token(pkey=None))


def test_expired(attack: Attack) -> None:
    now = int(time.time())
    attack.refused(attack.token(iat=now - 400, nbf=now - 400, exp=now - 100))


def test_not_yet_valid(attack: Attack) -> None:
    now = int(time.time())
    attack.refused(attack.token(nbf=now + 3600, exp=now + 7200))


def test_wrong_audience(attack: Attack) -> None:
    attack.refused(attack.token(aud="other-tenant"))


def test_audience_list_smuggling_the_right_one(attack: Attack) -> None:
    attack.refused(attack.token(aud=["other-tenant", "mizan"]))


def test_sub_non_numeric_for_an_integer_primary_key(attack: Attack) -> None:
    attack.refused(attack.token(sub="admin"))


def test_sub_empty(attack: Attack) -> None:
    attack.refused(attack.token(sub=""))


def test_sub_not_a_string(attack: Attack) -> None:
    attack.refused(attack.token(sub=attack.attacker_pk))


def test_pkey_not_hex(attack: Attack) -> None:
    attack.refused(attack.token(pkey="z" * 64))


def test_pkey_truncated_like_the_old_format(attack: Attack) -> None:
    attack.refused(attack.token(pkey=NO_PERMS[:16]))


def test_staff_flag_not_a_boolean(attack: Attack) -> None:
    attack.refused(attack.token(is_staff="true"))


def test_exp_not_a_number(attack: Attack) -> None:
    attack.refused(attack.token(exp="tomorrow"))


def test_exp_as_a_numeric_string(attack: Attack) -> None:
    """RFC 7519 NumericDate: PyJWT alone would read "9999999999" with int() and accept it."""
    attack.refused(attack.token(exp="9999999999"))


def test_nbf_as_a_boolean(attack: Attack) -> None:
    attack.refused(attack.token(nbf=True))


def test_sub_of_five_thousand_digits(attack: Attack) -> None:
    """Beyond int()'s digit limit: a 401, not a 500 (subjects stop at 255 characters)."""
    attack.refused(attack.token(sub="1" * 5000))


# --- encoding attacks -------------------------------------------------------------------


def test_oversized_token_refused_before_decoding(attack: Attack) -> None:
    """A validly signed token over 8 KB is refused (the size cap runs before decoding)."""
    token = attack.token(padding="x" * 9000)
    assert len(token) > 8192
    attack.refused(token)


def test_malformed_base64_header(attack: Attack) -> None:
    _, payload, signature = attack.token().split(".")
    attack.refused(f"!!!*.{payload}.{signature}")


def test_malformed_base64_payload(attack: Attack) -> None:
    header, _, signature = attack.token().split(".")
    attack.refused(f"{header}.%%%.{signature}")


def test_non_json_header(attack: Attack) -> None:
    signing_input = f"{b64(b'not json')}.{segment(attack.claims())}"
    attack.refused(f"{signing_input}.{sign(signing_input, SECRET)}")


def test_non_json_payload(attack: Attack) -> None:
    signing_input = f"{segment(HEADER)}.{b64(b'{not json')}"
    attack.refused(f"{signing_input}.{sign(signing_input, SECRET)}")


def test_payload_json_array_instead_of_object(attack: Attack) -> None:
    signing_input = f"{segment(HEADER)}.{b64(b'[1,2,3]')}"
    attack.refused(f"{signing_input}.{sign(signing_input, SECRET)}")


def test_crit_header_with_an_unknown_extension(attack: Attack) -> None:
    """RFC 7515 §4.1.11: an unknown critical extension must be refused (CVE-2026-32597)."""
    attack.refused(forge({**HEADER, "crit": ["exp-override"], "exp-override": True}, attack.claims()))


def test_unencoded_payload_b64_false(attack: Attack) -> None:
    attack.refused(forge({**HEADER, "b64": False, "crit": ["b64"]}, attack.claims()))


def test_deeply_nested_header_json(attack: Attack) -> None:
    """JSON nested past the parser's stack, no signature needed: still a 401."""
    header = '{"alg":"HS256","kid":"default","x":' + "[" * 2500 + "]" * 2500 + "}"
    attack.refused(f"{b64(header.encode())}.{segment(attack.claims())}.AAAA")


def test_garbage_token(attack: Attack) -> None:
    attack.refused("not-a-token")


def test_empty_token_header(attack: Attack) -> None:
    attack.refused("")


def test_non_ascii_token(attack: Attack) -> None:
    attack.refused(attack.token() + "\u00e9")


def test_mwt_sent_when_no_secret_is_configured(attack: Attack, settings: Any) -> None:
    """MWT-4: a token that cannot be verified is 401, never the session."""
    valid = attack.token()
    settings.MIZAN_MWT_SECRET = None
    attack.refused(valid)


# --- identity precedence (AUTH-4, AUTH-5) -----------------------------------------------


def test_valid_mwt_with_another_users_session_cookie_token_wins(attack: Attack) -> None:
    """The attacker's own valid token plus the victim's session: the request is the
    attacker's, never the victim's."""
    response = attack.victim.call(FN, HTTP_X_MIZAN_TOKEN=attack.token())
    assert_result(response, {"kind": "MWTUser", "pk": attack.attacker_pk, "staff": False, "superuser": False})


@pytest.mark.capability("Session-bound JWT", "django")
def test_invalid_mwt_beats_a_valid_bearer_jwt(attack: Attack) -> None:
    """MWT is looked at first; its failure is final even when a valid JWT follows."""
    key = attack.victim.django.session.session_key
    pair = mint_jwt_pair(_jwt_config(), str(attack.victim_pk), key, is_staff=False, is_superuser=False)
    response = attack.victim.call(FN, HTTP_X_MIZAN_TOKEN="garbage", HTTP_AUTHORIZATION=f"Bearer {pair['access_token']}")
    assert_error(response, 401, *MWT_401)
    assert testapp.CALLS[FN] == 0


def test_invalid_mwt_refused_on_context_fetch(attack: Attack) -> None:
    assert_error(attack.victim.ctx("identity", HTTP_X_MIZAN_TOKEN="garbage"), 401, *MWT_401)
    assert testapp.CALLS["identity_ctx"] == 0


def test_invalid_mwt_refused_on_a_route(attack: Attack) -> None:
    response = attack.victim.django.post(
        "/tokens/identity/", HTTP_X_CSRFTOKEN=attack.victim.token, HTTP_X_MIZAN_TOKEN="x"
    )
    assert_error(response, 401, *MWT_401)
    assert testapp.CALLS["identity_route"] == 0


def test_invalid_mwt_refused_on_a_private_webhook_route() -> None:
    response = Client().post("/webhooks/stripe/", b"{}", content_type="application/json", HTTP_X_MIZAN_TOKEN="x")
    assert_error(response, 401, *MWT_401)


# --- bearer JWT attacks (JWT-1, JWT-3) --------------------------------------------------


def _jwt_config() -> Any:
    from mizan.conf import get_settings

    return get_settings().jwt


def _victim_pair(attack: Attack) -> dict[str, Any]:
    session_key = attack.victim.django.session.session_key
    return mint_jwt_pair(_jwt_config(), str(attack.victim_pk), session_key, is_staff=False, is_superuser=False)


@pytest.mark.capability("Session-bound JWT", "django")
def test_jwt_refresh_token_used_as_access_token(attack: Attack) -> None:
    attack.refused_bearer(f"Bearer {_victim_pair(attack)['refresh_token']}")


@pytest.mark.capability("Session-bound JWT", "django")
def test_jwt_whose_bound_session_was_logged_out(attack: Attack) -> None:
    access = _victim_pair(attack)["access_token"]
    assert (
        Client()
        .post(
            "/api/mizan/call/",
            json.dumps({"fn": FN}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {access}",
        )
        .status_code
        == 200
    )
    testapp.CALLS.clear()
    attack.victim.django.logout()
    attack.refused_bearer(f"Bearer {access}")


@pytest.mark.capability("Session-bound JWT", "django")
def test_jwt_bound_to_another_users_session(attack: Attack) -> None:
    """Subject swapped to the attacker while `sid` names the victim's session."""
    session_key = attack.victim.django.session.session_key
    pair = mint_jwt_pair(_jwt_config(), str(attack.attacker_pk), session_key, is_staff=True, is_superuser=True)
    attack.refused_bearer(f"Bearer {pair['access_token']}")


@pytest.mark.capability("Session-bound JWT", "django")
def test_jwt_signed_with_the_mwt_secret(attack: Attack) -> None:
    session_key = attack.victim.django.session.session_key
    now = int(time.time())
    claims = {"sub": str(attack.victim_pk), "sid": session_key, "typ": "access", "iat": now, "exp": now + 60}
    attack.refused_bearer(f"Bearer {jwt.encode(claims, SECRET, algorithm='HS256')}")


@pytest.mark.capability("Session-bound JWT", "django")
def test_jwt_alg_none(attack: Attack) -> None:
    session_key = attack.victim.django.session.session_key
    now = int(time.time())
    claims = {"sub": str(attack.victim_pk), "sid": session_key, "typ": "access", "iat": now, "exp": now + 60}
    attack.refused_bearer(f"Bearer {segment({'alg': 'none', 'typ': 'JWT'})}.{segment(claims)}.")


@pytest.mark.capability("Session-bound JWT", "django")
def test_jwt_expired(attack: Attack) -> None:
    session_key = attack.victim.django.session.session_key
    pair = mint_jwt_pair(
        _jwt_config(),
        str(attack.victim_pk),
        session_key,
        is_staff=False,
        is_superuser=False,
        now=int(time.time()) - 2000,
    )
    attack.refused_bearer(f"Bearer {pair['access_token']}")


@pytest.mark.capability("Session-bound JWT", "django")
def test_jwt_bearer_scheme_without_a_token(attack: Attack) -> None:
    attack.refused_bearer("Bearer ")


@pytest.mark.capability("Session-bound JWT", "django")
def test_mwt_presented_as_a_bearer_jwt(attack: Attack) -> None:
    """An MWT is not a JWT access token (different secret, no `sid`/`typ`)."""
    token = mint_mwt(MWTConfig(secret=SECRET), str(attack.victim_pk), pkey=NO_PERMS, is_staff=True, is_superuser=True)
    attack.refused_bearer(f"Bearer {token}")
