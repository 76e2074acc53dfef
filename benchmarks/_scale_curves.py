"""The `scale` group's curves: which ones are measured, the shape each should have, and
how a curve is judged flat or at most linear from its measured points.

A curve is a list of (size, cost) points, sizes increasing. Two numbers describe it:

- growth: cost at the largest size / cost at the smallest. A flat curve stays near 1.
- exponent of the last segment: log(y2 / y1) / log(x2 / x1) between the two largest
  sizes, i.e. the slope on a log-log chart where the costs are largest. A fixed cost plus
  a per-unit cost gives at most 1 (less while the fixed cost still shows); a per-unit cost
  that itself grows with size (an O(n) step repeated n times) gives up to 2. Growth over
  the whole range cannot tell these apart when a fixed cost dominates the small sizes,
  and the exponent where the costs are largest can.

The per-unit cost reported with each curve is the last segment's slope, (y2 - y1) / (x2 - x1):
what one more function, member or byte costs at the large end. Instruction counts repeat
exactly, so their tolerances are tight; wall time on a shared machine moves by several
percent between rounds, so its tolerances are wider.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Shape = Literal["flat", "linear"]
Kind = Literal["Ir", "wall"]

# Flat: growth over the whole range at most this. Linear: last-segment exponent at most this.
# Wall time only judges the sizes callgrind does not reach, where single calls take
# milliseconds to seconds; on the shared 2-core machine its last-segment exponent of a
# linear curve moved by up to +0.3 between runs, and an O(n) step repeated n times gives
# 1.5-2.0.
FLAT_LIMIT: dict[Kind, float] = {"Ir": 1.10, "wall": 1.25}
LINEAR_LIMIT: dict[Kind, float] = {"Ir": 1.15, "wall": 1.35}


@dataclass(frozen=True)
class Curve:
    """One measured curve: `series` of `group`, expected `shape`, sizes in `unit`s."""

    group: str  # functions, members or bytes: the table and chart it belongs to
    series: str
    shape: Shape
    unit: str
    mizan: bool = True  # False for reference rows (json.dumps, json.loads): not in a goal


@dataclass(frozen=True)
class Fit:
    """What the points of one curve, in one kind of measurement, say."""

    first: float
    last: float
    low: float  # smallest size measured
    high: float  # largest size measured
    growth: float
    exponent: float
    per_unit: float

    def holds(self, shape: Shape, kind: Kind) -> bool:
        if shape == "flat":
            return self.growth <= FLAT_LIMIT[kind]
        return self.exponent <= LINEAR_LIMIT[kind]


def fit(points: Mapping[float, float]) -> Fit | None:
    """The growth, last-segment exponent and per-unit slope; None below two points."""
    sizes = sorted(points)
    if len(sizes) < 2:
        return None
    x1, x2 = sizes[-2], sizes[-1]
    y1, y2 = points[x1], points[x2]
    first, last = points[sizes[0]], y2
    exponent = math.log(y2 / y1) / math.log(x2 / x1) if y1 > 0 and y2 > 0 else math.nan
    return Fit(first, last, sizes[0], x2, last / first, exponent, (y2 - y1) / (x2 - x1))


def verdict(shape: Shape, fits: Mapping[Kind, Fit | None]) -> tuple[bool | None, str]:
    """Whether the curve has `shape`, and the words for the table.

    Instruction counts decide where they reach the largest size measured: they repeat
    exactly, and a wall-time median can move by more than the tolerance on a busy machine.
    Where they stop short (a point too slow to count), wall time must agree as well, since
    it alone sees the largest sizes.
    """
    counted, timed = fits.get("Ir"), fits.get("wall")
    judges: dict[Kind, Fit] = {}
    if counted is not None:
        judges["Ir"] = counted
    if timed is not None and (counted is None or counted.high < timed.high):
        judges["wall"] = timed
    if not judges:
        return None, "not measured"
    by = " and ".join(judges)
    failing = [kind for kind, found in judges.items() if not found.holds(shape, kind)]
    if not failing:
        return True, f"{shape}, as expected (by {by})"
    kind = failing[0]
    found = judges[kind]
    if shape == "flat":
        return False, f"NOT flat: x{found.growth:.2f} by {kind}"
    return False, f"superlinear: exponent {found.exponent:.2f} by {kind}"


def describe(fit_: Fit, kind: Kind) -> str:
    """`x1.02 Ir (exponent 0.01)`: growth and last-segment exponent, for a goal's text."""
    return f"x{fit_.growth:.2f} {kind} (exponent {fit_.exponent:.2f})"


