"""What a benchmark result depends on, printed above every table of the ratio benchmarks.

The same code measures differently on a PGO+LTO interpreter, another CPU or another
jansson, so each run records the interpreter's build flags, the CPU and the versions of
the libraries in play next to its numbers.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import shlex
import shutil
import subprocess
import sysconfig

# Python distributions whose version changes what the comparison columns measure.
DISTRIBUTIONS = ("mizan", "pydantic", "pydantic-core", "orjson")
# C libraries linked by mizan._speedups, as pkg-config knows them.
C_LIBRARIES = ("jansson", "hiredis")


def environment() -> dict[str, str]:
    """Interpreter, build flags, CPU, C libraries and Python packages, as display strings."""
    info = {
        "python": f"{platform.python_implementation()} {platform.python_version()} ({platform.python_compiler()})",
        "build": _build_flags(),
        "cpu": f"{_cpu_model()} x{os.cpu_count()} ({platform.machine()}, {platform.system()} {platform.release()})",
        "extension": _extension(),
    }
    for name in C_LIBRARIES:
        info[name] = _pkg_config_version(name)
    info["openssl"] = _openssl_version()
    for name in DISTRIBUTIONS:
        info[name] = _distribution_version(name)
    info["valgrind"] = _valgrind_version()
    return info


def header(title: str) -> str:
    """`title` followed by one `key: value` line per entry of `environment()`."""
    info = environment()
    width = max(len(key) for key in info)
    return "\n".join((title, *(f"  {key:<{width}}  {value}" for key, value in info.items())))


def _build_flags() -> str:
    # PGO is configure's --enable-optimizations, LTO its --with-lto; -O comes from CFLAGS.
    args = shlex.split(sysconfig.get_config_var("CONFIG_ARGS") or "")
    pgo = "--enable-optimizations" in args
    lto = any(arg == "--with-lto" or arg.startswith("--with-lto=") for arg in args)
    cflags = (sysconfig.get_config_var("PY_CFLAGS") or "").split()
    level = next((flag for flag in reversed(cflags) if flag.startswith("-O")), "-O?")
    shared = "shared libpython" if sysconfig.get_config_var("Py_ENABLE_SHARED") else "static libpython"
    return f"PGO {'yes' if pgo else 'no'}, LTO {'yes' if lto else 'no'}, {level}, {shared}"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _extension() -> str:
    try:
        from mizan import _speedups
    except ImportError as exc:
        return f"mizan._speedups not importable ({exc})"
    return f"mizan._speedups at {_speedups.__file__}"


def _pkg_config_version(name: str) -> str:
    if shutil.which("pkg-config") is None:
        return "unknown (no pkg-config)"
    result = subprocess.run(["pkg-config", "--modversion", name], capture_output=True, text=True, check=False)
    return result.stdout.strip() if result.returncode == 0 else "not found by pkg-config"


def _openssl_version() -> str:
    # hashlib's HMAC and SHA-256 run on it: the cache-key rows depend on its version.
    try:
        import ssl
    except ImportError:
        return "ssl module unavailable"
    return ssl.OPENSSL_VERSION


def _distribution_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _valgrind_version() -> str:
    path = shutil.which("valgrind")
    if path is None:
        return "not installed (no instruction counts)"
    result = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    return result.stdout.strip() or "unknown version"
