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

from tests.exports import ALL

ROOT = Path(__file__).resolve().parents[2]
STUB = ROOT / "mizan" / "_speedups.pyi"
INVALIDATE_NAMES = (
    "compile_invalidation",
    "format_invalidate_header",
    "normalize_value",
    "parse_invalidate_header",
    "resolve_invalidation",
)
CACHEKEY_NAMES = ("cache_key_message", "derive_cache_key", "generation_key")
NAMES = (
    "compile_params",
    "encode_json",
    "parse_call",
    "parse_json",
    "validate_args",
    *INVALIDATE_NAMES,
    *CACHEKEY_NAMES,
)


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
    expected = set(ALL)
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
        "print('MemoryCache', b.MemoryCache.__module__)\n"
        "print('RedisCache', b.RedisCache.__module__)\n"
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
    for name in CACHEKEY_NAMES:
        assert modules[name] == ["mizan.core._py.cachekey", "function"]
    assert modules["MemoryCache"] == ["mizan.core._py.table"]
    assert modules["RedisCache"] == ["mizan.core._py.redis"]


@pytest.mark.c_extension
def test_backend_choice_c(c_ext: ModuleType) -> None:
    lines = run_backend_probe(pure=False).splitlines()
    assert lines[0] == "c False mizan._speedups"
    modules = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    for name in NAMES:
        assert modules[name] == ["mizan._speedups", "builtin_function_or_method"]
    assert modules["ParamSpec"] == ["mizan._speedups"]
    assert modules["InvalidationPlan"] == ["mizan._speedups"]
    assert modules["MemoryCache"] == ["mizan._speedups"]
    assert modules["RedisCache"] == ["mizan._speedups"]


def stub_class(name: str) -> ast.ClassDef:
    return next(n for n in stub_tree().body if isinstance(n, ast.ClassDef) and n.name == name)


def test_memory_cache_interface(c_ext: ModuleType, py_impl: ModuleType) -> None:
    node = stub_class("MemoryCache")
    methods = {n.name: n for n in node.body if isinstance(n, ast.FunctionDef)}
    public_methods = {name for name in methods if not name.startswith("_")} - {"default_ttl"}
    assert public_methods == {"get", "get_many", "set", "delete", "delete_by_prefix", "clear", "incr"}
    for module in (c_ext, py_impl):
        cache = module.MemoryCache()
        assert {name for name in dir(cache) if not name.startswith("_")} == public_methods | {"default_ttl"}
    for name in public_methods:
        c_sig = inspect.signature(getattr(c_ext.MemoryCache, name))
        py_sig = inspect.signature(getattr(py_impl.MemoryCache, name))
        assert shape(c_sig)[1:] == shape(py_sig)[1:], name  # self is positional-only in C
        stub_args = methods[name].args
        stub_params = [a.arg for a in stub_args.posonlyargs + stub_args.args + stub_args.kwonlyargs]
        assert stub_params == list(py_sig.parameters), name
    assert shape(inspect.signature(c_ext.MemoryCache)) == shape(inspect.signature(py_impl.MemoryCache))
    with pytest.raises(TypeError):
        c_ext.MemoryCache.x = 1  # immutable type


def test_redis_cache_interface(c_ext: ModuleType, py_impl: ModuleType) -> None:
    node = stub_class("RedisCache")
    methods = {n.name: n for n in node.body if isinstance(n, ast.FunctionDef)}
    properties = {"url", "prefix", "default_ttl", "socket_timeout", "pool_size", "failure_cooldown"}
    public_methods = {name for name in methods if not name.startswith("_")} - properties
    assert public_methods == {"get", "get_many", "set", "delete", "delete_by_prefix", "clear", "incr", "close"}
    assert properties <= set(methods)
    for module in (c_ext, py_impl):
        cache = module.RedisCache("redis://127.0.0.1:1")  # connects lazily: never here
        assert {name for name in dir(cache) if not name.startswith("_")} == public_methods | properties
    for name in public_methods:
        c_sig = inspect.signature(getattr(c_ext.RedisCache, name))
        py_sig = inspect.signature(getattr(py_impl.RedisCache, name))
        assert shape(c_sig)[1:] == shape(py_sig)[1:], name  # self is positional-only in C
        stub_args = methods[name].args
        stub_params = [a.arg for a in stub_args.posonlyargs + stub_args.args + stub_args.kwonlyargs]
        assert stub_params == list(py_sig.parameters), name
    assert shape(inspect.signature(c_ext.RedisCache)) == shape(inspect.signature(py_impl.RedisCache))
    stub_init = methods["__init__"].args
    assert [a.arg for a in stub_init.args][1:] == list(inspect.signature(py_impl.RedisCache).parameters)
    with pytest.raises(TypeError):
        c_ext.RedisCache.x = 1  # immutable type
