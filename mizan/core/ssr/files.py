"""Finding a component file by name in a list of directories (SSR-2)."""

from __future__ import annotations

import os
from collections.abc import Iterable


def find_component(dirs: Iterable[str | os.PathLike[str]], name: str) -> str | None:
    """The absolute path of the first `<dir>/<name>` that is a file, or None.

    A name that would leave its directory (`../x`, an absolute path) is not looked up
    there, as Django's file-system template loader refuses it.
    """
    for directory in dirs:
        root = os.path.abspath(directory)
        path = os.path.abspath(os.path.join(root, name))
        if os.path.commonpath([root, path]) != root:
            continue
        if os.path.isfile(path):
            return path
    return None
