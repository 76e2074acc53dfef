"""The tables, charts and G5 verdicts of benchmarks.ctx, from its measurements."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from benchmarks._ctx_rows import CORE, DJANGO, EDGE_HIT, FLOOR, PLAIN_VIEW, PYTHON, REDIS, REDIS_PY
from benchmarks._results import Chart, Goal, Results, Table, instructions, times

Measured = dict[str, Any]  # group -> row -> value (wall: seconds; Ir: instructions)
HIT = "HIT: key + lookup + response"  # the row G5 is about
# Issue 8, G5.
AIM_HIT_IR = 8_000
AIM_HIT_VS_PYTHON = 6.0
AIM_REDIS_VS_FLOOR = 1.3
AIM_REDIS_VS_REDIS_PY = 1.4
AIM_MISS_VS_HIT = 2.0
AIM_EDGE_VS_PLAIN = 0.1  # the origin edge: a HIT at a tenth of the cheapest Django view


def _us(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e6:.2f}"


def _ir(value: float | None) -> str:
    return "-" if value is None else instructions(value)


def _get(table: Mapping[str, Any] | None, group: str, name: str) -> float | None:
    if table is None:
        return None
    value: float | None = table.get(group, {}).get(name)
    return value


def build(
    wall_c: Measured,
    wall_py: Measured,
    ir_c: Measured | None,
    ir_py: Measured | None,
    hot: Mapping[str, list[tuple[float, str]]],
    skipped: list[str],
    rounds: int,
) -> Results:
    """The group's Results: C and pure side by side, the plain-Python comparison, HIT
    against MISS, Redis against its floor, where the HIT spends its instructions."""
    columns = ["operation", "C (Ir)", "pure (Ir)", "pure/C", "C (us)", "pure (us)"]
    tables = [
        Table(
            "Memory cache, core level (no Django): Mizan's own work per fetch",
            columns,
            _mizan_rows("core", list(CORE), wall_c, wall_py, ir_c, ir_py),
            "HIT rows: key + generation keys + get_many + stamp check + response; 'whole fetch pipeline' is "
            "executor.context_pipeline driven by run_sync for an anonymous request.",
        )
    ]
    if ir_c is not None:
        tables.append(_parts_table(ir_c))
    tables.append(
        Table(
            "Memory cache through Django (WSGIHandler, synthetic environ, no middleware)",
            columns,
            _mizan_rows("django", list(DJANGO), wall_c, wall_py, ir_c, ir_py),
        )
    )
    tables += [_python_table(wall_c, wall_py, ir_c, ir_py), _miss_table(wall_c, ir_c)]
    if wall_c.get("redis"):
        tables.append(_redis_table(wall_c["redis"], wall_py.get("redis", {})))
    for name, functions in hot.items():
        group, row = name.split("|", 1)
        where = "core level" if group == "core" else "through Django"
        tables.append(
            Table(
                f"Where the C memory-cache {row} ({where}) spends its instructions: self Ir per op",
                ["function (object)", "Ir"],
                [[function, instructions(cost)] for cost, function in functions],
            )
        )
    return Results(
        group="ctx",
        module="ctx",
        title="context fetch through the origin cache: HIT and MISS, memory and Redis",
        method=(
            f"GET /api/mizan/ctx/<name>/ for a 1-param context (no database), a 20-param one and a "
            f"3-member one doing one SQLite query each (Django ORM, 2,000 rows). Core level: "
            f"cache.lookup + the cached response, and executor.context_pipeline via run_sync, no "
            f"Django; Django level: WSGIHandler on a synthetic environ, no middleware. Memory rows: "
            f"callgrind Ir per op (PYTHONHASHSEED=0, empty loop subtracted) and medians of {rounds} "
            f"interleaved rounds; Redis rows (redis-server started by the run on loopback, no "
            f"persistence): medians of interleaved rounds, with one redis-benchmark -t get -c 1 -P 1 "
            f"burst per round as the floor. C and pure twins in separate processes; every alternative "
            f"answers the same bytes before anything is timed."
        ),
        tables=tables,
        charts=_charts(wall_c),
        goals=_goals(wall_c, ir_c),
        skipped=skipped,
    )


def _mizan_rows(
    group: str,
    names: Sequence[str],
    wall_c: Measured,
    wall_py: Measured,
    ir_c: Measured | None,
    ir_py: Measured | None,
) -> list[list[str]]:
    rows = []
    for name in names:
        c_ir, py_ir = _get(ir_c, group, name), _get(ir_py, group, name)
        ratio = times(py_ir / c_ir, 1) if c_ir and py_ir else "-"
        c_wall, py_wall = _get(wall_c, group, name), _get(wall_py, group, name)
        rows.append([name, _ir(c_ir), _ir(py_ir), ratio, _us(c_wall), _us(py_wall)])
    return rows


def _python_table(wall_c: Measured, wall_py: Measured, ir_c: Measured | None, ir_py: Measured | None) -> Table:
    """Mizan's HIT against the plain-Python ones, each as a multiple of the C HIT."""
    plain = list(PYTHON)
    compare = [
        ("Mizan C: HIT, key + lookup + response", "core", HIT, wall_c, ir_c),
        ("Mizan pure: HIT, key + lookup + response", "core", HIT, wall_py, ir_py),
        *((name, "python", name, wall_c, ir_c) for name in plain[:3]),
        ("Mizan C: HIT, 20 params", "core", "HIT, 20 params: key + lookup + response", wall_c, ir_c),
        ("Mizan pure: HIT, 20 params", "core", "HIT, 20 params: key + lookup + response", wall_py, ir_py),
        ("Mizan C through Django: HIT", "django", "HIT", wall_c, ir_c),
        (plain[3], "python", plain[3], wall_c, ir_c),
    ]
    base_ir, base_wall = _get(ir_c, "core", HIT), _get(wall_c, "core", HIT)
    rows = []
    for label, group, name, wall, ir in compare:
        value_ir, value_wall = _get(ir, group, name), _get(wall, group, name)
        by_ir = times(value_ir / base_ir, 1) if value_ir and base_ir else "-"
        by_wall = times(value_wall / base_wall, 1) if value_wall and base_wall else "-"
        rows.append([label, _ir(value_ir), by_ir, _us(value_wall), by_wall])
    return Table(
        "A HIT against the same work in plain Python (memory)",
        ["alternative", "Ir", "/ Mizan C HIT", "us", "/ Mizan C HIT"],
        rows,
        "Python equivalent: json.dumps + hmac keys (entry + one generation key per param), a locked dict "
        "multi-get, the stamp compared, the response; minimal: one hmac key and dict.get, no stamps.",
    )


