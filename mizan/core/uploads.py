"""`Upload`: the one non-JSON parameter type (PROTOCOL §10.5, UPL-1, UPL-3).

An `Upload` wraps the framework's uploaded file (Django `UploadedFile`, Starlette
`UploadFile`) behind one interface. Only an `Upload` instance validates as one, so a JSON
`/call/` can never satisfy an `Upload` parameter: it answers 422 for that field.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from mizan.core.errors import BadRequest

CHUNK_SIZE = 64 * 1024


class Upload:
    """One uploaded file: `filename`, `content_type`, `size`, `read()`, `chunks()`, `aread()`.

    Args:
        file: a synchronous binary file holding the bytes (Django's `UploadedFile`, the
            spooled file under Starlette's `UploadFile`), positioned at its start.
        filename: the client-supplied name, already stripped of any directory part by
            the adapter. Never use it as a path: it is what the client typed.
        content_type: the client-supplied media type (not checked against the bytes).
        size: the number of bytes received (never a size the client declared).
        source: the framework's own object (Django `UploadedFile`, Starlette
            `UploadFile`), for code that needs it, e.g. `FileField.save(name, source)`.
    """

    __slots__ = ("_file", "content_type", "filename", "size", "source")

    def __init__(self, file: Any, *, filename: str, content_type: str, size: int, source: Any = None) -> None:
        self._file = file
        self.filename = filename
        self.content_type = content_type
        self.size = size
        self.source = file if source is None else source

    @property
    def file(self) -> Any:
        """The synchronous binary file (seekable), for libraries that take a file object."""
        return self._file

    def read(self, size: int = -1) -> bytes:
        """The next `size` bytes (all that is left by default)."""
        return bytes(self._file.read(size))

    def chunks(self, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The file from its start in pieces, so large uploads never sit in memory whole."""
        self._file.seek(0)
        while piece := self._file.read(chunk_size):
            yield bytes(piece)

    async def aread(self, size: int = -1) -> bytes:
        """`read()` from async code: Starlette's `UploadFile.read` (a thread when the file
        is on disk); a synchronous file is read directly."""
        reader = getattr(self.source, "read", None)
        if self.source is not self._file and reader is not None and inspect.iscoroutinefunction(reader):
            return bytes(await reader(size))
        return self.read(size)

    def __repr__(self) -> str:
        return f"Upload(filename={self.filename!r}, content_type={self.content_type!r}, size={self.size!r})"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        # Only a bound file validates; nothing in a JSON body can become one (UPL-2).
        return core_schema.is_instance_schema(cls)


def mentions_upload(annotation: Any) -> bool:
    """True when `Upload` appears anywhere in an annotation (under Optional, list, ...)."""
    if annotation is Upload:
        return True
    return any(mentions_upload(arg) for arg in typing.get_args(annotation) if arg is not Ellipsis)


def upload_kind(annotation: Any) -> str | None:
    """How a parameter takes files: "one" (`Upload`, `Upload | None`), "many"
    (`list[Upload]`, optionally `| None`), None when it takes no file. Any other place
    for `Upload` (inside a dict, a model, a tuple) raises, so a declaration never
    promises a binding the multipart form cannot make (UPL-1, UPL-2).

    Raises:
        TypeError: `Upload` appears somewhere else in the annotation.
    """
    if not mentions_upload(annotation):
        return None
    arms = [arm for arm in typing.get_args(annotation) if arm is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(arms) == 1:
        annotation = arms[0]  # Optional[...]
    if annotation is Upload:
        return "one"
    if typing.get_origin(annotation) is list and typing.get_args(annotation) == (Upload,):
        return "many"
    raise TypeError("Upload is allowed as `Upload`, `list[Upload]` or either `| None`, nothing else")


def upload_parameters(fn_class: Any) -> dict[str, str]:
    """`{parameter: "one" | "many"}` for the `Upload` parameters of a server function,
    read from its `Input` model once and kept on the class."""
    found: dict[str, str] | None = fn_class.__dict__.get("_mizan_uploads")
    if found is None:
        model = fn_class.Input
        found = {}
        if model is not None:
            for name, info in model.model_fields.items():
                kind = upload_kind(info.annotation)
                if kind is not None:
                    found[name] = kind
        fn_class._mizan_uploads = found
    return found


def attach(
    fn_class: Any,
    args: dict[str, Any],
    files: Mapping[str, Sequence[Upload]],
    text_parts: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """The arguments of a multipart `/call/` with its file parts bound by name (UPL-2).

    A text part other than `fn` and `args` is accepted only empty and named like an
    `Upload` parameter: it is what a browser sends for a file input left empty, and
    means no file. A missing required upload is left to validation (422 with `fields`).

    Raises:
        BadRequest: any other text part, a file part named after no `Upload` parameter, a
            name sent both as a file part and in `args`, or several files for a parameter
            that takes one.
    """
    params = upload_parameters(fn_class)
    for name, values in (text_parts or {}).items():
        if name not in params or any(values):
            raise BadRequest(details={"part": name, "reason": "a text part other than fn and args"})
    if not files:
        return args
    bound = dict(args)
    for name, parts in files.items():
        kind = params.get(name)
        if kind is None:
            raise BadRequest(details={"part": name, "reason": "no Upload parameter has this name"})
        if name in args:
            raise BadRequest(details={"part": name, "reason": "sent both as a file part and in args"})
        if kind == "one" and len(parts) != 1:
            raise BadRequest(details={"part": name, "reason": "this parameter takes one file"})
        bound[name] = parts[0] if kind == "one" else list(parts)
    return bound


def without_uploads(
    fn_class: Any, arguments: dict[str, Any], supplied: tuple[str, ...]
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Arguments and supplied names with the `Upload` parameters left out: files never
    scope an invalidation nor appear in its `params` (UPL-5)."""
    params = upload_parameters(fn_class)
    if not params:
        return arguments, supplied
    kept = {name: value for name, value in arguments.items() if name not in params}
    return kept, tuple(name for name in supplied if name not in params)
