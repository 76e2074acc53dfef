"""Properties of MWT/JWT verification (MWT-3, MWT-4, JWT-3): only InvalidToken escapes, and
nothing that breaks a rule is accepted."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import math
import random
import time
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

import jwt
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from mizan.core import tokens
from mizan.core.errors import Unauthorized
from mizan.core.tokens import InvalidToken, JWTConfig, JWTUser, MWTConfig, MWTUser
from tests.keypairs import ASYMMETRIC, private_pem
from tests.property.strategies import text

SECRET = "mwt-fuzz-current-secret-of-32-bytes!!"
OLD_SECRET = "mwt-fuzz-retired-secret-of-32-bytes!!"
WRONG_SECRET = "mwt-fuzz-unrelated-secret-of-32-bytes"
PKEY = "0123456789abcdef" * 4
CFG = MWTConfig(secret=SECRET, previous_secrets={"old": OLD_SECRET})
JCFG = JWTConfig(secret=SECRET)
KEYS: Mapping[str, str] = {"default": SECRET, "old": OLD_SECRET}
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
ABSENT = object()  # a claim or header parameter left out

# --- helpers ------------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(signing_input: str, key: str) -> str:
    return b64(hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest())


def assemble(header: Mapping[str, Any], payload: Mapping[str, Any], key: str, ensure_ascii: bool) -> str:
    """A compact JWS built by hand: JSON, base64url segments and HMAC-SHA256."""
    segments = [
        b64(json.dumps(part, ensure_ascii=ensure_ascii).encode("utf-8", "surrogatepass")) for part in (header, payload)
    ]
    signing_input = ".".join(segments)
    return f"{signing_input}.{sign(signing_input, key)}"


def segments(token: str) -> tuple[Any, Any]:
    """The JSON actually carried by a token's header and payload segments (None if unreadable)."""

    def load(segment: str) -> Any:
        try:
            return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
        except ValueError:
            return None

    header, payload, _ = token.split(".")
    return load(header), load(payload)


def only_invalid_token(verify: Callable[[], object]) -> object | None:
    """Run a verification; InvalidToken gives None, anything else raised fails the test."""
    try:
        return verify()
    except InvalidToken:
        return None