def _miss_table(wall_c: Measured, ir_c: Measured | None) -> Table:
    rows = []
    for label, group, hit_name, miss_name in (
        ("memory, core", "core", "HIT: whole fetch pipeline", "MISS: whole fetch pipeline"),
        ("memory, Django", "django", "HIT", "MISS"),
        ("3-query, core", "core", "3-query HIT: whole fetch pipeline", "3-query MISS: whole fetch pipeline"),
        ("3-query, Django", "django", "3-query HIT", "3-query MISS"),
        ("Redis, core", "redis", "HIT: whole fetch pipeline", "MISS: whole fetch pipeline"),
        ("Redis, Django", "redis", "Django HIT", "Django MISS"),
    ):
        row = [label]
        for source, fmt in ((ir_c, _ir), (wall_c, _us)):
            hit_v, miss_v = _get(source, group, hit_name), _get(source, group, miss_name)
            row += [fmt(hit_v), fmt(miss_v), times(miss_v / hit_v) if hit_v and miss_v else "-"]
        if any(cell != "-" for cell in row[1:]):  # Redis rows are absent when Redis was skipped
            rows.append(row)
    return Table(
        "HIT against MISS (C backend)",
        ["fetch", "HIT (Ir)", "MISS (Ir)", "MISS/HIT", "HIT (us)", "MISS (us)", "MISS/HIT"],
        rows,
        "A MISS looks up, runs the members, encodes, stores; the 3-query MISS includes one "
        "MemoryCache.delete (its own row above) to make the entry cold. Redis: wall time only.",
    )


