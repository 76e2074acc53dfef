"""SSR-3: the embedded hydration JSON cannot leave its `<script>` element, whatever the props
hold (run in the C pass and the MIZAN_PURE=1 pass: the canonical writer of each)."""

from __future__ import annotations

import datetime
import decimal
import json
from html.parser import HTMLParser
from typing import Any

import pytest

from mizan.core.errors import EncodeError
from mizan.core.ssr import page, props_json

PREFIX = "window.__MIZAN_SSR_DATA__="


class Scripts(HTMLParser):
    """The elements a browser's tokenizer sees, and each script's text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.tags.append(tag)
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


HOSTILE = [
    "</script><script>alert(1)</script>",
    "</SCRIPT ><img src=x onerror=alert(1)>",
    "<!--<script>",
    "a\u2028b\u2029c",
    "&lt;&amp;",
    "]]>",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_ssr3_props_cannot_break_out(value: str) -> None:
    props = {"value": value, value: [value]}
    markup = page("<p>x</p>", props_json(props))
    parsed = Scripts()
    parsed.feed(markup)
    parsed.close()
    assert parsed.tags == ["div", "p", "script"]
    [script] = parsed.scripts
    assert script.startswith(PREFIX)
    assert json.loads(script[len(PREFIX) :]) == props
    for raw in "<>&\u2028\u2029":
        assert raw not in script[len(PREFIX) :]


def test_ssr3_sorted_keys_and_str_for_other_values() -> None:
    props = {
        "b": decimal.Decimal("1.50"),
        "a": datetime.date(2024, 1, 2),
        "c": {"z": 1, "y": object.__new__(type("Thing", (), {"__str__": lambda self: "a thing"}))},
    }
    assert props_json(props) == b'{"a":"2024-01-02","b":"1.50","c":{"y":"a thing","z":1}}'


def test_ssr3_escapes_exactly() -> None:
    assert props_json({"s": "<>&\u2028\u2029é"}) == '{"s":"\\u003c\\u003e\\u0026\\u2028\\u2029é"}'.encode()


def test_unencodable_props_raise() -> None:
    with pytest.raises(EncodeError):
        props_json({"nan": float("nan")})