def strict_date(value: Any) -> int | None:
    """A NumericDate per RFC 7519 (a JSON number, not a numeric string or a boolean), or
    None when the value is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if math.isfinite(value) else None


def good_subject(sub: Any) -> bool:
    return isinstance(sub, str) and 0 < len(sub) <= 255 and sub == sub.strip() and sub.isprintable()


def expected_pk(sub: str) -> int | str:
    return int(sub) if all("0" <= c <= "9" for c in sub) else sub


def good_flag(payload: Mapping[str, Any], name: str) -> bool:
    return name not in payload or isinstance(payload[name], bool)


def plain_json(value: Any, depth: int = 1) -> bool:
    """What an MWT segment may hold: 64-bit integers, finite numbers, UTF-8 text, no NUL in
    a key, at most 32 levels of nesting."""
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        return not any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if depth > 32:
        return False
    if isinstance(value, list):
        return all(plain_json(item, depth + 1) for item in value)
    return all("\x00" not in key and plain_json(key) and plain_json(item, depth + 1) for key, item in value.items())


def header_ok(header: Any) -> bool:
    """The JOSE header rules shared by MWT and JWT (alg, typ, crit/b64, kid a string)."""
    return (
        isinstance(header, dict)
        and header.get("alg") == "HS256"
        and isinstance(header.get("alg"), str)
        and header.get("typ", "JWT") == "JWT"
        and "crit" not in header
        and "b64" not in header
        and isinstance(header.get("kid", ""), str)
    )


def pyjwt_optional_ok(payload: Mapping[str, Any], now: float, dates: Callable[[Any], int | None]) -> bool:
    """Registered claims PyJWT checks when present: iat/nbf readable and not in the future, jti a string."""
    for name in ("iat", "nbf"):
        if name in payload:
            value = dates(payload[name])
            if value is None or value > now:
                return False
    return "jti" not in payload or isinstance(payload["jti"], str)


def mwt_rules(
    header: Mapping[str, Any],
    payload: Mapping[str, Any],
    key: str,
    *,
    before: float,
    after: float,
    dates: Callable[[Any], int | None],
) -> bool:
    """MWT-4 as an oracle: would a token with this header/payload signed with `key` pass?

    `before`/`after` bracket the verification time, so the answer is the same for any
    moment in between (exp is checked against `before`, nbf/iat against `after`)."""
    kid = header.get("kid")
    if not (plain_json(header) and plain_json(payload)):
        return False  # MWT-4: Mizan's strict reading (docs/protocol.md, MWT verification)
    if not header_ok(header) or not isinstance(kid, str) or KEYS.get(kid) != key:
        return False
    if not isinstance(payload, dict) or any(payload.get(name) is None for name in tokens.MWT_REQUIRED):
        return False
    exp = dates(payload["exp"])
    pkey = payload["pkey"]
    return (
        exp is not None
        and exp > before
        and pyjwt_optional_ok(payload, after, dates)
        and isinstance(payload["aud"], str)
        and payload["aud"] == CFG.audience
        and good_subject(payload["sub"])
        and isinstance(pkey, str)
        and len(pkey) == 64
        and set(pkey) <= set("0123456789abcdef")
        and good_flag(payload, "is_staff")
        and good_flag(payload, "is_superuser")
    )


def jwt_rules(
    header: Mapping[str, Any],
    payload: Mapping[str, Any],
    key: str,
    kind: str,
    *,
    before: float,
    after: float,
    dates: Callable[[Any], int | None],
) -> bool:
    """JWT-3 as an oracle (no kid choice, no audience check)."""
    if not header_ok(header) or key != SECRET:
        return False
    if not isinstance(payload, dict) or any(payload.get(name) is None for name in tokens.JWT_REQUIRED):
        return False
    exp = dates(payload["exp"])
    return (
        exp is not None
        and exp > before
        and pyjwt_optional_ok(payload, after, dates)
        and payload["typ"] == kind
        and good_subject(payload["sub"])
        and isinstance(payload["sid"], str)
        and bool(payload["sid"])
        and good_flag(payload, "is_staff")
        and good_flag(payload, "is_superuser")
    )


# --- strategies ---------------------------------------------------------------------------


def now_plus(offset: float) -> float:
    """A time relative to the moment of drawing (examples replayed later stay relative)."""
    return int(time.time()) + offset


# Malformed values: cheap to draw, every JSON type (tests.property.strategies.json_values is slower).
junk = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | text
    | st.lists(st.integers() | text, max_size=2)
    | st.dictionaries(text, st.integers(), max_size=2)
)
# Offsets of at least 30 s, so that no example sits on the boundary while it runs.
far = st.integers(30, 10**7) | st.integers(-(10**7), -30)
weird_dates = st.sampled_from(
    [float("inf"), float("-inf"), float("nan"), 2**70, -(2**70), 1e300, True, False, "123", " 9999999999 ", "x", [], {}]
)
future = st.builds(now_plus, st.integers(30, 10**7)) | st.builds(now_plus, st.floats(30.5, 1e7))
past = st.builds(now_plus, st.integers(-(10**7), -30))
dates = future | past | st.builds(now_plus, far) | weird_dates | junk
subjects = (
    st.sampled_from(["42", "0", "007", "abc-uuid-1", "٤٢", " 42", "42 ", "", "4\n2", "a\u2028b", "\x00"])
    | st.text(min_size=1, max_size=20)
    | junk
)
pkeys = (
    st.sampled_from([PKEY, PKEY.upper(), PKEY[:-1], PKEY + "0", PKEY[:-1] + "g", PKEY[:-1] + "٠"])
    | st.text(alphabet="0123456789abcdefABCDEF", min_size=63, max_size=65)
    | junk
)
audiences = st.sampled_from(["mizan", "Mizan", "mizan ", "", ["mizan"], None]) | text | junk
flags = st.booleans() | st.sampled_from([0, 1, "true", None])
algs = st.sampled_from(["HS256", "HS256", "HS256", "HS384", "none", "hs256", "HS256 ", None, 256]) | text
kids = st.sampled_from(["default", "default", "old", "missing", "", 5, None, ["default"]]) | text


RANDOM = "random"  # fault mode: any field may be malformed
HEADER_FIELDS = ["alg", "typ", "kid", "crit", "b64"]
MWT_FIELDS = ["sub", "pkey", "aud", "iat", "nbf", "exp", "is_staff", "is_superuser", "jti"]
JWT_FIELDS = ["sub", "sid", "typ", "iat", "exp", "nbf", "aud", "is_staff", "is_superuser"]


def maybe(draw: st.DrawFn, fault: str, name: str, good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> Any:
    """A field value. With fault RANDOM: mostly well-formed, sometimes malformed or absent;
    otherwise malformed (or absent) only for the one field named by `fault`."""
    if fault == RANDOM:
        choice = draw(st.sampled_from(["good"] * 10 + ["bad", "absent"]))
    else:
        choice = draw(st.sampled_from(["bad", "bad", "bad", "absent"])) if fault == name else "good"
    if choice == "absent":
        return ABSENT
    return draw(good if choice == "good" else bad)


def build(entries: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in entries.items() if value is not ABSENT}


@st.composite
def headers(draw: st.DrawFn, fault: str) -> dict[str, Any]:
    entries = {
        "alg": maybe(draw, fault, "alg", st.just("HS256"), algs),
        "typ": maybe(draw, fault, "typ", st.sampled_from([ABSENT, "JWT"]), st.sampled_from(["jwt", "at+jwt", None, 1])),
        "kid": maybe(draw, fault, "kid", st.sampled_from(["default", "old"]), kids),
        "crit": maybe(draw, fault, "crit", st.just(ABSENT), st.sampled_from([ABSENT, ["exp"], ["b64"], [], "x"])),
        "b64": maybe(draw, fault, "b64", st.just(ABSENT), st.sampled_from([ABSENT, False, True])),
    }
    extra = draw(st.dictionaries(text, junk, max_size=2))
    return {**extra, **build(entries)}


@st.composite
def mwt_payloads(draw: st.DrawFn, fault: str) -> dict[str, Any]:
    entries = {
        "sub": maybe(draw, fault, "sub", st.sampled_from(["42", "abc-uuid-1", "007"]), subjects),
        "pkey": maybe(draw, fault, "pkey", st.just(PKEY), pkeys),
        "aud": maybe(draw, fault, "aud", st.just("mizan"), audiences),
        "iat": maybe(draw, fault, "iat", past, dates),
        "nbf": maybe(draw, fault, "nbf", past, dates),
        "exp": maybe(draw, fault, "exp", future, dates),
        "is_staff": maybe(draw, fault, "is_staff", st.booleans(), flags),
        "is_superuser": maybe(draw, fault, "is_superuser", st.booleans(), flags),
        "jti": maybe(draw, fault, "jti", st.sampled_from([ABSENT, "id-1"]), junk),
    }
    extra = draw(st.dictionaries(text, junk, max_size=2))
    return {**extra, **build(entries)}


@st.composite
def jwt_payloads(draw: st.DrawFn, fault: str) -> dict[str, Any]:
    entries = {
        "sub": maybe(draw, fault, "sub", st.sampled_from(["42", "abc-uuid-1"]), subjects),
        "sid": maybe(draw, fault, "sid", st.sampled_from(["sess-1", "x" * 32]), st.sampled_from(["", 5, None]) | junk),
        "typ": maybe(
            draw, fault, "typ", st.sampled_from(["access", "refresh"]), st.sampled_from(["ACCESS", "", None]) | junk
        ),
        "iat": maybe(draw, fault, "iat", past, dates),
        "exp": maybe(draw, fault, "exp", future, dates),
        "nbf": maybe(draw, fault, "nbf", st.sampled_from([ABSENT]) | past, dates),
        "aud": maybe(draw, fault, "aud", st.sampled_from([ABSENT]) | audiences, audiences),
        "is_staff": maybe(draw, fault, "is_staff", st.booleans(), flags),
        "is_superuser": maybe(draw, fault, "is_superuser", st.booleans(), flags),
    }
    extra = draw(st.dictionaries(text, junk, max_size=2))
    return {**extra, **build(entries)}


@st.composite
def keys_for(draw: st.DrawFn, header: Mapping[str, Any], fault: str) -> str:
    """The key the header's kid selects, or (fault "key", sometimes in RANDOM) another one."""
    right = KEYS.get(header["kid"], SECRET) if isinstance(header.get("kid"), str) else SECRET
    if fault == "key":
        return draw(st.sampled_from([WRONG_SECRET, OLD_SECRET if right == SECRET else SECRET]))
    if fault != RANDOM:
        return right
    return draw(st.sampled_from([right, right, right, SECRET, OLD_SECRET, WRONG_SECRET]))


