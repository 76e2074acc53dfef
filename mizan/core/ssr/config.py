"""The SSR bridge's settings: the worker command, the timeout and the pool size (SSR-1, SSR-10)."""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from mizan.core.errors import ConfigError

# SSR-10: the JavaScript worker shipped next to this module.
PACKAGED_WORKER: Final = str(Path(__file__).resolve().parent / "worker" / "render.mjs")
DEFAULT_TIMEOUT: Final = 5.0
# A worker is one single-threaded JavaScript process, so more workers than cores buys
# nothing for CPU-bound renders, and each costs tens of MB. Four bounds the memory on big
# machines; workers start only when the ones running are all busy.
MAX_DEFAULT_WORKERS: Final = 4


def default_workers() -> int:
    """The pool size when none is configured: min(4, CPU count)."""
    return max(1, min(MAX_DEFAULT_WORKERS, os.cpu_count() or 1))


def default_command(worker: str | None = None) -> tuple[str, ...]:
    """`["node", <worker>]`, the packaged worker when none is given (SSR-10)."""
    return ("node", worker or PACKAGED_WORKER)


@dataclass(frozen=True)
class SSRConfig:
    """How to run the SSR workers.

    Attributes:
        command: the argv of one worker process (any program speaking SSR-5).
        timeout: seconds to wait for a worker's ready line and for each render (SSR-6, SSR-8).
        workers: the most worker processes run at once (the pool size).
        dirs: where component names are looked up, in order (SSR-2).
    """

    command: tuple[str, ...] = field(default_factory=default_command)
    timeout: float = DEFAULT_TIMEOUT
    workers: int = field(default_factory=default_workers)
    dirs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "dirs", parse_dirs(self.dirs, "dirs"))
        object.__setattr__(self, "command", parse_command(self.command, "command"))
        object.__setattr__(self, "timeout", parse_timeout(self.timeout, "timeout"))
        object.__setattr__(self, "workers", parse_workers(self.workers, "workers"))


def parse_command(value: object, name: str) -> tuple[str, ...]:
    """A non-empty argv: a sequence of strings, or one string split as a shell would.

    Raises:
        ConfigError: anything else.
    """
    if isinstance(value, str):
        value = shlex.split(value)
    if (
        isinstance(value, Sequence)
        and not isinstance(value, str | bytes)
        and value
        and all(isinstance(part, str) and part for part in value)
    ):
        return tuple(value)
    raise ConfigError(f"SSR {name} must be a non-empty list of strings (the worker's argv), not {value!r}")


def parse_timeout(value: object, name: str) -> float:
    """A positive, finite number of seconds (a numeric string is accepted).

    Raises:
        ConfigError: anything else.
    """
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ConfigError(f"SSR {name} must be a number of seconds, not {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < float("inf"):
        raise ConfigError(f"SSR {name} must be a positive number of seconds, not {value!r}")
    return float(value)


def parse_workers(value: object, name: str) -> int:
    """A pool size of at least 1 (a numeric string is accepted).

    Raises:
        ConfigError: anything else.
    """
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise ConfigError(f"SSR {name} must be a positive integer, not {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"SSR {name} must be a positive integer, not {value!r}")
    return value


def parse_dirs(value: object, name: str) -> tuple[str, ...]:
    """Directories: a sequence of paths, or one string of paths joined by `os.pathsep`.

    Raises:
        ConfigError: anything else.
    """
    if isinstance(value, str):
        value = [part for part in value.split(os.pathsep) if part]
    if isinstance(value, Sequence) and all(isinstance(part, str | os.PathLike) for part in value):
        return tuple(os.fspath(part) for part in value)
    raise ConfigError(f"SSR {name} must be a list of directories, not {value!r}")
