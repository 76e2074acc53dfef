"""MWT-4: the C verification (`_speedups.verify_mwt_claims`) and its twin (PyJWT behind
`mizan.core._py.mwt`) give identical verdicts: the same claims, or InvalidToken with the
same message, on an attack corpus and on generated tokens. Runs under ASan/UBSan too."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from types import MappingProxyType, ModuleType
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from mizan.core import tokens
from mizan.core.errors import InvalidToken
from tests.property.test_token_fuzz import CFG, OLD_SECRET, PKEY, SECRET, WRONG_SECRET, mwt_cases, texts

pytestmark = pytest.mark.c_extension

PREVIOUS = MappingProxyType({"old": OLD_SECRET, "blank": ""})
NOW = int(time.time())
# Every date is a day from NOW, so no verdict changes while a long test run goes on.
DAY = 86_400


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw(header: bytes, payload: bytes, key: str = SECRET) -> str:
    """A token from raw JSON bytes, signed with HMAC-SHA256 by hand."""
    signing_input = f"{b64(header)}.{b64(payload)}"
    signature = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def tok(header: dict[str, Any] | None = None, key: str = SECRET, **claims: Any) -> str:
    """A token with the usual header and claims, overridden by the arguments (None drops)."""
    head = {"alg": "HS256", "typ": "JWT", "kid": "default", **(header or {})}
    body = {"sub": "42", "pkey": PKEY, "aud": "mizan", "iat": NOW, "nbf": NOW, "exp": NOW + DAY, **claims}
    head = {k: v for k, v in head.items() if v is not None}
    body = {k: v for k, v in body.items() if v is not None}
    return raw(json.dumps(head).encode(), json.dumps(body).encode(), key)


def with_payload(payload: bytes, header: bytes = b'{"alg":"HS256","kid":"default"}') -> str:
    return raw(header, payload)


GOOD = tok()
HEAD, BODY, SIG = GOOD.split(".")
VALID_BODY = json.dumps({"sub": "42", "pkey": PKEY, "aud": "mizan", "nbf": NOW, "exp": NOW + DAY})
DEEP = "[" * 40 + "]" * 40

CORPUS: dict[str, str] = {
    "valid": GOOD,
    "valid old kid": tok({"kid": "old"}, OLD_SECRET),
    "old kid signed with current": tok({"kid": "old"}),
    "current kid signed with old": tok(key=OLD_SECRET),
    "wrong key": tok(key=WRONG_SECRET),
    "unknown kid": tok({"kid": "missing"}),
    "unknown kid wrong key": tok({"kid": "missing"}, WRONG_SECRET),
    "unknown kid expired": tok({"kid": "missing"}, exp=NOW - DAY),
    "blank kid secret": tok({"kid": "blank"}, WRONG_SECRET),
    "no kid": tok({"kid": None}),
    "empty kid": tok({"kid": ""}),
    "kid number": tok({"kid": 5}),
    "kid list": tok({"kid": ["default"]}),
    "alg none": tok({"alg": "none"}),
    "alg none unsigned": b64(b'{"alg":"none","kid":"default"}') + f".{BODY}.",
    "alg HS384": tok({"alg": "HS384"}),
    "alg RS256 confusion": tok({"alg": "RS256"}),
    "alg lower case": tok({"alg": "hs256"}),
    "alg missing": tok({"alg": None}),
    "alg null": raw(b'{"alg":null,"kid":"default"}', VALID_BODY.encode()),
    "typ jwt": tok({"typ": "jwt"}),
    "typ null": raw(b'{"alg":"HS256","typ":null,"kid":"default"}', VALID_BODY.encode()),
    "typ absent": tok({"typ": None}),
    "crit": tok({"crit": ["exp"]}),
    "crit b64": tok({"crit": ["b64"], "b64": False}),
    "b64 false": tok({"b64": False}),
    "tampered payload": f"{HEAD}.{b64(VALID_BODY.replace('42', '43').encode())}.{SIG}",
    "tampered signature": f"{HEAD}.{BODY}.{SIG[:-2]}A{SIG[-1]}",
    "signature truncated": f"{HEAD}.{BODY}.{SIG[:-4]}",
    "signature extended": f"{HEAD}.{BODY}.{SIG}AAAA",
    "signature empty": f"{HEAD}.{BODY}.",
    "signature second spelling": f"{HEAD}.{BODY}.{SIG[:-1]}{chr(ord(SIG[-1]) + 1)}",
    "expired": tok(exp=NOW - DAY),
    "expired float": tok(exp=NOW - DAY - 0.5),
    "not yet valid": tok(nbf=NOW + DAY),
    "issued in the future": tok(iat=NOW + DAY),
    "exp string": tok(exp=str(NOW + DAY)),
    "exp bool": tok(exp=True),
    "exp null": with_payload(b'{"sub":"42","exp":null}'),
    "exp list": tok(exp=[NOW + DAY]),
    "exp float": tok(exp=NOW + DAY + 0.75),
    "exp huge": tok(exp=2**62),
    "exp beyond int64": tok(exp=2**63),
    "exp overflow": with_payload(b'{"sub":"42","pkey":"x","aud":"mizan","nbf":1,"exp":1e999}'),
    "exp NaN": with_payload(b'{"sub":"42","pkey":"x","aud":"mizan","nbf":1,"exp":NaN}'),
    "extra Infinity": with_payload(b'{"x":-Infinity}'),
    "nbf negative float": tok(nbf=-0.5),
    "exp 1e300": tok(exp=1e300),
    "iat -1e300": tok(iat=-1e300),
    "aud list": tok(aud=["mizan"]),
    "aud empty": tok(aud=""),
    "aud zero": tok(aud=0),
    "aud false": tok(aud=False),
    "aud empty list": tok(aud=[]),
    "aud wrong": tok(aud="Mizan"),
    "aud missing": tok(aud=None),
    "sub int": tok(sub=42),
    "sub missing": tok(sub=None),
    "sub blank": tok(sub=" 42"),
    "pkey missing": tok(pkey=None),
    "jti int": tok(jti=5),
    "jti str": tok(jti="id-1"),
    "unicode sub": tok(sub="j\u00f6rg-\U0001f600"),
    "escaped pair": with_payload(VALID_BODY.replace('"42"', '"\\ud83d\\ude00"').encode()),
    "lone surrogate": with_payload(VALID_BODY.replace('"42"', '"\\ud800"').encode()),
    "lone low surrogate key": with_payload(VALID_BODY.replace('"sub"', '"\\udc00x":1,"sub"').encode()),
    "NUL in value": with_payload(VALID_BODY.replace('"42"', '"4\\u00002"').encode()),
    "NUL in key": with_payload(VALID_BODY.replace('"sub"', '"a\\u0000":1,"sub"').encode()),
    "raw UTF-8": with_payload(VALID_BODY.replace('"42"', '"\u00e9"').encode()),
    "invalid UTF-8": with_payload(VALID_BODY.replace('"42"', '"\xff"').encode("latin-1")),
    "encoded surrogate": with_payload(VALID_BODY.encode().replace(b'"42"', b'"\xed\xa0\x80"')),
    "BOM": with_payload(b"\xef\xbb\xbf" + VALID_BODY.encode()),
    "UTF-16": with_payload(VALID_BODY.encode("utf-16-le")),
    "duplicate claim": with_payload(VALID_BODY.replace('"sub": "42"', '"sub": "1", "sub": "42"').encode()),
    "duplicate header": raw(b'{"alg":"none","alg":"HS256","kid":"default"}', VALID_BODY.encode()),
    "header array": raw(b'["HS256"]', VALID_BODY.encode()),
    "header string": raw(b'"HS256"', VALID_BODY.encode()),
    "header null": raw(b"null", VALID_BODY.encode()),
    "payload array": with_payload(b'[{"sub":"42"}]'),
    "payload number": with_payload(b"42"),
    "payload empty": with_payload(b""),
    "payload trailing": with_payload(VALID_BODY.encode() + b" x"),
    "payload whitespace": with_payload(b" \t\r\n" + VALID_BODY.encode() + b"\n"),
    "payload vertical tab": with_payload(VALID_BODY.encode() + b"\x0b"),
    "int64 edges": with_payload(VALID_BODY.replace("{", '{"a":9223372036854775807,"b":-9223372036854775808,').encode()),
    "int64 overflow": with_payload(VALID_BODY.replace("{", '{"a":9223372036854775808,').encode()),
    "underflow": with_payload(VALID_BODY.replace("{", '{"a":1e-400,"b":-0.0,"c":-0,').encode()),
    "leading zero": with_payload(VALID_BODY.replace("{", '{"a":01,').encode()),
    "depth 32": with_payload(VALID_BODY.replace("{", '{"a":' + "[" * 31 + "]" * 31 + ",").encode()),
    "depth 33": with_payload(VALID_BODY.replace("{", '{"a":' + "[" * 32 + "]" * 32 + ",").encode()),
    "depth 40 header": raw(('{"alg":"HS256","kid":"default","x":' + DEEP + "}").encode(), VALID_BODY.encode()),
    "depth 2500": with_payload(("[" * 2500 + "]" * 2500).encode()),
    "padding =": f"{HEAD}.{BODY}.{SIG}=",
    "padding header": f"{HEAD}{'=' * (-len(HEAD) % 4 or 4)}.{BODY}.{SIG}",
    "plus": f"{HEAD}.{BODY}.{SIG.replace('-', '+').replace('_', '/')}+",
    "slash": f"{HEAD}.{BODY}/.{SIG}",
    "space": f"{HEAD}.{BODY} .{SIG}",
    "newline": f"{HEAD}.{BODY}.{SIG}\n",
    "4n+1 segment": f"{HEAD}.{BODY}A.{SIG}"
    if len(BODY) % 4 == 0
    else f"{HEAD}.{BODY}{'A' * ((1 - len(BODY)) % 4)}.{SIG}",
    "two segments": f"{HEAD}.{BODY}",
    "four segments": f"{GOOD}.{SIG}",
    "five segments": f"{GOOD}..",
    "empty": "",
    "dots": "..",
    "non-ASCII": GOOD + "\u00e9",
    "non-ASCII fullwidth dot": GOOD.replace(".", "\uff0e", 1),
    "8192 chars": GOOD + "A" * (8192 - len(GOOD)),
    "8193 chars": "A" * 8193,
    "huge claim": with_payload(VALID_BODY.replace("{", '{"pad":"' + "x" * 5000 + '",').encode()),
}


def outcome(impl: ModuleType, token: str, *, leeway: float = 0, previous: Any = PREVIOUS) -> tuple[Any, ...]:
    """What an implementation makes of a token: the claims exactly (types included), or
    the refusal's class and message."""
    try:
        claims = impl.verify_mwt_claims(token, SECRET, "default", previous, "mizan", leeway)
    except InvalidToken as error:
        return ("refused", str(error))
    return ("accepted", repr(list(claims.items())))


