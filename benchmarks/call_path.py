"""Micro-benchmark of the per-call hot path, C extension against pure-Python twins.

`python -m benchmarks.call_path` times the three steps the executor runs for every
`/call/` (parse_call, validate_args, encode_json) on one typical call, for
`mizan._speedups` and `mizan.core._py` in the same process, and prints per-step times
and the pure/C ratio.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
from types import ModuleType
from typing import Any, Literal

from benchmarks._timing import micros, per_call, ratio, table

# A typical call: five arguments of the common kinds (int, str, list[str], bool, Literal),
# one optional left to its default.
BODY = (
    b'{"fn":"update_profile","args":{"user_id":5,"name":"Ada Lovelace",'
    b'"tags":["admin","beta"],"notify":true,"tier":"pro"}}'
)
MAX_BODY = 2_621_440  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE default
MAX_DEPTH = 64

# A typical result: a small object with a nested list, as a model dump would give.
PAYLOAD: dict[str, Any] = {
    "result": {
        "id": 5,
        "name": "Ada Lovelace",
        "nickname": None,
        "notify": True,
        "tags": ["admin", "beta"],
        "tier": "pro",
        "orders": [{"id": i, "status": "shipped", "total": 12.5 + i} for i in range(5)],
    }
}


def update_profile(
    request: Any,
    user_id: int,
    name: str,
    tags: list[str],
    notify: bool = False,
    tier: Literal["free", "pro"] = "free",
    nickname: str | None = None,
) -> dict[str, Any]:
    """The signature under test (never called)."""
    raise NotImplementedError


def _backends() -> tuple[ModuleType, ModuleType]:
    try:
        c_impl = importlib.import_module("mizan._speedups")
    except ImportError as exc:
        sys.exit(f"benchmarks.call_path: the C extension is not built ({exc}); run `make build`")
    return c_impl, importlib.import_module("mizan.core._py")


def _spec_entries() -> list[tuple[str, tuple[Any, ...], int, Any]]:
    # The same entries @client compiles at registration (nodes with Pydantic fallbacks).
    from mizan.core.signature import inspect_function, spec_entry

    return [spec_entry(p) for p in inspect_function(update_profile).params]


def _steps(impl: ModuleType, default: Any) -> dict[str, Any]:
    spec = impl.compile_params(_spec_entries())
    _, args = impl.parse_call(BODY, MAX_BODY, MAX_DEPTH)

    def parse() -> Any:
        return impl.parse_call(BODY, MAX_BODY, MAX_DEPTH)

    def validate() -> Any:
        return impl.validate_args(spec, args)

    def encode() -> Any:
        return impl.encode_json(PAYLOAD, default)

    def total() -> Any:
        _, parsed = impl.parse_call(BODY, MAX_BODY, MAX_DEPTH)
        impl.validate_args(spec, parsed)
        return impl.encode_json(PAYLOAD, default)

    return {"parse_call": parse, "validate_args": validate, "encode_json": encode, "total": total}


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
            sys.exit(f"benchmarks.call_path: C and pure results differ in {name}")

    rows = []
    for name in c_steps:
        c_time = per_call(c_steps[name], options.repeat)
        py_time = per_call(py_steps[name], options.repeat)
        rows.append([name, micros(c_time), micros(py_time), ratio(py_time, c_time)])

    print(f"mizan call path, one typical call ({len(BODY)}-byte body, 6 parameters)")
    print(f"Python {platform.python_version()}, best of {options.repeat}, microseconds per call\n")
    print(table(["step", "C (us)", "pure (us)", "pure/C"], rows))


if __name__ == "__main__":
    main()