def size_label(value: float, unit: str) -> str:
    """A size for a table cell: `9.96 KB` for bytes, `10,000` for functions and members."""
    if unit == "B":
        for scale, suffix in ((1_000_000, "MB"), (1_000, "KB")):
            if value >= scale:
                return f"{value / scale:.3g} {suffix}"
        return f"{value:.0f} B"
    return f"{value:,.0f}"


# --- the curves ---------------------------------------------------------------------------

CALL_C = Curve("functions", "/call/ C", "flat", "function")
CALL_PY = Curve("functions", "/call/ pure", "flat", "function")
DECORATE = Curve("functions", "@client", "flat", "function")
REGISTER = Curve("functions", "register()", "flat", "function")
REGISTRATION = Curve("functions", "@client + register()", "flat", "function")
WALK = Curve("functions", "IR walk", "linear", "function")
WRITE_C = Curve("functions", "write_kdl C", "linear", "function")
WRITE_PY = Curve("functions", "write_kdl pure", "linear", "function")
EMIT_C = Curve("functions", "IR emission C", "linear", "function")
EMIT_PY = Curve("functions", "IR emission pure", "linear", "function")
MISS_C = Curve("members", "MISS C", "linear", "member")
HIT_C = Curve("members", "HIT C", "flat", "member")
MISS_PY = Curve("members", "MISS pure", "linear", "member")
HIT_PY = Curve("members", "HIT pure", "flat", "member")
ENC_C = Curve("bytes", "encode_json C", "linear", "B")
ENC_PY = Curve("bytes", "encode_json pure", "linear", "B")
DUMPS = Curve("bytes", "json.dumps", "linear", "B", mizan=False)
CALLP_C = Curve("bytes", "/call/ returning it C", "linear", "B")
CALLP_PY = Curve("bytes", "/call/ returning it pure", "linear", "B")
PARSE_C = Curve("bytes", "parse_call C", "linear", "B")
PARSE_PY = Curve("bytes", "parse_call pure", "linear", "B")
LOADS = Curve("bytes", "json.loads", "linear", "B", mizan=False)
DERIVED = {REGISTRATION: (DECORATE, REGISTER), EMIT_C: (WALK, WRITE_C), EMIT_PY: (WALK, WRITE_PY)}
SUMMARY = (
    CALL_C, CALL_PY, REGISTRATION, REGISTER, EMIT_C, EMIT_PY, WALK, WRITE_C, WRITE_PY,
    MISS_C, MISS_PY, HIT_C, HIT_PY,
    ENC_C, ENC_PY, DUMPS, CALLP_C, CALLP_PY, PARSE_C, PARSE_PY, LOADS,
)  # fmt: skip
GOALS = {
    "S1": ("one /call/ costs the same with 10 or 10,000 registered functions (flat)", (CALL_C, CALL_PY)),
    "S2": (
        "registering one function costs the same at every registry size, and IR emission is linear in functions",
        (REGISTRATION, WALK, EMIT_C),
    ),
    "S3": ("a context fetch MISS is linear in members and a HIT flat", (MISS_C, MISS_PY, HIT_C, HIT_PY)),
    "S4": (
        "the response writer, /call/ and the request parser are linear in payload bytes",
        (ENC_C, ENC_PY, CALLP_C, CALLP_PY, PARSE_C, PARSE_PY),
    ),
}

Series = dict[str, dict[float, float]]  # series name -> size -> cost
