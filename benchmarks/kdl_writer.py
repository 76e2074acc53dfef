"""Micro-benchmark of the KDL writer: C `write_kdl` against its pure-Python twin.

`python -m benchmarks.kdl_writer` builds an IR-shaped document of 1,000 function-like nodes
(each with a docstring, cache properties, four parameters whose types nest two levels, an
inline union, a JSON default and a return type), then times writing it whole, writing one
function alone, and writing a document of string-heavy nodes that exercise the escaper.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
from types import ModuleType
from typing import Any

from benchmarks._timing import micros, per_call, ratio, table

Node = tuple[str, Any, Any, Any, bool]


def node(name: str, args: Any = (), props: Any = (), children: Any = None, inline: bool = False) -> Node:
    return (name, args, props, children, inline)


def function(i: int) -> Node:
    params = [
        node("param", [f"user_id_{i}"], [("required", True)], [node("int")], True),
        node("param", ["name"], [("default", "anonymous")], [node("string")], True),
        node(
            "param",
            ["tags"],
            [("default", ("json", "[]"))],
            [node("list", [], [], [node("union", [], [], [node("string"), node("int"), node("null")], True)])],
        ),
        node("param", ["ratio"], [("default", 0.25), ("min", -1.5e-05)], [node("float")], True),
    ]
    returns = node(
        "returns",
        [],
        [],
        [node("object", ["User"], [], [node("field", [f], [("nullable", f == "email")]) for f in ("id", "email")])],
    )
    return node(
        "function",
        [f"app.clients.get_user_{i}"],
        [("context", "user"), ("ttl", 60 + i), ("cache", i % 2 == 0)],
        [node("doc", [f'Fetch user {i}.\nReturns the "public" profile — cached per user.\u2028']), *params, returns],
    )


DOCUMENT = [[node("ir", [1], [("generator", "mizan")])], [function(i) for i in range(1000)], []]
ONE = [[function(7)]]
STRINGS = [[node("s", [("x" * 40 + '"\\\n\t\x85\u2028é\U0001f600') * 8]) for _ in range(200)]]


def _backends() -> tuple[ModuleType, ModuleType]:
    try:
        c_impl = importlib.import_module("mizan._speedups")
    except ImportError as exc:
        sys.exit(f"benchmarks.kdl_writer: the C extension is not built ({exc}); run `make build`")
    return c_impl, importlib.import_module("mizan.core._py")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timing repeats; the best is kept (default 5)")
    options = parser.parse_args(argv)
    c_impl, py_impl = _backends()

    cases = {
        "1,000 functions": DOCUMENT,
        "1 function": ONE,
        "200 escaped strings": STRINGS,
    }
    rows = []
    for name, document in cases.items():
        out = c_impl.write_kdl(document)
        if out != py_impl.write_kdl(document):
            sys.exit(f"benchmarks.kdl_writer: C and pure results differ in {name}")
        c_t = per_call(lambda d=document: c_impl.write_kdl(d), options.repeat)
        py_t = per_call(lambda d=document: py_impl.write_kdl(d), options.repeat)
        rows.append([name, f"{len(out):,}", micros(c_t), micros(py_t), ratio(py_t, c_t)])

    print(f"Python {platform.python_version()} on {platform.machine()}, best of {options.repeat}")
    print(table(["write_kdl", "bytes", "C (us)", "twin (us)", "twin/C"], rows))


if __name__ == "__main__":
    main()
