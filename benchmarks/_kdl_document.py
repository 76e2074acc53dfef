"""An IR-shaped KDL document for the writer benchmarks: function-like nodes with a
docstring, cache properties, parameters whose types nest two levels, an inline union, a JSON
default and a return type; and string-heavy nodes that exercise the escaper.
"""

from __future__ import annotations

from typing import Any

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
