"""The `scale` group's results: its tables, the verdict of every curve, the goals S1..S4
and the charts, from the measured instruction counts and wall times."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from benchmarks import _scale_fixture as fx
from benchmarks._results import Chart, Goal, Results, Table, instructions
from benchmarks._scale_curves import (
    CALL_C,
    CALL_PY,
    CALLP_C,
    CALLP_PY,
    DECORATE,
    DERIVED,
    DUMPS,
    EMIT_C,
    EMIT_PY,
    ENC_C,
    ENC_PY,
    GOALS,
    HIT_C,
    HIT_PY,
    LOADS,
    MISS_C,
    MISS_PY,
    PARSE_C,
    PARSE_PY,
    REGISTER,
    REGISTRATION,
    SUMMARY,
    WALK,
    WRITE_C,
    WRITE_PY,
    Curve,
    Fit,
    Kind,
    Series,
    describe,
    fit,
    size_label,
    verdict,
)

Column = tuple[str, Curve, Kind, Callable[[float], str]]  # heading, curve, Ir or wall, cell format


def _with_derived(series: Series) -> Series:
    out = {name: dict(values) for name, values in series.items()}
    for curve, (a, b) in DERIVED.items():
        first, second = series.get(a.series, {}), series.get(b.series, {})
        out[curve.series] = {size: first[size] + second[size] for size in first if size in second}
    return out


def _fits(curve: Curve, ir: Series | None, wall: Series) -> dict[Kind, Fit | None]:
    return {
        "Ir": fit(ir.get(curve.series, {})) if ir is not None else None,
        "wall": fit(wall.get(curve.series, {})),
    }


def _cell(values: Mapping[float, float], size: float, form: Callable[[float], str]) -> str:
    return form(values[size]) if size in values else "—"


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.2f}"


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.2f}"


def _table(
    title: str,
    first: str,
    sizes: list[float],
    label: Callable[[float], str],
    columns: list[Column],
    ir: Series | None,
    wall: Series,
    note: str = "",
    extra: tuple[str, Callable[[float], str]] | None = None,
) -> Table:
    names = [first, *([extra[0]] if extra else []), *(name for name, _, _, _ in columns)]
    rows = []
    for size in sizes:
        row = [label(size), *([extra[1](size)] if extra else [])]
        for _, curve, kind, form in columns:
            source = ir if kind == "Ir" else wall
            row.append(_cell((source or {}).get(curve.series, {}), size, form) if source is not None else "—")
        rows.append(row)
    return Table(title, names, rows, note)


def _columns(curves: list[Curve], ir: Series | None, wall_form: Callable[[float], str], unit: str) -> list[Column]:
    """Each curve's Ir column (when counted), then each curve's wall-time column."""
    counted: list[Column] = [(f"{c.series} (Ir)", c, "Ir", instructions) for c in curves] if ir is not None else []
    timed: list[Column] = [(f"{c.series} ({unit})", c, "wall", wall_form) for c in curves]
    return [*counted, *timed]


def _summary(ir: Series | None, wall: Series) -> tuple[Table, dict[Curve, tuple[bool | None, dict[Kind, Fit | None]]]]:
    rows, verdicts = [], {}
    for curve in SUMMARY:
        fits = _fits(curve, ir, wall)
        met, words = verdict(curve.shape, fits)
        verdicts[curve] = (met, fits)
        cells = [f"{curve.series}{'' if curve.mizan else ' (reference)'}", curve.shape]
        for kind in ("Ir", "wall"):
            found = fits[kind]
            if found is None:
                cells += ["—", "—", "—"]
                continue
            per_unit = instructions(found.per_unit) if kind == "Ir" else f"{found.per_unit * 1e9:,.2f}"
            span = f"{size_label(found.low, curve.unit)}..{size_label(found.high, curve.unit)}"
            cells += [f"x{found.growth:.2f} ({span})", f"{found.exponent:.2f}", per_unit]
        rows.append([*cells, words])
    columns = ["curve", "expected", "Ir growth", "Ir exponent", "Ir per unit"]
    columns += ["wall growth", "wall exponent", "ns per unit", "verdict"]
    note = (
        "growth: cost at the largest size / at the smallest (range in brackets); exponent: log-log "
        "slope between the two largest sizes (0 flat, 1 linear, 2 quadratic); per unit: the extra "
        "cost of one more function, member or byte between the two largest sizes. Flat: growth <= "
        "1.10 (Ir), 1.25 (wall); linear: exponent <= 1.15 (Ir), 1.35 (wall). Instruction counts decide "
        "where they reach the largest size; beyond it wall time must agree."
    )
    return Table("curves: flat or linear, as expected?", columns, rows, note), verdicts


def _goals(verdicts: Mapping[Curve, tuple[bool | None, dict[Kind, Fit | None]]]) -> list[Goal]:
    goals = []
    for goal_id, (aim, curves) in GOALS.items():
        parts, results = [], []
        for curve in curves:
            met, fits = verdicts[curve]
            results.append(met)
            shown = ", ".join(describe(found, kind) for kind, found in fits.items() if found is not None)
            parts.append(f"{curve.series} {shown}")
        met_all: bool | None = None if any(r is None for r in results) else all(results)
        goals.append(Goal(goal_id, aim, "; ".join(parts), met_all))
    return goals


def _charts(ir: Series | None, wall: Series) -> list[Chart]:
    basis, unit = (ir, "instructions per op (callgrind)") if ir is not None else (wall, "seconds per op (wall)")

    def series(*curves: Curve, source: Series = basis) -> dict[str, list[tuple[Any, float]]]:
        return {c.series: sorted(source[c.series].items()) for c in curves if source.get(c.series)}

    emission = series(EMIT_C, EMIT_PY, WRITE_C, source=wall)
    ir_ms = {name: [(x, y * 1e3) for x, y in points] for name, points in emission.items()}
    anchor = dict(ir_ms.get(EMIT_C.series, [])).get(100.0)
    if anchor is not None:  # where emission C would be if it stayed linear past 100 functions
        ir_ms["linear from 100 functions"] = [(n, anchor * n / 100) for n in fx.FUNCTION_COUNTS]
    return [
        Chart(
            "scale-functions",
            "One /call/ and registering one function, by registered functions (flat expected)",
            "line",
            unit,
            series(CALL_C, CALL_PY, REGISTRATION, REGISTER),
            xlabel="registered functions",
            log=True,
        ),
        Chart(
            "scale-ir",
            "IR emission (walk + KDL writer), by registered functions (linear expected)",
            "line",
            "milliseconds (wall)",
            ir_ms,
            xlabel="registered functions",
            log=True,
        ),
        Chart(
            "scale-context",
            "Context fetch through the origin cache, by members (MISS linear, HIT flat expected)",
            "line",
            unit,
            series(MISS_C, HIT_C, MISS_PY, HIT_PY),
            xlabel="context members",
            log=True,
        ),
        Chart(
            "scale-payload",
            "Response writer, /call/ and request parser, by payload bytes (linear expected)",
            "line",
            unit,
            series(ENC_C, ENC_PY, DUMPS, CALLP_C, PARSE_C, PARSE_PY, LOADS),
            xlabel="payload bytes",
            log=True,
        ),
    ]


def build(ir: Series | None, wall: Series, ir_bytes: dict[int, int], rounds: int, skipped: str | None) -> Results:
    ir = _with_derived(ir) if ir is not None else None
    wall = _with_derived(wall)
    results = Results(
        group="scale",
        module="scale",
        title="how costs grow with registered functions, context members and payload bytes",
        method=(
            f"Wall time: medians of {rounds} interleaved rounds (registry sizes visited in rotating order, "
            "the registry refilled outside the timed batches; the IR of 10,000 functions walked once). "
            "Instructions: callgrind Ir per op (PYTHONHASHSEED=0, empty-loop cost and stage guard "
            "subtracted), left out where a point would cost minutes under callgrind. Registries: one "
            "context per 10 functions (3 reads, 5 mutations affecting it, 2 plain), filled directly; "
            "register() is measured on its own. /call/ is benchmarks.core's executor path (parse, "
            "registry, validate, call, invalidation, encode); a context fetch goes through the origin "
            "cache on a memory backend (MISS: a user not fetched before; HIT: a stored one)."
        ),
    )
    if skipped:
        results.skipped.append(f"instructions: {skipped}")
    counts = [float(n) for n in fx.FUNCTION_COUNTS]
    results.tables.append(
        _table(
            "registered functions: one /call/, and registering one more function",
            "functions",
            counts,
            lambda n: f"{n:,.0f}",
            [
                *_columns([CALL_C, CALL_PY], ir, _us, "us"),
                *_columns([DECORATE, REGISTER], ir, _us, "us"),
            ],
            ir,
            wall,
            note="register() is the registry's own work; @client builds the function's model and compiled signature.",
        )
    )
    results.tables.append(
        _table(
            "IR emission: build_ir() = the model walk (views cold, as in a fresh process), then the KDL writer",
            "functions",
            counts,
            lambda n: f"{n:,.0f}",
            [*_columns([WALK, WRITE_C, WRITE_PY], ir, _ms, "ms"), ("IR emission C (ms)", EMIT_C, "wall", _ms)],
            ir,
            wall,
            extra=("IR bytes", lambda n: f"{ir_bytes.get(int(n), 0):,}"),
        )
    )
    results.tables.append(
        _table(
            "context fetch by members: MISS (validate, run each member, encode, store) and HIT (stored bytes)",
            "members",
            [float(m) for m in fx.MEMBER_COUNTS],
            lambda m: f"{m:,.0f}",
            _columns([MISS_C, HIT_C, MISS_PY, HIT_PY], ir, _us, "us"),
            ir,
            wall,
            extra=("bundle bytes", lambda m: f"{len(fx.expected_bundle(int(m), fx.HIT_USER)):,}"),
        )
    )
    sizes = [float(fx.payload_bytes(k)) for k in fx.PAYLOAD_RECORDS]
    results.tables.append(
        _table(
            "payload: the response writer, and /call/ of a function returning the payload",
            "payload bytes",
            sizes,
            lambda b: f"{b:,.0f}",
            _columns([ENC_C, ENC_PY, DUMPS, CALLP_C, CALLP_PY], ir, _us, "us"),
            ir,
            wall,
        )
    )
    results.tables.append(
        _table(
            "payload: the request parser on a /call/ body carrying the payload",
            "body bytes",
            [float(fx.body_bytes(k)) for k in fx.PAYLOAD_RECORDS],
            lambda b: f"{b:,.0f}",
            _columns([PARSE_C, PARSE_PY, LOADS], ir, _us, "us"),
            ir,
            wall,
        )
    )
    summary, verdicts = _summary(ir, wall)
    results.tables.append(summary)
    results.charts.extend(_charts(ir, wall))
    results.goals.extend(_goals(verdicts))
    return results
