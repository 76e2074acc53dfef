"""IR emission for a large registry: the Python model walk, then the C KDL writer or its twin.

`python -m benchmarks.ir_build` registers N functions (default 1,000) spread over 50 contexts,
half of them mutations with an `affects=` edge and a model return, and times `build_ir()`
with each writer, plus the walk alone. Both writers must give the same bytes.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
from typing import Any

from pydantic import BaseModel

from benchmarks._timing import per_call, ratio, table
from mizan.core import ir, registry
from mizan.core.client import client


class Row(BaseModel):
    id: int
    name: str
    tags: list[str] = []
    score: float | None = None


def _register(count: int) -> None:
    """`count` functions: even ones are context reads, odd ones mutations of the same context."""
    registry.clear_registry()
    for i in range(count):
        context = f"ctx_{(i // 2) % 50}"
        if i % 2 == 0:

            def read(request: Any, user_id: int, page: int = 1) -> list[Row]:
                return []

            registry.register(client(context=context)(read), f"read_{i:05d}")
        else:

            def write(request: Any, user_id: int, name: str) -> Row | None:
                return None

            registry.register(client(affects=context)(write), f"write_{i:05d}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=1000, help="registered functions (default 1000)")
    parser.add_argument("--repeat", type=int, default=5, help="timing repeats; the best is kept (default 5)")
    options = parser.parse_args(argv)
    try:
        c_impl = importlib.import_module("mizan._speedups")
    except ImportError as exc:
        sys.exit(f"benchmarks.ir_build: the C extension is not built ({exc}); run `make build`")
    py_impl = importlib.import_module("mizan.core._py")

    _register(options.functions)
    document = ir.build_ir(c_impl.write_kdl)
    if document != ir.build_ir(py_impl.write_kdl):
        sys.exit("benchmarks.ir_build: the C and pure writers give different documents")
    tree = ir.build_tree()
    walk = per_call(ir.build_tree, options.repeat)
    c_write = per_call(lambda: c_impl.write_kdl(tree), options.repeat)
    py_write = per_call(lambda: py_impl.write_kdl(tree), options.repeat)
    c_total = per_call(lambda: ir.build_ir(c_impl.write_kdl), options.repeat)
    py_total = per_call(lambda: ir.build_ir(py_impl.write_kdl), options.repeat)

    def ms(seconds: float) -> str:
        return f"{seconds * 1e3:.2f}"

    print(f"Python {platform.python_version()} on {platform.machine()}, best of {options.repeat}")
    print(f"{options.functions:,} functions, 50 contexts, {len(document.encode()):,} bytes of IR")
    print(
        table(
            ["step", "C (ms)", "pure (ms)", "pure/C"],
            [
                ["KDL writer alone", ms(c_write), ms(py_write), ratio(py_write, c_write)],
                ["build_ir() whole", ms(c_total), ms(py_total), ratio(py_total, c_total)],
                ["model walk (Python, shared)", ms(walk), ms(walk), "1.00x"],
            ],
        )
    )
    registry.clear_registry()


if __name__ == "__main__":
    main()