@pytest.mark.parametrize("name", list(CORPUS))
def test_attack_corpus_same_verdict(c_ext: ModuleType, py_impl: ModuleType, name: str) -> None:
    """MWT-4: every corpus token gets one verdict and one message from both backends."""
    token = CORPUS[name]
    assert outcome(c_ext, token) == outcome(py_impl, token)


def test_corpus_verdicts_are_the_intended_ones(c_ext: ModuleType) -> None:
    """The corpus exercises what it says: the valid ones pass, every attack is refused."""
    accepted = {name for name, token in CORPUS.items() if outcome(c_ext, token)[0] == "accepted"}
    assert accepted == {
        "valid",
        "valid old kid",
        "typ absent",
        "exp float",
        "exp huge",
        "jti str",
        "nbf negative float",
        "unicode sub",
        "escaped pair",
        "NUL in value",
        "raw UTF-8",
        "payload whitespace",
        "int64 edges",
        "underflow",
        "depth 32",
        "sub blank",  # the claim rules pass; tokens._subject refuses it afterwards
        "huge claim",
        "exp 1e300",
        "iat -1e300",
    }


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("8193 chars", "token is larger than 8 KB"),
        ("duplicate claim", "payload is not a strict JSON object"),
        ("padding =", "signature segment is not strict base64url"),
        ("alg none", "algorithm is not HS256"),
        ("wrong key", "InvalidSignatureError"),
        ("unknown kid", "no key for this kid"),
        ("expired", "ExpiredSignatureError"),
        ("exp string", "exp is not a number"),
    ],
)
def test_refusal_messages(c_ext: ModuleType, name: str, message: str) -> None:
    """The messages name the rule (for logs; MWT-7 never logs the token itself)."""
    assert outcome(c_ext, CORPUS[name]) == ("refused", message)


