"""Source lints of src/ (msgspec's test_cpylint idea): the C rules of STYLE B2/B4 that a
compiler does not check."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.exports import FUNCTIONS

SRC = Path(__file__).resolve().parents[1] / "src"
SOURCES = sorted(SRC.glob("*.c"))
HEADERS = sorted(SRC.glob("*.h"))
ALL_FILES = SOURCES + HEADERS

_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.DOTALL)
_LITERAL = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')


def strip(text: str) -> str:
    """Source without comments and with string/char literals emptied (lines kept)."""
    text = _COMMENT.sub(lambda m: "\n" * m.group().count("\n"), text)
    return _LITERAL.sub('""', text)


@dataclass
class Function:
    name: str
    static: bool
    body: str
    signature: str
    start: int  # offset of the signature in the stripped source


def functions(path: Path) -> list[Function]:
    """Top-level function definitions: a `{` at depth 0 right after a `)`."""
    text = strip(path.read_text(encoding="utf-8"))
    found = []
    depth = 0
    index = 0
    statement_start = 0
    while index < len(text):
        char = text[index]
        if char == "{":
            if depth == 0:
                head = text[statement_start:index]
                if head.rstrip().endswith(")") and "=" not in head.split("(")[0]:
                    end = _matching(text, index)
                    match = re.search(r"(\w+)\s*\(", head)
                    assert match, head
                    found.append(
                        Function(
                            name=match.group(1),
                            static=re.search(r"\bstatic\b", head.split("(")[0]) is not None,
                            body=text[index : end + 1],
                            signature=head.strip(),
                            start=statement_start,
                        )
                    )
                    index = end + 1
                    statement_start = index
                    continue
            depth += 1
        elif char == "}":
            depth -= 1
        elif char in ";" and depth == 0:
            statement_start = index + 1
        elif char == "#" and depth == 0:
            # Preprocessor lines end a statement too.
            newline = text.find("\n", index)
            index = len(text) if newline < 0 else newline
            statement_start = index + 1
        index += 1
    return found


def _matching(text: str, open_index: int) -> int:
    depth = 0
    for index in range(open_index, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
    raise AssertionError("unbalanced braces")


def includes(path: Path) -> list[str]:
    return re.findall(r'^\s*#\s*include\s+[<"]([^>"]+)[>"]', path.read_text(encoding="utf-8"), re.MULTILINE)


def test_sources_exist() -> None:
    names = {p.name for p in ALL_FILES}
    for required in (
        "mz_base.h",
        "mz_buf.c",
        "mz_json.c",
        "mz_validate.c",
        "mz_invalidate.c",
        "mzpy.h",
        "mzpy_module.c",
        "mzpy_invalidate.c",
        "mzpy_xmi.c",
        "mz_redis.c",
        "mz_pool.c",
        "mzpy_redis.c",
    ):
        assert required in names
    assert all(functions(p) for p in SOURCES)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_recursive_calls_are_paired(path: Path) -> None:
    for function in functions(path):
        enter = len(re.findall(r"\bPy_EnterRecursiveCall\s*\(", function.body))
        leave = len(re.findall(r"\bPy_LeaveRecursiveCall\s*\(", function.body))
        assert enter == leave, f"{path.name}:{function.name}: {enter} enter vs {leave} leave"


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_no_module_lookup_or_static_types(path: Path) -> None:
    text = strip(path.read_text(encoding="utf-8"))
    assert "PyState_FindModule" not in text
    assert "PyState_AddModule" not in text
    assert not re.search(r"\bPyTypeObject\s+\w+\s*=", text), "static type object"
    assert "PyVarObject_HEAD_INIT" not in text
    assert "PyType_FromSpec(" not in text, "use PyType_FromModuleAndSpec"


def _state_fields() -> list[str]:
    text = strip((SRC / "mzpy.h").read_text(encoding="utf-8"))
    body = re.search(r"typedef\s+struct\s+mz_state\s*\{(.*?)\}\s*mz_state\s*;", text, re.DOTALL)
    assert body, "mz_state not found in mzpy.h"
    return re.findall(r"(\w+)\s*;", body.group(1))


def test_state_traverse_and_clear_list_every_field_in_order() -> None:
    fields = _state_fields()
    assert fields
    bodies = {f.name: f.body for f in functions(SRC / "mzpy_module.c")}
    traverse = re.findall(r"Py_VISIT\(\s*state->(\w+)\s*\)", bodies["module_traverse"])
    clear = re.findall(r"Py_CLEAR\(\s*state->(\w+)\s*\)", bodies["module_clear"])
    assert traverse == fields
    assert clear == fields
    module = (SRC / "mzpy_module.c").read_text(encoding="utf-8")
    assert re.search(r"\.m_traverse\s*=\s*module_traverse", module)
    assert re.search(r"\.m_clear\s*=\s*module_clear", module)
    assert re.search(r"\.m_size\s*=\s*sizeof\(mz_state\)", module)


def test_gc_types_traverse_their_type() -> None:
    for path in SOURCES:
        for function in functions(path):
            if function.name.endswith("_traverse") and function.name != "module_traverse":
                assert "Py_VISIT(Py_TYPE(self))" in function.body.replace(" ", ""), function.name
            if function.name.endswith("_dealloc"):
                body = function.body
                assert "Py_DECREF(tp)" in body, function.name
                assert body.index("tp_free") < body.index("Py_DECREF(tp)"), function.name
                if _is_gc_file(path):
                    assert "PyObject_GC_UnTrack" in body, function.name
                    assert body.index("PyObject_GC_UnTrack") < body.index("tp_free"), function.name
                else:  # untracking an object that was never tracked is an error
                    assert "PyObject_GC_UnTrack" not in body, function.name


def _is_gc_file(path: Path) -> bool:
    """The type spec of `path` declares Py_TPFLAGS_HAVE_GC (then it must have a traverse slot)."""
    text = path.read_text(encoding="utf-8")
    specs = re.findall(r"PyType_Spec\s+\w+\s*=\s*\{(.*?)\};", text, re.DOTALL)
    gc = any("Py_TPFLAGS_HAVE_GC" in spec for spec in specs)
    assert gc == ("Py_tp_traverse" in text), path.name
    return gc


@pytest.mark.parametrize("path", [p for p in ALL_FILES if p.name.startswith("mz_")], ids=lambda p: p.name)
def test_core_files_are_python_free(path: Path) -> None:
    for name in includes(path):
        assert name != "Python.h" and not name.startswith("mzpy"), f"{path.name} includes {name}"
    text = strip(path.read_text(encoding="utf-8"))
    assert not re.search(r"\bPy[A-Z_]\w*", text), f"{path.name} uses the CPython API"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_include_order(path: Path) -> None:
    names = includes(path)
    base = "mz_base.h" if path.name.startswith("mz_") else "mzpy.h"
    assert names[0] == base, f"{path.name}: first include must be {base}"
    own = path.with_suffix(".h").name
    if (SRC / own).exists():
        assert names[1] == own, f"{path.name}: its own header must come right after {base}"
    if base == "mzpy.h":
        header = (SRC / "mzpy.h").read_text(encoding="utf-8")
        assert header.index("#define PY_SSIZE_T_CLEAN") < header.index("#include <Python.h>")
        assert includes(SRC / "mzpy.h")[0] == "Python.h"


@pytest.mark.parametrize("path", HEADERS, ids=lambda p: p.name)
def test_header_guards(path: Path) -> None:
    guard = "MIZAN_" + path.stem.upper() + "_H"
    text = path.read_text(encoding="utf-8")
    assert f"#ifndef {guard}\n#define {guard}\n" in text
    assert text.rstrip().endswith(f"#endif /* {guard} */")


@pytest.mark.parametrize("path", HEADERS, ids=lambda p: p.name)
def test_headers_define_only_static_inline_functions(path: Path) -> None:
    for function in functions(path):
        assert re.match(r"(static\s+inline|MZ_INLINE)\b", function.signature), f"{path.name}:{function.name}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_naming(path: Path) -> None:
    prefix = "mz_" if path.name.startswith("mz_") else "mzpy_"
    for function in functions(path):
        if not function.static and function.name != "PyInit__speedups":
            assert function.name.startswith(prefix), f"{path.name}: {function.name} should start with {prefix}"
    for macro in re.findall(r"^\s*#\s*define\s+(\w+)", path.read_text(encoding="utf-8"), re.MULTILINE):
        assert macro.startswith(("MZ_", "MIZAN_")) or macro in FEATURE_MACROS, f"{path.name}: macro {macro}"


# Macros of other namespaces a file may define: CPython's, and the POSIX feature-test macro
# (clock_gettime under -std=c11), which must come before every #include to mean anything.
FEATURE_MACROS = ("PY_SSIZE_T_CLEAN", "_POSIX_C_SOURCE")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_feature_macros_precede_includes(path: Path) -> None:
    text = strip(path.read_text(encoding="utf-8"))
    first_include = text.find("#include")
    for macro in FEATURE_MACROS:
        at = text.find(f"#define {macro}")
        assert at < first_include, f"{path.name}: {macro} defined after an #include"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_one_cleanup_label(path: Path) -> None:
    for function in functions(path):
        labels = re.findall(r"^\s*(\w+):\s*$", function.body, re.MULTILINE)
        labels = [label for label in labels if label != "default"]
        assert len(labels) <= 1, f"{path.name}:{function.name}: labels {labels}"
        assert set(labels) <= {"error", "done"}, f"{path.name}:{function.name}: label {labels}"
        if labels:
            # The label is the function's tail: nothing but cleanup and returns follow it.
            tail = function.body[function.body.index(labels[0] + ":") :]
            assert "goto" not in tail, f"{path.name}:{function.name}: goto after the cleanup label"


def _documented(path: Path, name: str) -> bool:
    """A comment block sits right before the declaration or the definition of `name`."""
    pattern = re.compile(r"\*/\s*\n(?:[\w \t\*]+\n)?\s*" + re.escape(name) + r"\s*\(")
    candidates = [path, path.with_suffix(".h")]
    return any(p.exists() and pattern.search(p.read_text(encoding="utf-8")) for p in candidates)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_non_static_functions_are_documented(path: Path) -> None:
    for function in functions(path):
        if not function.static:
            assert _documented(path, function.name), f"{path.name}: {function.name} has no comment block"


@pytest.mark.parametrize("path", [p for p in SOURCES if p.name.startswith("mzpy_")], ids=lambda p: p.name)
def test_reference_comments_in_binding_headers(path: Path) -> None:
    header = path.with_suffix(".h")
    if not header.exists():
        return
    text = header.read_text(encoding="utf-8")
    for match in re.finditer(r"/\*((?:(?!\*/).)*)\*/\s*\n(PyObject\s*\*)\s*\n(\w+)\(", text, re.DOTALL):
        comment, _, name = match.groups()
        assert re.search(r"\b(NEW|BORROWED|STOLEN)\b", comment), f"{header.name}: {name} lacks reference comments"


def test_type_specs_are_heap_and_immutable() -> None:
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for spec in re.finditer(r"PyType_Spec\s+\w+\s*=\s*\{(.*?)\};", text, re.DOTALL):
            assert "Py_TPFLAGS_IMMUTABLETYPE" in spec.group(1), path.name
    module = (SRC / "mzpy_module.c").read_text(encoding="utf-8")
    assert "PyType_FromModuleAndSpec" in module
    assert "PyModuleDef_Init" in module and "Py_mod_exec" in module
    assert "Py_MOD_GIL_NOT_USED" not in strip(module)
    assert re.search(
        r"#if PY_VERSION_HEX >= 0x030C0000\s*\n(?:\s*/\*.*?\*/\s*\n)?\s*\{Py_mod_multiple_interpreters",
        module,
        re.DOTALL,
    )


def test_memory_cache_methods() -> None:
    text = re.sub(r'"\s*\n\s*"', "", (SRC / "mzpy_table.c").read_text(encoding="utf-8"))
    table = re.search(r"PyMethodDef\s+cache_methods\[\]\s*=\s*\{(.*?)\n\};", text, re.DOTALL)
    assert table
    entries = re.findall(r'\{"(\w+)",\s*\(PyCFunction\)[^,]*,\s*([\w |]+),\s*(\w+)\}', table.group(1))
    assert [e[0] for e in entries] == ["get", "get_many", "set", "delete", "delete_by_prefix", "clear", "incr"]
    for name, flags, doc in entries:
        assert flags in ("METH_O", "METH_NOARGS", "METH_FASTCALL", "METH_FASTCALL | METH_KEYWORDS"), name
        assert re.search(rf'PyDoc_STRVAR\(\s*{doc},\s*"{name}\(\$self[^"]*\)\\n--\\n\\n', text), name


def test_fastcall_wrappers() -> None:
    text = (SRC / "mzpy_api.c").read_text(encoding="utf-8")
    table = re.search(r"PyMethodDef\s+mzpy_api_methods\[\]\s*=\s*\{(.*?)\n\};", text, re.DOTALL)
    assert table
    entries = re.findall(r'\{"(\w+)",\s*\(PyCFunction\)[^,]*,\s*(\w+),\s*(\w+)\}', table.group(1))
    assert tuple(e[0] for e in entries) == FUNCTIONS
    # Adjacent string literals are one string in C (clang-format splits long ones).
    joined = re.sub(r'"\s*\n\s*"', "", text)
    for name, flags, doc in entries:
        assert flags == "METH_FASTCALL", name
        assert re.search(rf'PyDoc_STRVAR\(\s*{doc},\s*"{name}\(\$module, [^"]*/\)\\n--\\n\\n', joined), name


def test_redis_cache_methods() -> None:
    text = re.sub(r'"\s*\n\s*"', "", (SRC / "mzpy_redis.c").read_text(encoding="utf-8"))
    table = re.search(r"PyMethodDef\s+redis_methods\[\]\s*=\s*\{(.*?)\n\};", text, re.DOTALL)
    assert table
    entries = re.findall(r'\{"(\w+)",\s*\(PyCFunction\)[^,]*,\s*([\w |]+),\s*(\w+)\}', table.group(1))
    assert [e[0] for e in entries] == ["get", "get_many", "set", "delete", "delete_by_prefix", "clear", "incr", "close"]
    for name, flags, doc in entries:
        assert flags in ("METH_O", "METH_NOARGS", "METH_FASTCALL", "METH_FASTCALL | METH_KEYWORDS"), name
        assert re.search(rf'PyDoc_STRVAR\(\s*{doc},\s*"{name}\(\$self[^"]*\)\\n--\\n\\n', text), name


def test_redis_io_runs_without_the_gil_on_a_pooled_connection() -> None:
    """Every mz_redis I/O call sits between Py_BEGIN_ALLOW_THREADS, the pool's acquire, the
    pool's release and Py_END_ALLOW_THREADS, with nothing Python in between; the pool (its
    mutex, its waits) is only entered with the GIL released (STYLE B4)."""
    io_calls = re.compile(r"\bmz_redis_(get|get_many|set|delete|delete_prefix|incr|close)\s*\(")
    pool_calls = re.compile(r"\bmz_pool_(acquire|release|close)\s*\(")
    seen = 0
    for function in functions(SRC / "mzpy_redis.c"):
        body = function.body
        blocks = re.findall(r"Py_BEGIN_ALLOW_THREADS(.*?)Py_END_ALLOW_THREADS", body, re.DOTALL)
        outside = re.sub(r"Py_BEGIN_ALLOW_THREADS.*?Py_END_ALLOW_THREADS", "", body, flags=re.DOTALL)
        assert not io_calls.search(outside), f"{function.name}: mz_redis I/O with the GIL held"
        assert not pool_calls.search(outside), f"{function.name}: the pool entered with the GIL held"
        for block in blocks:
            lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
            assert not re.search(r"\bPy[A-Z_]\w*", block), f"{function.name}: Python API without the GIL"
            if lines == ["mz_pool_close(pool);"]:
                continue
            assert lines[0].startswith("status = mz_pool_acquire(self->pool, "), function.name
            assert lines[1] == "if (status == MZ_OK) {", function.name
            assert lines[-2:] == ["mz_pool_release(self->pool, conn);", "}"], function.name
            seen += len(io_calls.findall(block))
    assert seen == 6
