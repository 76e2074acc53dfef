"""The markup an SSR render answers with, and the props JSON embedded in it (SSR-3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from mizan.core import _backend

ROOT_OPEN: Final = '<div id="mizan-root">'
DATA_OPEN: Final = "</div><script>window.__MIZAN_SSR_DATA__="
DATA_CLOSE: Final = "</script>"
# Inside <script> the HTML parser ends the element at "</script" and enters an escaped
# state at "<!--"; `&` matters once the markup is parsed as XHTML; U+2028 and U+2029 end a
# line in JavaScript before ES2019 and in line-based readers. All five stay valid JSON.
SCRIPT_ESCAPES: Final = (
    (b"<", b"\\u003c"),
    (b">", b"\\u003e"),
    (b"&", b"\\u0026"),
    ("\u2028".encode(), b"\\u2028"),
    ("\u2029".encode(), b"\\u2029"),
)


def props_json(props: Mapping[str, Any]) -> bytes:
    """The props as canonical JSON (sorted keys; any other value through `str`) with the
    five characters of SSR-3 escaped: safe inside a `<script>` element and as one line of
    SSR-5.

    Raises:
        EncodeError: a value no JSON can hold even through `str`: NaN or an infinity, a
            key that is not a string or an integer, a lone surrogate, nesting past 512.
    """
    data = bytes(_backend.encode_json(dict(props), str))
    for raw, escaped in SCRIPT_ESCAPES:
        data = data.replace(raw, escaped)
    return data


def page(html: str, data: bytes) -> str:
    """The SSR-3 markup: the worker's HTML in the root element, then the hydration data.

    Args:
        html: what the worker rendered.
        data: `props_json` of the props the component rendered with.
    """
    return f"{ROOT_OPEN}{html}{DATA_OPEN}{data.decode()}{DATA_CLOSE}"
