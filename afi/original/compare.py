"""Mizan's run against the original's, step by step, after product-name normalisation.

Both runs are `afi.worker.run` records. A difference is one field of one step: `status`,
`header:<name>` (a header of `afi.transcript.COMPARED_HEADERS`) or `body`; the stored cache
keys and the pinned key vectors are compared as two more entries (AFI-11).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Final

from afi.transcript import COMPARED_HEADERS

# The product's name in each spelling, original → Mizan (header names, values, bodies).
NAMES: Final = ((b"IZANA", b"MIZAN"), (b"Izana", b"Mizan"), (b"izana", b"mizan"))
STORED_KEYS: Final = "(stored cache keys)"
VECTORS: Final = "(pinned key vectors)"


def normalise(data: bytes) -> bytes:
    """`data` with the original's product name read as Mizan."""
    for original, mizan in NAMES:
        data = data.replace(original, mizan)
    return data


def _text(value: str | None) -> str | None:
    return None if value is None else normalise(value.encode()).decode()


@dataclass(frozen=True)
class Difference:
    """One field of one step that differs: `mizan` and `original` are displayable values."""

    label: str
    field: str
    mizan: Any
    original: Any

    @property
    def key(self) -> tuple[str, str]:
        return (self.label, self.field)


def _records(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    records = [*run["steps"], *run.get("auth", [])]
    by_label = {record["label"]: record for record in records}
    if len(by_label) != len(records):
        raise ValueError("step labels are not unique")
    return by_label


def _body(record: dict[str, Any]) -> bytes:
    return base64.b64decode(record["body"])


def _show(body: bytes) -> str:
    return body.decode("utf-8", "backslashreplace")


def differences(mizan: dict[str, Any], original: dict[str, Any]) -> list[Difference]:
    """Every differing field, in transcript order; `original` is normalised first."""
    found: list[Difference] = []
    theirs = _records(original)
    for label, ours in _records(mizan).items():
        other = theirs.get(label)
        if other is None:
            found.append(Difference(label, "missing", "sent", "not sent"))
            continue
        if ours["status"] != other["status"]:
            found.append(Difference(label, "status", ours["status"], other["status"]))
        for name in COMPARED_HEADERS:
            mine, their = ours["headers"].get(name), _text(other["headers"].get(name))
            if mine != their:
                found.append(Difference(label, f"header:{name}", mine, their))
        mine_body, their_body = _body(ours), normalise(_body(other))
        if mine_body != their_body:
            found.append(Difference(label, "body", _show(mine_body), _show(their_body)))
    for label, field in ((STORED_KEYS, "stored_keys"), (VECTORS, "vectors")):
        if sorted(mizan[field]) != sorted(original[field]):
            found.append(Difference(label, "keys", sorted(mizan[field]), sorted(original[field])))
    return found
