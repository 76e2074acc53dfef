"""What a benchmark group hands on: its tables, charts and goal verdicts, printed and saved.

Every group (`python -m benchmarks.<module>`) ends by building one `Results` and calling
`emit()`: the tables and verdicts go to stdout, and the whole result, with the machine it
was measured on, goes to `build/bench/<module>.json`. `benchmarks.report` renders those
files into docs/benchmarks.md and its charts, so the published page shows exactly what the
last run printed.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from benchmarks._environment import environment, header
from benchmarks._timing import table

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(os.environ.get("MIZAN_BENCH_RESULTS", ROOT / "build" / "bench"))


@dataclass
class Table:
    """One printed and published table; cells are display strings."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""


@dataclass
class Chart:
    """A PNG chart of `series`: name -> [(x, y), ...].

    `bar`: x are category labels shared by every series (grouped bars); `line`: x are
    numbers (a curve per series). `log` puts the y axis (and a line chart's x axis) on a
    log scale, for curves spanning decades.
    """

    name: str
    title: str
    kind: Literal["bar", "line"]
    ylabel: str
    series: dict[str, list[tuple[Any, float]]]
    xlabel: str = ""
    log: bool = False


@dataclass
class Goal:
    """An aim of issue 8 (G1..G8), measured: `met` is None when this run could not decide."""

    id: str
    aim: str
    measured: str
    met: bool | None

    def verdict(self) -> str:
        word = {True: "met", False: "missed", None: "not measured"}[self.met]
        return f"{self.id} {word}: {self.measured} (aim: {self.aim})"


@dataclass
class Results:
    group: str  # core, json, django, http, ctx, redis, scale, ws or ssr
    module: str  # the file under benchmarks/ that measured it
    title: str
    method: str  # how it was measured, one paragraph
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # columns left out, and why

    def emit(self) -> Path:
        """Print every table and verdict, then save the result; the saved file's path."""
        print(header(f"benchmarks.{self.module}: {self.title}"))
        print(f"\n{self.method}")
        for reason in self.skipped:
            print(f"skipped: {reason}")
        for item in self.tables:
            print(f"\n{item.title}")
            print(table(item.columns, item.rows))
            if item.note:
                print(item.note)
        if self.goals:
            print()
            for goal in self.goals:
                print(goal.verdict())
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        path = RESULTS_DIR / f"{self.module}.json"
        path.write_text(json.dumps({**asdict(self), "environment": environment()}, indent=1) + "\n")
        return path


def load_all(directory: Path = RESULTS_DIR) -> list[dict[str, Any]]:
    """Every saved result under `directory`, in file-name order."""
    return [json.loads(path.read_text()) for path in sorted(directory.glob("*.json"))]


def instructions(value: float) -> str:
    """An instruction count as a table cell: 12,345."""
    return f"{value:,.0f}"


def times(value: float, digits: int = 2) -> str:
    """A ratio as a table cell: 1.23x."""
    return f"{value:.{digits}f}x"
