"""Micro-benchmark of the per-request invalidation work, C extension against pure-Python twins.

`python -m benchmarks.invalidation` times what a successful mutation costs after its body
returned (resolve_invalidation, then format_invalidate_header on the result) for a typical
mutation with two `affects=` targets, one `merge=` target and three arguments, plus parsing
the header it produced (what Edge and htmx-style clients run), for `mizan._speedups` and
`mizan.core._py` in the same process. It prints per-step times and the pure/C ratio.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
from types import ModuleType
from typing import Any

from benchmarks._timing import micros, per_call, ratio, table

# update_profile(user_id, name, tags) with affects=[UserContext, user_feed] and
# merge=UserContext: the context has param user_id, the feed function's context has
# user_id and tag.
TARGETS = [("user", None, ("user_id",)), ("feed", "user_feed", ("user_id", "tag"))]
MERGES = [("user", "user_profile", ("user_id",))]
ARGUMENTS: dict[str, Any] = {"user_id": 5, "name": "Ada Lovelace", "tags": ["admin", "beta"]}
SUPPLIED = ("user_id", "name", "tags")
RESULT: dict[str, Any] = {"id": 5, "name": "Ada Lovelace", "tags": ["admin", "beta"]}


def _backends() -> tuple[ModuleType, ModuleType]:
    try:
        c_impl = importlib.import_module("mizan._speedups")
    except ImportError as exc:
        sys.exit(f"benchmarks.invalidation: the C extension is not built ({exc}); run `make build`")
    return c_impl, importlib.import_module("mizan.core._py")


def _steps(impl: ModuleType, default: Any) -> dict[str, Any]:
    plan = impl.compile_invalidation(TARGETS, MERGES)
    invalidate, _ = impl.resolve_invalidation(plan, ARGUMENTS, SUPPLIED, RESULT, default)
    header = impl.format_invalidate_header(invalidate)

    def resolve() -> Any:
        return impl.resolve_invalidation(plan, ARGUMENTS, SUPPLIED, RESULT, default)

    def fmt() -> Any:
        return impl.format_invalidate_header(invalidate)

    def total() -> Any:
        entries, merge = impl.resolve_invalidation(plan, ARGUMENTS, SUPPLIED, RESULT, default)
        return entries, merge, impl.format_invalidate_header(entries)

    def parse() -> Any:
        return impl.parse_invalidate_header(header)

    return {
        "resolve_invalidation": resolve,
        "format_invalidate_header": fmt,
        "resolve + format": total,
        "parse_invalidate_header": parse,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timing repeats; the best is kept (default 5)")
    options = parser.parse_args(argv)

    from pydantic_core import to_jsonable_python

    c_impl, py_impl = _backends()
    c_steps = _steps(c_impl, to_jsonable_python)
    py_steps = _steps(py_impl, to_jsonable_python)
    for name in c_steps:  # both backends must agree before their speed means anything
        if c_steps[name]() != py_steps[name]():
            sys.exit(f"benchmarks.invalidation: C and pure results differ in {name}")

    rows = []
    for name in c_steps:
        c_time = per_call(c_steps[name], options.repeat)
        py_time = per_call(py_steps[name], options.repeat)
        rows.append([name, micros(c_time), micros(py_time), ratio(py_time, c_time)])

    header = c_impl.format_invalidate_header(c_steps["resolve_invalidation"]()[0])
    print(f"mizan invalidation, one typical mutation ({len(TARGETS)} affects targets, {len(MERGES)} merge, ", end="")
    print(f"{len(ARGUMENTS)} arguments; header {header!r})")
    print(f"Python {platform.python_version()}, best of {options.repeat}, microseconds per call\n")
    print(table(["step", "C (us)", "pure (us)", "pure/C"], rows))


if __name__ == "__main__":
    main()
