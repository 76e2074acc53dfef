"""Cache-key derivation (CKEY-1..5, CPUR-4, Appendix A.1) on both backends."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import Any

import pytest

from mizan.core.errors import EncodeError

SECRET = "test-pin-secret-that-is-32bytes!"
PUBLIC = "ctx:user:605a1ca5ad5994e9b765c8d1b330474c2a0d51a7b8fbbdc402f992da7ba902f6"
USER5 = "ctx:user:30fc08eb46ee4ff2cf7d317e97dca90fd616511e0587304416f71dc863338dc2"


@pytest.mark.parametrize(
    ("params", "user", "rev", "key"),
    [
        ({"user_id": "5"}, None, 0, PUBLIC),
        ({"user_id": "5"}, "5", 0, USER5),
        ({"user_id": "5"}, None, 2, "ctx:user:a1c496c05aeffbc334434ef7c5c00b4ca8b6b47f29290070dac08084a24d3c1c"),
        ({"name": "Jürgen"}, None, 0, "ctx:user:3ddbe1b1b962dea1def95cee7343ac694b138dda8ee19a737efaf8439837526f"),
        ({"user_id": 5}, None, 0, PUBLIC),
        ({"user_id": "5"}, 5, 0, USER5),
    ],
)
def test_appendix_a1_vectors(backend: ModuleType, params: dict[str, Any], user: Any, rev: int, key: str) -> None:
    assert backend.derive_cache_key(SECRET, "user", params, user, rev) == key


def test_ckey4_messages(backend: ModuleType) -> None:
    assert backend.cache_key_message("user", {"user_id": "5"}, None, 0) == b'{"c":"user","p":{"user_id":"5"},"r":0}'
    assert (
        backend.cache_key_message("user", {"user_id": "5"}, "5", 0) == b'{"c":"user","p":{"user_id":"5"},"r":0,"u":"5"}'
    )


def test_generation_key_vector(backend: ModuleType) -> None:
    expected = "gen:user:f2588beb73165c0f1e410b0e24982f7369f0596fbfa83ba5786da2bb4cabf5f0"
    assert backend.generation_key(SECRET, "user", "user_id", 5) == expected
    assert backend.generation_key(SECRET, "user", "user_id", "5") == expected
    message = b'{"c":"user","k":"user_id","v":"5"}'
    assert expected.endswith(hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest())


def test_message_is_sorted_canonical_json(backend: ModuleType) -> None:
    params = {"é": 1.0, "b": [1, {"z": 1, "a": None}], "a": True, "\x7f": "x", "": None, "aa": 'q"\\\n\x01'}
    message = backend.cache_key_message("c\t\u2028", params, 12, 10**30)
    assert (
        message
        == (
            '{"c":"c\\t\u2028","p":{"":"null","a":"true","aa":"q\\"\\\\\\n\\u0001","b":"[1,{\\"a\\":null,\\"z\\":1}]",'
            '"\x7f":"x","é":"1"},"r":1000000000000000000000000000000,"u":"12"}'
        ).encode()
    )


def test_astral_names_sort_by_code_point(backend: ModuleType) -> None:
    message = backend.cache_key_message("c", {"\U0001f600": 1, "\uffff": 2, "z": 3}, None, -1)
    assert message == '{"c":"c","p":{"z":"3","\uffff":"2","\U0001f600":"1"},"r":-1}'.encode()


# CKEY-5 properties.


def test_deterministic_and_order_free(backend: ModuleType) -> None:
    a = backend.derive_cache_key(SECRET, "ctx", {"a": 1, "b": 2}, "7", 3)
    assert a == backend.derive_cache_key(SECRET, "ctx", {"b": 2, "a": 1}, "7", 3)
    assert len(a.rsplit(":", 1)[1]) == 64


def test_distinct_inputs_give_distinct_keys(backend: ModuleType) -> None:
    keys = {
        backend.derive_cache_key(SECRET, "user", {}, None, 0),
        backend.derive_cache_key(SECRET, "user", {}, "1", 0),
        backend.derive_cache_key(SECRET, "user", {}, "2", 0),
        backend.derive_cache_key(SECRET, "user", {}, None, 1),
        backend.derive_cache_key(SECRET, "user", {"u": "1"}, None, 0),
        backend.derive_cache_key(SECRET + "x", "user", {}, None, 0),
    }
    assert len(keys) == 6
    # No delimiter collisions: context user + user 12 vs context user1 + user 2.
    a = backend.derive_cache_key(SECRET, "user", {}, "12", 0)
    b = backend.derive_cache_key(SECRET, "user1", {}, "2", 0)
    assert a.rsplit(":", 1)[1] != b.rsplit(":", 1)[1]


class Params(Mapping[str, Any]):
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


def test_any_mapping(backend: ModuleType) -> None:
    assert backend.cache_key_message("c", Params({"b": 1, "a": 2}), None, 0) == b'{"c":"c","p":{"a":"2","b":"1"},"r":0}'


class Unsupported:
    pass


@pytest.mark.parametrize(
    ("args", "exc", "text"),
    [
        ((1, {}, None, 0), TypeError, "context must be a str"),
        (("c", {}, None, 1.0), TypeError, "rev must be an int"),
        (("c", {}, None, True), TypeError, "rev must be an int"),
        (("c", [("a", 1)], None, 0), TypeError, "params must be a mapping"),
        (("c", {1: 1}, None, 0), TypeError, "param names must be str"),
        (("c", {}, 1.5, 0), TypeError, "user_id must be a str, an int or None"),
        (("c", {}, True, 0), TypeError, "user_id must be a str, an int or None"),
        (("c", {"a": Unsupported()}, 1.5, 0), EncodeError, None),
        (("c", {"a": 1}, 1.5, 0), TypeError, "user_id must be a str, an int or None"),
        (("\ud800", {}, None, 0), EncodeError, "string is not valid Unicode"),
        (("c", {"\ud800": 1}, None, 0), EncodeError, "string is not valid Unicode"),
        (("c", {"a": "\udfff"}, None, 0), EncodeError, "string is not valid Unicode"),
        (("c", {}, "\ud800", 0), EncodeError, "string is not valid Unicode"),
    ],
)
def test_message_errors(backend: ModuleType, args: tuple[Any, ...], exc: type[Exception], text: str | None) -> None:
    with pytest.raises(exc) as info:
        backend.cache_key_message(*args)
    if text is not None:
        assert str(info.value) == text
    with pytest.raises(exc):
        backend.derive_cache_key(SECRET, *args)


@pytest.mark.parametrize("secret", ["", b"secret", None, 5])
def test_bad_secret(backend: ModuleType, secret: Any) -> None:
    with pytest.raises(TypeError, match="^secret must be a non-empty str$"):
        backend.derive_cache_key(secret, "c", {}, None, 0)
    with pytest.raises(TypeError, match="^secret must be a non-empty str$"):
        backend.generation_key(secret, "c", "n", 1)


def test_secret_checked_first_in_derive_last_in_generation(backend: ModuleType) -> None:
    with pytest.raises(TypeError, match="^secret"):
        backend.derive_cache_key("", 1, {}, None, 0)
    with pytest.raises(TypeError, match="^context and name must be str$"):
        backend.generation_key("", 1, "n", 1)
    with pytest.raises(EncodeError):
        backend.generation_key("", "c", "n", Unsupported())
    with pytest.raises(UnicodeEncodeError):
        backend.derive_cache_key("\ud800", "c", {}, None, 0)


def test_generation_key_errors(backend: ModuleType) -> None:
    with pytest.raises(TypeError, match="^context and name must be str$"):
        backend.generation_key(SECRET, "c", 1, 1)
    with pytest.raises(EncodeError, match="^string is not valid Unicode$"):
        backend.generation_key(SECRET, "c", "\ud800", 1)


def test_argument_counts(backend: ModuleType) -> None:
    with pytest.raises(TypeError):
        backend.derive_cache_key(SECRET, "c", {}, None)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        backend.cache_key_message("c", {}, None, 0, 1)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        backend.generation_key(SECRET, "c", "n", 1, rev=0)  # type: ignore[call-arg]