def encoded(draw: st.DrawFn, header: dict[str, Any], payload: dict[str, Any], key: str) -> str:
    """The token, signed through PyJWT when it can express the header, else by hand."""
    if draw(st.booleans()):
        try:
            extra = {name: value for name, value in header.items() if name != "alg"}
            if header.get("alg") == "HS256" and "b64" not in header:
                return jwt.encode(payload, key, algorithm="HS256", headers=extra)
        except (jwt.PyJWTError, TypeError, ValueError):
            pass
    return assemble(header, payload, key, draw(st.booleans()))


# (a) arbitrary text --------------------------------------------------------------------------


@st.composite
def noisy_tokens(draw: st.DrawFn) -> str:
    """A valid MWT with text inserted somewhere (trailing '=' padding alone is not noise)."""
    token = tokens.mint_mwt(CFG, draw(st.sampled_from(["42", "abc"])), pkey=PKEY, is_staff=False, is_superuser=False)
    noise = draw(st.text(min_size=1, max_size=6).filter(lambda n: n.strip("=")))
    where = draw(st.integers(0, len(token)))
    return token[:where] + noise + token[where:]


@st.composite
def deep_tokens(draw: st.DrawFn) -> str:
    """A correctly signed MWT whose header or payload nests arrays deeply (up to the 8 KB cap)."""
    depth = draw(st.integers(1, 2900))
    nested = "[" * depth + "]" * depth
    header = '{"alg":"HS256","typ":"JWT","kid":"default","x":' + nested + "}"
    payload = '{"sub":"42","aud":"mizan","x":' + nested + "}"
    if draw(st.booleans()):
        payload = '{"sub":"42"}'
    else:
        header = '{"alg":"HS256","typ":"JWT","kid":"default"}'
    signing_input = f"{b64(header.encode())}.{b64(payload.encode())}"
    return f"{signing_input}.{sign(signing_input, SECRET)}"


