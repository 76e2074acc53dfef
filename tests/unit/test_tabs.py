"""mizan.core.tabs: which tab ids are honoured on a socket's connect URL and in an HTTP
request's `X-Mizan-Tab` (WS-9); the endpoint behaviour is in tests/adapters/test_channels.py."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from starlette.datastructures import Headers

from mizan.core.tabs import request_tab, scope_tab, valid_tab

TAB_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


@given(value=st.text(max_size=80) | st.from_regex(TAB_ID, fullmatch=True))
def test_ws9_a_tab_id_is_1_to_64_characters_of_the_url_safe_alphabet(value: str) -> None:
    assert valid_tab(value) == (value if TAB_ID.fullmatch(value) else None)


def test_ws9_tab_ids_at_and_past_the_bounds() -> None:
    assert valid_tab("a" * 64) == "a" * 64
    assert valid_tab("a" * 65) is None
    assert valid_tab("") is None
    assert valid_tab("abc\n") is None  # `$` would let a final newline through; fullmatch does not
    assert valid_tab(None) is None
    assert valid_tab(b"abc") is None


def scope(query: bytes) -> dict[str, Any]:
    return {"type": "websocket", "query_string": query}


def test_ws9_the_connect_url_names_one_tab_or_none() -> None:
    assert scope_tab(scope(b"tab=abc-1_Z")) == "abc-1_Z"
    assert scope_tab(scope(b"v=2&tab=abc")) == "abc"
    assert scope_tab(scope(b"tab=%61bc")) == "abc"  # decoded as any query value is
    assert scope_tab(scope(b"tab=abc&tab=abc")) is None  # twice: not guessed at
    assert scope_tab(scope(b"tab=a%20b")) is None
    assert scope_tab(scope(b"tab=%FF%FE")) is None
    assert scope_tab(scope(b"\xff\xfe=\x00")) is None
    assert scope_tab(scope(b"")) is None
    assert scope_tab({"type": "websocket"}) is None


def test_ws9_a_request_names_its_tab_in_a_header_of_any_case() -> None:
    assert request_tab(SimpleNamespace(headers=Headers({"x-mizan-tab": "t1"}))) == "t1"
    assert request_tab(SimpleNamespace(headers=Headers({"X-MIZAN-TAB": "t1"}))) == "t1"
    assert request_tab(SimpleNamespace(headers=Headers({"x-mizan-tab": "t 1"}))) is None
    assert request_tab(SimpleNamespace(headers=Headers({}))) is None
    assert request_tab(object()) is None  # a request of another shape names no tab
    assert request_tab(SimpleNamespace(headers=object())) is None