def _redis_table(redis_c: Mapping[str, float], redis_py: Mapping[str, float]) -> Table:
    floor = redis_c.get(FLOOR)
    rows = []
    for name in [*REDIS, *REDIS_PY]:
        c_v, py_v = redis_c.get(name), redis_py.get(name)
        rows.append([name, _us(c_v), _us(py_v), times(c_v / floor) if c_v and floor else "-"])
    rows.append([FLOOR, _us(floor), "-", times(1.0) if floor else "-"])
    return Table(
        "Redis on loopback (wall time: the rows wait on a socket)",
        ["operation", "C (us)", "pure (us)", "C / floor"],
        rows,
        "Pure: the twins' RESP2 client over a plain socket. redis-py rows: redis-py with hiredis, "
        "measured in the C process. The floor: redis-benchmark bursts between the rounds.",
    )


def _parts_table(ir_c: Measured) -> Table:
    """The C HIT step by step: each step measured alone, the glue as the remainder."""
    total = ir_c["core"][HIT]
    parts = {"entry key: derive_cache_key": ir_c["core"]["key: derive_cache_key"], **ir_c["parts"]}
    parts["rest: cache.lookup's Python glue (sorted, lists, zip, partition, compare)"] = total - sum(parts.values())
    rows = [[name, instructions(value), f"{value / total:.0%}"] for name, value in parts.items()]
    rows.append(["HIT: key + lookup + response", instructions(total), "100%"])
    return Table(
        "The C memory-cache HIT (1 param) step by step: each step measured alone",
        ["step", "Ir", "share"],
        rows,
    )


def _charts(wall_c: Measured) -> list[Chart]:
    core, django, redis_c = wall_c.get("core", {}), wall_c.get("django", {}), wall_c.get("redis", {})
    pairs = [
        ("memory, core", core.get("HIT: whole fetch pipeline"), core.get("MISS: whole fetch pipeline")),
        ("memory, Django", django.get("HIT"), django.get("MISS")),
        ("Redis, core", redis_c.get("HIT: whole fetch pipeline"), redis_c.get("MISS: whole fetch pipeline")),
        ("Redis, Django", redis_c.get("Django HIT"), redis_c.get("Django MISS")),
        (
            "3-query, core",
            core.get("3-query HIT: whole fetch pipeline"),
            core.get("3-query MISS: whole fetch pipeline"),
        ),
        ("3-query, Django", django.get("3-query HIT"), django.get("3-query MISS")),
    ]
    series: dict[str, list[tuple[Any, float]]] = {"HIT": [], "MISS": []}
    for label, hit_v, miss_v in pairs:
        if hit_v and miss_v:
            series["HIT"].append((label, hit_v * 1e6))
            series["MISS"].append((label, miss_v * 1e6))
    charts = [
        Chart(
            "ctx_hit_miss",
            "Context fetch, C backend: HIT vs MISS (core: Mizan alone; Django: WSGIHandler)",
            "bar",
            "us per fetch (log scale)",
            series,
            log=True,
        )
    ]
    bars = [
        ("redis-benchmark GET (floor)", redis_c.get(FLOOR)),
        ("Mizan GET", redis_c.get("RedisCache GET")),
        ("Mizan HIT", redis_c.get(HIT)),
        ("redis-py GET", redis_c.get("redis-py GET")),
        ("redis-py, HIT work", redis_c.get("redis-py same HIT work")),
    ]
    points = [(label, value * 1e6) for label, value in bars if value]
    if points:
        charts.append(
            Chart(
                "ctx_redis_round_trip",
                "Redis on loopback: GET floor vs Mizan (GET; HIT = key + MGET + response) vs redis-py",
                "bar",
                "us per operation",
                {"C backend": points},
            )
        )
    return charts


