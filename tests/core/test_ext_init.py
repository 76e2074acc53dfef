"""Initialisation of mizan._speedups: multi-phase init, module state, re-import (markupsafe's test)."""

from __future__ import annotations

import gc
import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from mizan.core import errors
from tests.exports import ALL

pytestmark = pytest.mark.c_extension

ROOT = Path(__file__).resolve().parents[2]

# Py_TPFLAGS_* bits (Include/object.h).
IMMUTABLETYPE = 1 << 8
HEAPTYPE = 1 << 9
HAVE_GC = 1 << 14


def fresh_instance(c_ext: ModuleType) -> ModuleType:
    """A second, independent module object from the same shared library."""
    spec = importlib.util.spec_from_file_location("mizan._speedups", c_ext.__file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(code: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "MIZAN_PURE"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error", "-c", textwrap.dedent(code)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def test_heap_type_flags(c_ext: ModuleType) -> None:
    flags = c_ext.ParamSpec.__flags__
    assert flags & HEAPTYPE and flags & IMMUTABLETYPE and flags & HAVE_GC
    assert c_ext.ParamSpec.__module__ == "mizan._speedups"


def test_redis_cache_type_is_heap_immutable_and_not_gc(c_ext: ModuleType) -> None:
    flags = c_ext.RedisCache.__flags__
    assert flags & HEAPTYPE and flags & IMMUTABLETYPE
    assert not flags & HAVE_GC  # it holds no PyObjects
    assert c_ext.RedisCache.__module__ == "mizan._speedups"


def test_state_holds_the_error_classes(c_ext: ModuleType) -> None:
    # m_traverse reports every state field.
    referents = gc.get_referents(c_ext)
    for cls in (errors.ParseError, errors.EncodeError, errors.ValidationError, errors.CacheError, c_ext.ParamSpec):
        assert any(r is cls for r in referents), cls
    assert "Field required" in referents


def test_raised_classes_are_those_of_mizan_core_errors(c_ext: ModuleType) -> None:
    with pytest.raises(errors.ParseError) as parse:
        c_ext.parse_json(b"{", None, 64)
    assert type(parse.value) is errors.ParseError
    with pytest.raises(errors.EncodeError) as encode:
        c_ext.encode_json(float("nan"), None)
    assert type(encode.value) is errors.EncodeError
    spec = c_ext.compile_params([("a", ("int", lambda v: (False, [((), "bad")]), None), 0, None)])
    with pytest.raises(errors.ValidationError) as validation:
        c_ext.validate_args(spec, {"a": "x"})
    assert type(validation.value) is errors.ValidationError
    assert validation.value.errors == [(("a",), "bad")]


def test_second_instance_has_its_own_state(c_ext: ModuleType) -> None:
    other = fresh_instance(c_ext)
    assert other is not c_ext
    assert other.ParamSpec is not c_ext.ParamSpec
    spec = other.compile_params([("a", ("any", None, None), 0, None)])
    assert other.validate_args(spec, {"a": 1}) == ({"a": 1}, ("a",))
    # A spec belongs to the module that compiled it.
    with pytest.raises(TypeError, match="spec must be a ParamSpec"):
        c_ext.validate_args(spec, {"a": 1})
    # Both raise the one hierarchy.
    with pytest.raises(errors.ParseError):
        other.parse_json(b"[", None, 64)
    assert other.encode_json({"b": 1, "a": 2}, None) == b'{"a":2,"b":1}'
    del other, spec
    gc.collect()
    assert c_ext.encode_json([1], None) == b"[1]"


def test_import_twice_in_fresh_interpreters() -> None:
    for _ in range(2):
        out = run(
            """
            import gc, importlib, sys
            import mizan._speedups as first
            from mizan.core.errors import ParseError
            assert first.parse_call(b'{"fn":"f"}', None, 64) == ("f", {})
            del sys.modules["mizan._speedups"]
            second = importlib.import_module("mizan._speedups")
            assert second is not first and second.ParamSpec is not first.ParamSpec
            try:
                second.parse_json(b"[1,]", None, 64)
            except ParseError as exc:
                assert exc.reason == "malformed JSON"
            del first
            gc.collect()
            print(second.encode_json({"k": [1, 2.5, None]}, None).decode())
            """
        )
        assert out == '{"k":[1,2.5,null]}\n'


def test_import_without_the_rest_of_mizan() -> None:
    # Only mizan.core.errors is needed at exec time (no Django, no Pydantic).
    out = run(
        f"""
        import sys, types
        for name, path in (("mizan", {str(ROOT / "mizan")!r}), ("mizan.core", {str(ROOT / "mizan" / "core")!r})):
            package = types.ModuleType(name)
            package.__path__ = [path]
            sys.modules[name] = package
        import mizan._speedups as c
        assert "pydantic" not in sys.modules and "django" not in sys.modules
        print(sorted(n for n in vars(c) if not n.startswith("_")))
        """
    )
    assert out == repr(list(ALL)) + "\n"


def test_exec_fails_cleanly_without_the_error_module() -> None:
    out = run(
        """
        import sys
        sys.modules["mizan.core.errors"] = None
        try:
            import mizan._speedups
        except ImportError as exc:
            print("ImportError", "mizan.core.errors" in str(exc))
        """
    )
    assert out == "ImportError True\n"


def test_subinterpreter_import() -> None:
    # The private module was `_xxsubinterpreters` up to 3.12 and is `_interpreters` since 3.13.
    name = "_interpreters" if importlib.util.find_spec("_interpreters") else "_xxsubinterpreters"
    pytest.importorskip(name)
    inner = textwrap.dedent(
        f"""
        import sys, types
        for name, path in (("mizan", {str(ROOT / "mizan")!r}), ("mizan.core", {str(ROOT / "mizan" / "core")!r})):
            package = types.ModuleType(name)
            package.__path__ = [path]
            sys.modules[name] = package
        import mizan._speedups as c
        assert c.encode_json({{"b": [1], "a": "x"}}, None) == b'{{"a":"x","b":[1]}}'
        assert c.parse_json(b"[1]", None, 64) == [1]
        """
    )
    out = run(
        f"""
        import {name} as interpreters
        for _ in range(2):
            interp = interpreters.create()
            failure = interpreters.run_string(interp, {inner!r})  # 3.13 returns the failure
            assert failure is None, failure
            interpreters.destroy(interp)
        print("ok")
        """
    )
    assert out == "ok\n"