@pytest.mark.parametrize("leeway", [0, 30, 700, 1e12, 0.5])
@pytest.mark.parametrize("name", ["expired", "not yet valid", "issued in the future", "expired float", "valid"])
def test_leeway_same_verdict(c_ext: ModuleType, py_impl: ModuleType, name: str, leeway: float) -> None:
    assert outcome(c_ext, CORPUS[name], leeway=leeway) == outcome(py_impl, CORPUS[name], leeway=leeway)


@pytest.mark.parametrize("previous", [{}, {"old": OLD_SECRET}, {"old": SECRET}, {"old": 5}, {"missing": SECRET}])
@pytest.mark.parametrize("name", ["valid old kid", "old kid signed with current", "unknown kid", "valid"])
def test_rotation_same_verdict(c_ext: ModuleType, py_impl: ModuleType, name: str, previous: dict[str, Any]) -> None:
    """Key choice by kid, with retired secrets (including odd ones) on both backends."""
    token = CORPUS[name]
    assert outcome(c_ext, token, previous=previous) == outcome(py_impl, token, previous=previous)


def test_argument_types(c_ext: ModuleType) -> None:
    with pytest.raises(TypeError):
        c_ext.verify_mwt_claims(b"token", SECRET, "default", {}, "mizan", 0)
    with pytest.raises(TypeError):
        c_ext.verify_mwt_claims(GOOD, SECRET, "default", {}, "mizan", "0")