segment_text = st.text(alphabet=B64URL + "=.", max_size=60)
texts = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=B64URL + ".=+/ \t\n", max_size=200),
    st.lists(segment_text, min_size=1, max_size=6).map(".".join),
    st.builds(lambda chunk, n: chunk * n, st.text(min_size=1, max_size=6), st.integers(1, 3000)),
    st.builds(
        lambda chunk, n: chunk * n,
        st.sampled_from([".", "a", "é", "\U0001f600", "eyJ", "=", "\x00"]),
        st.integers(1, 9000),
    ),
    noisy_tokens(),
    deep_tokens(),
)


@settings(max_examples=400)
@given(texts)
def test_arbitrary_text_only_invalid_token(token: str) -> None:
    """MWT-4/JWT-3: any text is refused with InvalidToken (and 401 via authenticate_mwt), never another error."""
    results = [
        only_invalid_token(lambda: tokens.verify_mwt(CFG, token)),
        only_invalid_token(lambda: tokens.verify_jwt(JCFG, token, "access")),
        only_invalid_token(lambda: tokens.verify_jwt(JCFG, token, "refresh")),
    ]
    assert results == [None, None, None]
    with pytest.raises(Unauthorized, match="^Invalid or expired MWT$"):
        tokens.authenticate_mwt(token, CFG)


# (b) arbitrary headers and payloads, correctly signed ----------------------------------------


@st.composite
def mwt_cases(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], str, str]:
    """Header, payload, key and token: either one field broken (or none), or any at random."""
    fault = draw(st.sampled_from([RANDOM, "none", "key", *HEADER_FIELDS, *MWT_FIELDS]))
    header = draw(headers(fault))
    payload = draw(mwt_payloads(fault))
    key = draw(keys_for(header, fault))
    return header, payload, key, encoded(draw, header, payload, key)


@st.composite
def jwt_cases(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], str, str]:
    """As mwt_cases, for JWTs (one secret, no kid choice)."""
    fault = draw(st.sampled_from([RANDOM, "none", "key", *HEADER_FIELDS, *JWT_FIELDS]))
    header = draw(headers(fault))
    payload = draw(jwt_payloads(fault))
    key = WRONG_SECRET if fault == "key" else draw(st.sampled_from([SECRET, SECRET, SECRET, WRONG_SECRET]))
    return header, payload, key, encoded(draw, header, payload, key)


