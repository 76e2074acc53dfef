"""A verified MWT is accepted again from the per-configuration table while its dates hold,
and verified in full otherwise; only accepted tokens are kept, and the table is bounded."""

from __future__ import annotations

import time
from typing import Any

import pytest

from mizan.core import _backend, tokens
from mizan.core.mwt_verified import MAX_ENTRIES, VerifiedClaims
from mizan.core.tokens import InvalidToken, MWTConfig

SECRET = "mwt-cache-test-secret-of-at-least-32-bytes"
OTHER_SECRET = "mwt-cache-test-other-secret-of-32-bytes!!"
PKEY = "0123456789abcdef" * 4


def mint(config: MWTConfig, *, now: int | None = None, sub: str = "7") -> str:
    return tokens.mint_mwt(config, sub, pkey=PKEY, is_staff=True, is_superuser=False, now=now)


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tokens the backend verified in full, in order."""
    seen: list[str] = []
    verify = _backend.verify_mwt_claims

    def counting(token: str, *args: Any) -> dict[str, Any]:
        seen.append(token)
        return verify(token, *args)

    monkeypatch.setattr(_backend, "verify_mwt_claims", counting)
    return seen


def test_a_token_is_verified_once_then_read_from_the_table(verifications: list[str]) -> None:
    config = MWTConfig(secret=SECRET)
    token = mint(config)
    first = tokens.verify_mwt(config, token)
    second = tokens.verify_mwt(config, token)
    assert verifications == [token]
    assert first == second and (second.pk, second.is_staff, second.pkey) == (7, True, PKEY)
    assert first is not second  # each request gets its own user object


def test_the_table_is_per_configuration(verifications: list[str]) -> None:
    """Another secret, audience or leeway is another configuration: nothing carries over."""
    config = MWTConfig(secret=SECRET)
    token = mint(config)
    tokens.verify_mwt(config, token)
    with pytest.raises(InvalidToken, match="InvalidSignatureError"):
        tokens.verify_mwt(MWTConfig(secret=OTHER_SECRET), token)
    with pytest.raises(InvalidToken, match="InvalidAudienceError"):
        tokens.verify_mwt(MWTConfig(secret=SECRET, audience="tenant-b"), token)
    assert verifications == [token, token, token]


def test_refused_tokens_are_not_kept(verifications: list[str]) -> None:
    config = MWTConfig(secret=SECRET)
    forged = mint(MWTConfig(secret=OTHER_SECRET))
    for _ in range(2):
        with pytest.raises(InvalidToken, match="InvalidSignatureError"):
            tokens.verify_mwt(config, forged)
    assert verifications == [forged, forged]
    assert config.verified.get(forged) is None


def test_an_accepted_token_expires_on_time(verifications: list[str]) -> None:
    """The dates are checked on every use: once exp has passed, the token is verified in
    full again and refused as expired, with the verifier's own reason."""
    config = MWTConfig(secret=SECRET)
    expires = int(time.time()) + 2
    token = mint(config, now=expires - config.ttl)
    assert tokens.verify_mwt(config, token).pk == 7
    assert tokens.verify_mwt(config, token).pk == 7
    time.sleep(max(0.0, expires - time.time()) + 0.05)
    with pytest.raises(InvalidToken, match="ExpiredSignatureError"):
        tokens.verify_mwt(config, token)
    assert verifications == [token, token]
    assert config.verified.get(token) is None


def test_leeway_applies_to_kept_tokens_as_to_fresh_ones(verifications: list[str]) -> None:
    """A token expired 5 s ago is accepted, and accepted again, under leeway 10."""
    config = MWTConfig(secret=SECRET, leeway=10)
    token = mint(config, now=int(time.time()) - config.ttl - 5)
    assert tokens.verify_mwt(config, token).pk == 7
    assert tokens.verify_mwt(config, token).pk == 7
    assert verifications == [token]


def test_a_kept_token_is_refused_before_its_nbf() -> None:
    """The table's own date check: valid from max(nbf, iat) - leeway until exp + leeway."""
    now = time.time()
    table = VerifiedClaims(leeway=0)
    table.put("later", {"nbf": now + 60, "iat": now, "exp": now + 120})
    table.put("issued-later", {"nbf": now - 60, "iat": now + 60, "exp": now + 120})
    table.put("now", {"nbf": now - 1, "exp": now + 120})
    assert table.get("later") is None and table.get("issued-later") is None
    assert table.get("now") == {"nbf": now - 1, "exp": now + 120}


def test_the_table_is_bounded() -> None:
    now = time.time()
    table = VerifiedClaims(leeway=0)
    for number in range(MAX_ENTRIES + 10):
        table.put(f"token-{number}", {"nbf": now - 1, "exp": now + 60})
    kept = sum(table.get(f"token-{number}") is not None for number in range(MAX_ENTRIES + 10))
    assert 0 < kept <= MAX_ENTRIES
    assert table.get(f"token-{MAX_ENTRIES + 9}") is not None  # the newest survive