def _goals(wall_c: Measured, ir_c: Measured | None) -> list[Goal]:
    """G5, each part on its own: instruction aims from the C child, wall-time aims from the
    interleaved rounds of the C process (the Redis ones can only be wall time)."""
    hit_name, same_work = HIT, list(PYTHON)[0]
    goals: list[Goal] = []
    if ir_c is not None:
        hit_ir, python_ir = ir_c["core"][hit_name], ir_c["python"][same_work]
        wall_ratio = wall_c["python"][same_work] / wall_c["core"][hit_name]
        goals.append(
            Goal(
                "G5",
                f"memory HIT, Mizan's own cost (key + lookup + response) <= {AIM_HIT_IR:,} Ir",
                f"{instructions(hit_ir)} Ir on C ({hit_ir / AIM_HIT_IR:.1f}x the aim)",
                hit_ir <= AIM_HIT_IR,
            )
        )
        goals.append(
            Goal(
                "G5",
                f"memory HIT >= {AIM_HIT_VS_PYTHON:g}x under the Python equivalent (same work)",
                f"Python/Mizan {python_ir / hit_ir:.2f}x by Ir ({wall_ratio:.2f}x by wall time)",
                python_ir / hit_ir >= AIM_HIT_VS_PYTHON,
            )
        )
    else:
        aim = f"memory HIT <= {AIM_HIT_IR:,} Ir and >= {AIM_HIT_VS_PYTHON:g}x under the Python equivalent"
        goals.append(Goal("G5", aim, "instructions not counted", None))
    redis_c = wall_c.get("redis", {})
    hit, floor, client = redis_c.get(hit_name), redis_c.get(FLOOR), redis_c.get("redis-py GET")
    pipeline, same = redis_c.get("HIT: whole fetch pipeline"), redis_c.get("redis-py same HIT work")
    measured = "no Redis rows in this run"
    if hit and floor:
        measured = f"{_us(hit)} us vs {_us(floor)} us: {hit / floor:.2f}x"
        if pipeline:
            measured += f" (whole pipeline {_us(pipeline)} us: {pipeline / floor:.2f}x)"
    goals.append(
        Goal(
            "G5",
            f"Redis HIT (key + lookup + response) <= {AIM_REDIS_VS_FLOOR:g}x the redis-benchmark GET round trip",
            measured,
            hit / floor <= AIM_REDIS_VS_FLOOR if hit and floor else None,
        )
    )
    measured = "no Redis rows in this run"
    if hit and client:
        measured = f"redis-py GET {_us(client)} us / Mizan HIT {_us(hit)} us = {client / hit:.2f}x"
        if same:
            measured += f" (redis-py doing the same HIT work: {same / hit:.2f}x)"
    goals.append(
        Goal(
            "G5",
            f"Redis HIT >= {AIM_REDIS_VS_REDIS_PY:g}x faster than a redis-py+hiredis GET",
            measured,
            client / hit >= AIM_REDIS_VS_REDIS_PY if hit and client else None,
        )
    )
    django = wall_c.get("django", {})
    hit_wall, miss_wall = django.get("3-query HIT"), django.get("3-query MISS")
    parts, verdicts = [], []
    if hit_wall and miss_wall:
        parts.append(f"MISS/HIT {miss_wall / hit_wall:.2f}x by wall time")
        verdicts.append(miss_wall / hit_wall >= AIM_MISS_VS_HIT)
    if ir_c is not None:
        ratio = ir_c["django"]["3-query MISS"] / ir_c["django"]["3-query HIT"]
        parts.append(f"{ratio:.2f}x by Ir")
        verdicts.append(ratio >= AIM_MISS_VS_HIT)
    goals.append(
        Goal(
            "G5",
            f"3-query context through Django: HIT >= {AIM_MISS_VS_HIT:g}x faster than MISS",
            ", ".join(parts) or "not measured",
            all(verdicts) if verdicts else None,
        )
    )
    goals.append(_edge_goal(django, ir_c))
    return goals


def _edge_goal(django_wall: Mapping[str, float], ir_c: Measured | None) -> Goal:
    """The origin edge's HIT against a plain csrf_exempt view answering the same bytes."""
    parts, verdict = [], None
    if ir_c is not None:
        edge, plain = ir_c["django"][EDGE_HIT], ir_c["django"][PLAIN_VIEW]
        parts.append(f"{instructions(edge)} Ir / {instructions(plain)} Ir = {edge / plain:.3f}x")
        verdict = edge / plain <= AIM_EDGE_VS_PLAIN
    edge_wall, plain_wall = django_wall.get(EDGE_HIT), django_wall.get(PLAIN_VIEW)
    if edge_wall and plain_wall:
        parts.append(f"{_us(edge_wall)} us / {_us(plain_wall)} us = {edge_wall / plain_wall:.3f}x by wall time")
    return Goal(
        "edge",
        f"memory HIT through mizan.edge.wrap_wsgi <= {AIM_EDGE_VS_PLAIN:g}x a plain csrf_exempt view (no middleware)",
        "; ".join(parts) or "not measured",
        verdict,
    )