@settings(max_examples=500)
@given(mwt_cases())
def test_signed_mwt_accepted_only_when_every_rule_holds(case: tuple[dict[str, Any], dict[str, Any], str, str]) -> None:
    """MWT-4/MWT-5: a signed token passes iff every rule holds, and then yields exactly its claims."""
    _, _, key, token = case
    header, payload = segments(token)  # as signed: PyJWT adds "typ" and drops a null one
    before = time.time()
    user = only_invalid_token(lambda: tokens.verify_mwt(CFG, token))
    after = time.time()
    event("accepted" if user is not None else "refused")
    if user is None:
        # Every token satisfying the rules with RFC 7519 dates must be accepted.
        assert not mwt_rules(header, payload, key, before=before, after=after, dates=strict_date)
        return
    assert mwt_rules(header, payload, key, before=before, after=after, dates=strict_date)
    assert isinstance(user, MWTUser)
    assert user == MWTUser(
        expected_pk(payload["sub"]),
        is_staff=payload.get("is_staff", False),
        is_superuser=payload.get("is_superuser", False),
        pkey=payload["pkey"],
    )


@settings(max_examples=400)
@given(jwt_cases(), st.sampled_from([False] * 5 + [True]))
def test_signed_jwt_accepted_only_when_every_rule_holds(
    case: tuple[dict[str, Any], dict[str, Any], str, str], other_kind: bool
) -> None:
    """JWT-3/JWT-4: a signed JWT passes iff every rule holds, and then yields exactly its claims."""
    _, drawn, key, token = case
    header, payload = segments(token)
    # Mostly verify as the kind the token claims to be, sometimes as the other one.
    kind: str = "refresh" if drawn.get("typ") == "refresh" else "access"
    if other_kind:
        kind = "refresh" if kind == "access" else "access"
    before = time.time()
    user = only_invalid_token(lambda: tokens.verify_jwt(JCFG, token, kind))
    after = time.time()
    event("accepted" if user is not None else "refused")
    if user is None:
        assert not jwt_rules(header, payload, key, kind, before=before, after=after, dates=strict_date)
        return
    assert jwt_rules(header, payload, key, kind, before=before, after=after, dates=strict_date)
    assert user == JWTUser(
        expected_pk(payload["sub"]),
        is_staff=payload.get("is_staff", False),
        is_superuser=payload.get("is_superuser", False),
        session_key=payload["sid"],
    )


# (c) single-character changes ----------------------------------------------------------------

REPLACEMENTS = B64URL + ".=+/ é"


def lenient_bytes(segment: str) -> bytes | None:
    """What a lenient base64url decoder makes of a segment (ignores unused trailing bits)."""
    if any(c not in B64URL + "=" for c in segment):
        return None
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        return None


def same_token(original: str, changed: str) -> bool:
    """True when `changed` is `original` with a signature that decodes to the same bytes.

    A change in the header or payload text always alters the signing input (the HMAC covers
    the base64url text itself), so only the signature segment can change harmlessly."""
    head, _, sig = original.rpartition(".")
    changed_head, _, changed_sig = changed.rpartition(".")
    return head == changed_head and lenient_bytes(changed_sig) == lenient_bytes(sig)


def mutated(token: str, index: int, replacement: str) -> str | None:
    changed = token[:index] + replacement + token[index + 1 :]
    if changed == token or same_token(token, changed):
        return None
    return changed


# Subjects that verify: printable (no C* or Z* characters), hence also without outer whitespace.
sub_text = st.text(st.characters(exclude_categories=["C", "Z"]), min_size=1, max_size=12)


@settings(max_examples=300)
@given(sub_text, st.booleans(), st.booleans(), st.sampled_from(["default", "old"]), st.data())
def test_any_changed_character_breaks_mwt(sub: str, staff: bool, su: bool, kid: str, data: st.DataObject) -> None:
    """MWT-4: changing any one character of a valid MWT (header, payload or signature) makes it fail."""
    config = MWTConfig(secret=KEYS[kid], kid=kid)
    token = tokens.mint_mwt(config, sub, pkey=PKEY, is_staff=staff, is_superuser=su)
    assert tokens.verify_mwt(CFG, token).pkey == PKEY
    index = data.draw(st.integers(0, len(token) - 1), label="index")
    changed = mutated(token, index, data.draw(st.sampled_from(REPLACEMENTS), label="replacement"))
    event("skipped: same token" if changed is None else "changed")
    if changed is not None:
        with pytest.raises(InvalidToken):
            tokens.verify_mwt(CFG, changed)


