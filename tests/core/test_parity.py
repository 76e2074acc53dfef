"""The C extension, its pure-Python twins and the stub declare the same interface (STYLE B6)."""

from __future__ import annotations

import ast
import inspect
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
STUB = ROOT / "mizan" / "_speedups.pyi"
INVALIDATE_NAMES = (
    "compile_invalidation",
    "format_invalidate_header",
    "normalize_value",
    "parse_invalidate_header",
    "resolve_invalidation",
)
NAMES = ("compile_params", "encode_json", "parse_call", "parse_json", "validate_args", *INVALIDATE_NAMES)


def stub_tree() -> ast.Module:
    return ast.parse(STUB.read_text(encoding="utf-8"))


def stub_functions() -> dict[str, ast.FunctionDef]:
    return {node.name: node for node in stub_tree().body if isinstance(node, ast.FunctionDef)}


def stub_names() -> set[str]:
    names = set(stub_functions())
    names |= {node.name for node in stub_tree().body if isinstance(node, ast.ClassDef)}
    return names


def public(module: ModuleType) -> set[str]:
    return {name for name in vars(module) if not name.startswith("_")}


def shape(signature: inspect.Signature) -> list[tuple[str, Any, Any]]:
    """Parameter names, kinds and defaults: the signature modulo annotations."""
    return [(p.name, p.kind, p.default) for p in signature.parameters.values()]


def stub_shape(node: ast.FunctionDef) -> list[tuple[str, Any, Any]]:
    args = node.args
    empty = inspect.Parameter.empty
    assert not args.defaults and not args.kw_defaults and args.vararg is None and args.kwarg is None
    return [(a.arg, inspect.Parameter.POSITIONAL_ONLY, empty) for a in args.posonlyargs] + [
        (a.arg, inspect.Parameter.POSITIONAL_OR_KEYWORD, empty) for a in args.args
    ]


def test_same_names_everywhere(c_ext: ModuleType, py_impl: ModuleType) -> None:
    expected = {
        "InvalidationPlan",
        "ParamSpec",
        "compile_invalidation",
        "compile_params",
        "encode_json",
        "format_invalidate_header",
        "normalize_value",
        "parse_call",
        "parse_invalidate_header",
        "parse_json",
        "resolve_invalidation",
        "validate_args",
    }
    assert public(c_ext) == expected
    assert set(py_impl.__all__) == expected
    assert stub_names() == expected
    for name in expected:
        assert getattr(py_impl, name) is not None


def test_signatures_match_the_twins(c_ext: ModuleType, py_impl: ModuleType) -> None:
    functions = stub_functions()
    assert functions
    for name, node in functions.items():
        c_sig = inspect.signature(getattr(c_ext, name))
        py_sig = inspect.signature(getattr(py_impl, name))
        assert shape(c_sig) == shape(py_sig), name
        assert stub_shape(node) == shape(py_sig), name
        assert all(p.kind is inspect.Parameter.POSITIONAL_ONLY for p in c_sig.parameters.values()), name


def test_stub_annotations_match_the_twins(py_impl: ModuleType) -> None:
    for name, node in stub_functions().items():
        twin = inspect.signature(getattr(py_impl, name))
        stub_annotations = [ast.unparse(a.annotation) if a.annotation else None for a in node.args.posonlyargs]
        twin_annotations = [p.annotation for p in twin.parameters.values()]
        assert stub_annotations == twin_annotations, name
        assert node.returns is not None and ast.unparse(node.returns) == twin.return_annotation, name


def test_paramspec_attributes(c_ext: ModuleType, py_impl: ModuleType) -> None:
    stub_class = next(n for n in stub_tree().body if isinstance(n, ast.ClassDef) and n.name == "ParamSpec")
    declared = {n.target.id for n in stub_class.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
    assert declared == {"names"}
    for module in (c_ext, py_impl):
        spec = module.compile_params([("a", ("any", None, None), 0, None)])
        assert {name for name in dir(spec) if not name.startswith("_")} == declared


def test_invalidation_plan_has_no_public_attributes(c_ext: ModuleType, py_impl: ModuleType) -> None:
    stub_class = next(n for n in stub_tree().body if isinstance(n, ast.ClassDef) and n.name == "InvalidationPlan")
    assert not [n for n in stub_class.body if isinstance(n, ast.AnnAssign)]
    for module in (c_ext, py_impl):
        plan = module.compile_invalidation([("user", None, ("user_id",))], [])
        assert {name for name in dir(plan) if not name.startswith("_")} == set()
        assert repr(plan) == "<InvalidationPlan 1 targets, 0 merges>"


def test_c_invalidation_plan_is_not_instantiable(c_ext: ModuleType) -> None:
    with pytest.raises(TypeError):
        c_ext.InvalidationPlan()
    with pytest.raises(TypeError):
        c_ext.InvalidationPlan.x = 1  # immutable type


def test_docstrings_carry_text_signatures(c_ext: ModuleType, py_impl: ModuleType) -> None:
    for name in stub_functions():
        function = getattr(c_ext, name)
        params = ", ".join(inspect.signature(getattr(py_impl, name)).parameters)
        assert function.__text_signature__ == f"($module, {params}, /)", name
        assert function.__doc__ and function.__doc__.strip(), name


def run_backend_probe(pure: bool) -> str:
    env = {k: v for k, v in os.environ.items() if k != "MIZAN_PURE"}
    if pure:
        env["MIZAN_PURE"] = "1"
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    probe = (
        "from mizan.core import _backend as b\n"
        "print(b.BACKEND, b.PURE, b.impl.__name__)\n"
        f"for name in {NAMES!r}:\n"
        "    f = getattr(b, name)\n"
        "    print(name, f.__module__, type(f).__name__)\n"
        "print('ParamSpec', b.ParamSpec.__module__)\n"
        "print('InvalidationPlan', b.InvalidationPlan.__module__)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout


def test_backend_choice_pure(py_impl: ModuleType) -> None:
    lines = run_backend_probe(pure=True).splitlines()
    assert lines[0] == "py True mizan.core._py"
    modules = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    for name in ("encode_json", "parse_call", "parse_json"):
        assert modules[name] == ["mizan.core._py.json", "function"]
    for name in ("compile_params", "validate_args"):
        assert modules[name] == ["mizan.core._py.validate", "function"]
    for name in INVALIDATE_NAMES:
        assert modules[name] == ["mizan.core._py.invalidate", "function"]
    assert modules["ParamSpec"] == ["mizan.core._py.validate"]
    assert modules["InvalidationPlan"] == ["mizan.core._py.invalidate"]


@pytest.mark.c_extension
def test_backend_choice_c(c_ext: ModuleType) -> None:
    lines = run_backend_probe(pure=False).splitlines()
    assert lines[0] == "c False mizan._speedups"
    modules = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    for name in NAMES:
        assert modules[name] == ["mizan._speedups", "builtin_function_or_method"]
    assert modules["ParamSpec"] == ["mizan._speedups"]
    assert modules["InvalidationPlan"] == ["mizan._speedups"]