def test_verify_mwt_uses_the_backend() -> None:
    """tokens.verify_mwt goes through the backend's verify_mwt_claims (C unless MIZAN_PURE=1)."""
    user = tokens.verify_mwt(CFG, GOOD)
    assert (user.pk, user.pkey) == (42, PKEY)


# --- generated tokens ---------------------------------------------------------------------


def check_same(c_ext: ModuleType, py_impl: ModuleType, token: str) -> None:
    c_result, py_result = outcome(c_ext, token), outcome(py_impl, token)
    event(c_result[0] if c_result[0] == "accepted" else f"refused: {c_result[1]}"[:60])
    assert c_result == py_result


@settings(max_examples=500)
@given(mwt_cases())
def test_generated_signed_tokens_same_verdict(
    c_ext: ModuleType, py_impl: ModuleType, case: tuple[Any, Any, str, str]
) -> None:
    """Random headers, claims and keys, signed (valid and broken in one field or many)."""
    check_same(c_ext, py_impl, case[3])


@settings(max_examples=300)
@given(texts)
def test_arbitrary_text_same_verdict(c_ext: ModuleType, py_impl: ModuleType, token: str) -> None:
    check_same(c_ext, py_impl, token)


json_leaves = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["\ud800", "\x00", "\U0001f600"])
)
json_values = st.recursive(
    json_leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
)
claims_text = st.builds(
    lambda extra, body: json.dumps({**body, **extra}, ensure_ascii=False),
    st.dictionaries(st.text(max_size=4), json_values, max_size=3),
    st.just({"sub": "42", "pkey": PKEY, "aud": "mizan", "nbf": NOW, "exp": NOW + DAY}),
)


@st.composite
def raw_json_tokens(draw: st.DrawFn) -> str:
    """Hand-made JSON text (duplicate keys, NaN, big integers, surrogates, deep nesting),
    correctly signed, then sometimes mutated by one character."""
    text = draw(claims_text | st.text(max_size=40) | st.just(VALID_BODY))
    if draw(st.booleans()):
        where = draw(st.integers(0, len(text)))
        text = (
            text[:where]
            + draw(st.sampled_from([',"sub":"1"', "[", "{", "NaN", "1e999", "\\ud800", " "]))
            + text[where:]
        )
    token = raw(b'{"alg":"HS256","kid":"default"}', text.encode("utf-8", "surrogatepass"))
    if draw(st.integers(0, 4)) == 0:
        index = draw(st.integers(0, len(token) - 1))
        token = token[:index] + draw(st.sampled_from("A_-.=+/ \u00e9")) + token[index + 1 :]
    return token


@settings(max_examples=500)
@given(raw_json_tokens())
def test_raw_json_same_verdict(c_ext: ModuleType, py_impl: ModuleType, token: str) -> None:
    check_same(c_ext, py_impl, token)