@settings(max_examples=200)
@given(sub_text, st.sampled_from(["access_token", "refresh_token"]), st.data())
def test_any_changed_character_breaks_jwt(sub: str, which: str, data: st.DataObject) -> None:
    """JWT-3: changing any one character of a valid JWT makes it fail."""
    token = tokens.mint_jwt_pair(JCFG, sub, "sess-1", is_staff=False, is_superuser=False)[which]
    kind = which.removesuffix("_token")
    assert tokens.verify_jwt(JCFG, token, kind).session_key == "sess-1"
    index = data.draw(st.integers(0, len(token) - 1), label="index")
    changed = mutated(token, index, data.draw(st.sampled_from(REPLACEMENTS), label="replacement"))
    event("skipped: same token" if changed is None else "changed")
    if changed is not None:
        with pytest.raises(InvalidToken):
            tokens.verify_jwt(JCFG, changed, kind)


def test_every_changed_character_breaks_one_mwt() -> None:
    """MWT-4: exhaustively, every position of one MWT times every base64url character, '.' and '='."""
    token = tokens.mint_mwt(CFG, "42", pkey=PKEY, is_staff=True, is_superuser=False, now=int(time.time()))
    accepted: list[tuple[int, str]] = []
    skipped = 0
    for index in range(len(token)):
        for replacement in B64URL + ".=":
            changed = mutated(token, index, replacement)
            if changed is None:
                skipped += 1
                continue
            try:
                tokens.verify_mwt(CFG, changed)
            except InvalidToken:
                continue
            accepted.append((index, replacement))
    assert accepted == []
    # One unchanged character per position, plus the few signature spellings of the same bytes
    # (the last signature character carries 2 unused bits: 3 alternatives).
    assert skipped == len(token) + 3


# (c') key pairs: RS256, ES256, EdDSA (issue 15) ----------------------------------------------


@functools.cache
def key_pair_config(algorithm: str) -> JWTConfig:
    """One config per algorithm: its keys are parsed once (an RSA load takes milliseconds)."""
    return JWTConfig(secret=private_pem(algorithm))


@pytest.mark.parametrize("algorithm", ASYMMETRIC)
@settings(max_examples=150)
@given(token=texts)
def test_arbitrary_text_only_invalid_token_under_a_key_pair(algorithm: str, token: str) -> None:
    """JWT-3 with a key pair: any text is refused with InvalidToken, never another error."""
    config = key_pair_config(algorithm)
    assert only_invalid_token(lambda: tokens.verify_jwt(config, token, "access")) is None


@pytest.mark.parametrize("algorithm", ASYMMETRIC)
@settings(max_examples=100)
@given(sub=sub_text, which=st.sampled_from(["access_token", "refresh_token"]), data=st.data())
def test_any_changed_character_breaks_a_key_pair_jwt(algorithm: str, sub: str, which: str, data: st.DataObject) -> None:
    """JWT-3 with a key pair: changing any one character of a valid token makes it fail."""
    config = key_pair_config(algorithm)
    token = tokens.mint_jwt_pair(config, sub, "sess-1", is_staff=False, is_superuser=False)[which]
    kind = which.removesuffix("_token")
    assert tokens.verify_jwt(config, token, kind).session_key == "sess-1"
    index = data.draw(st.integers(0, len(token) - 1), label="index")
    changed = mutated(token, index, data.draw(st.sampled_from(REPLACEMENTS), label="replacement"))
    event("skipped: same token" if changed is None else "changed")
    if changed is not None:
        with pytest.raises(InvalidToken):
            tokens.verify_jwt(config, changed, kind)


# (d) permission keys ------------------------------------------------------------------------------

permission_lists = st.lists(text, max_size=8)


@settings(max_examples=300)
@given(permission_lists, st.booleans(), st.booleans(), st.randoms(use_true_random=False))
def test_permission_key_canonical(
    backend: ModuleType, perms: list[str], staff: bool, su: bool, rng: random.Random
) -> None:
    """MWT-3: pkey is the SHA-256 of canonical JSON on both backends, independent of order and duplicates."""
    canonical = json.dumps(
        {"perms": sorted(set(perms)), "staff": staff, "su": su},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    expected = hashlib.sha256(canonical).hexdigest()
    state = {"perms": sorted(set(perms)), "staff": staff, "su": su}
    assert hashlib.sha256(bytes(backend.encode_json(state, None))).hexdigest() == expected
    shuffled = perms + perms[:2]
    rng.shuffle(shuffled)
    assert tokens.permission_key(shuffled, staff, su) == expected
