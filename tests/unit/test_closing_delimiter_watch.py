"""The Django adapter's closing-delimiter watch (mizan/multipart.py) decides as a look at
the whole body would, however the body is cut into reads: a delimiter split across two
reads, repeated or overlapping dashes, whitespace or text after it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mizan.multipart import ClosingDelimiterWatch

WHITESPACE = b" \t\r\n"


def whole_body_verdict(body: bytes, boundary: bytes) -> bool:
    closing = b"--" + boundary + b"--"
    at = body.find(closing)
    return at >= 0 and not body[at + len(closing) :].strip(WHITESPACE)


boundaries = (
    st.binary(min_size=1, max_size=3)
    .map(lambda b: bytes(c % 3 for c in b))
    .map(lambda b: b.replace(b"\x00", b"-").replace(b"\x01", b"a").replace(b"\x02", b"b"))
)


@given(boundaries, st.data())
def test_the_verdict_does_not_depend_on_how_the_body_is_read(boundary: bytes, data: st.DataObject) -> None:
    pieces = st.sampled_from([b"-", b"a", b"b", b"--" + boundary + b"--", b"\r\n", b" ", b"x"])
    body = b"".join(data.draw(st.lists(pieces, max_size=14)))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(body)), max_size=6)))
    watch = ClosingDelimiterWatch(None, boundary)
    start = 0
    for cut in [*cuts, len(body)]:
        watch._see(body[start:cut])
        start = cut
    assert watch.complete == whole_body_verdict(body, boundary)
