"""Throughput and memory of the streaming multipart reader (mizan.core.multipart, UPL-4).

`python -m benchmarks.multipart_reader` feeds a 50 MB file upload to the reader in 64 KiB
chunks, as the FastAPI adapter receives it, and reads the same bytes with Django's
`MultiPartParser` (streaming, its default upload handlers) and with the standard library's
email parser the FastAPI adapter used before (the whole body in memory). Each runs in a
fresh process, so the peak-RSS growth it reports is that run's alone. A small upload form
(`fn`, `args`, two small files) is then fed in 1- to 7-byte chunks: the worst case of the
carried-tail search.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

from benchmarks._results import Results, Table
from benchmarks._timing import per_call

BOUNDARY = "----mizanBenchBoundary0123456789"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
BLOCK = bytes(range(256)) * 256  # 64 KiB of file data, boundary-like bytes included
CHUNK = 64 * 1024
FILE_BYTES = 50 * 1000 * 1000
PARSERS = ["reader", "django", "email"]


def _head() -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="fn"\r\n\r\nupload\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()


def _tail() -> bytes:
    return f"\r\n--{BOUNDARY}--\r\n".encode()


def chunks(size: int = FILE_BYTES) -> Iterator[bytes]:
    """The upload body in 64 KiB chunks, made as it is read (it never exists whole)."""
    yield _head()
    for start in range(0, size, CHUNK):
        yield BLOCK[: min(CHUNK, size - start)]
    yield _tail()


class _Stream(io.RawIOBase):
    """`read(n)` over the chunks, for Django's parser."""

    def __init__(self) -> None:
        self._chunks = chunks()
        self._left = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while len(self._left) < size or size < 0:
            piece = next(self._chunks, b"")
            if not piece:
                break
            self._left += piece
        out, self._left = (self._left, b"") if size < 0 else (self._left[:size], self._left[size:])
        return out


def _read_reader() -> int:
    from mizan.core.multipart import MultipartReader, UploadLimits

    reader = MultipartReader(CONTENT_TYPE, UploadLimits(FILE_BYTES, 10, 2_621_440))
    try:
        for chunk in chunks():
            reader.feed(chunk)
        _, files = reader.finish()
        return files[0].size
    finally:
        reader.close()


def _read_django() -> int:
    from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
    from django.http.multipartparser import MultiPartParser

    length = len(_head()) + FILE_BYTES + len(_tail())
    meta = {"CONTENT_TYPE": CONTENT_TYPE, "CONTENT_LENGTH": str(length)}
    handlers = [MemoryFileUploadHandler(), TemporaryFileUploadHandler()]
    _, files = MultiPartParser(meta, _Stream(), handlers).parse()
    size: int = files["f"].size
    files["f"].close()
    return size


def _read_email() -> int:
    from mizan_fastapi.multipart import parse_form

    body = b"".join(chunks())  # that parser needs the whole body
    fields, files = parse_form(CONTENT_TYPE, body)
    return len(body) if files == ["f"] and fields == {"fn": ["upload"]} else -1


def _worker(parser: str, repeat: int) -> dict[str, Any]:
    import django
    from django.conf import settings

    settings.configure()
    django.setup()
    read = {"reader": _read_reader, "django": _read_django, "email": _read_email}[parser]
    # Import what the parser needs first: the growth measured is the reading's alone.
    importlib.import_module(
        {"reader": "mizan.core.multipart", "django": "django.http.multipartparser"}.get(
            parser, "mizan_fastapi.multipart"
        )
    )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        size = read()
        best = min(best, time.perf_counter() - start)
        if size not in (FILE_BYTES, len(_head()) + FILE_BYTES + len(_tail())):
            raise SystemExit(f"benchmarks.multipart_reader: {parser} read {size} bytes")
    growth_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    return {"seconds": best, "rss_growth_kib": growth_kib}


def small_form() -> bytes:
    parts = [
        ('name="fn"', b"articles.upload"),
        ('name="args"', b'{"title": "Quarterly report", "tags": ["a", "b"], "draft": false}'),
        ('name="cover"; filename="cover.png"', bytes(range(256)) * 3),
        ('name="notes"; filename="notes.txt"', b"line one\r\n--line two\r\n" * 20),
    ]
    body = b"".join(
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; {disposition}\r\n\r\n".encode() + data + b"\r\n"
        for disposition, data in parts
    )
    return body + f"--{BOUNDARY}--\r\n".encode()


def _small(repeat: int) -> list[list[str]]:
    from mizan.core.multipart import MultipartReader, UploadLimits

    limits = UploadLimits(1_000_000, 10, 2_621_440)
    document = small_form()

    def read(step: int) -> None:
        reader = MultipartReader(CONTENT_TYPE, limits)
        for start in range(0, len(document), step):
            reader.feed(document[start : start + step])
        reader.finish()
        reader.close()

    rows = []
    for step in (1, 2, 3, 4, 5, 6, 7, len(document)):
        seconds = per_call(lambda step=step: read(step), repeat)  # type: ignore[misc]
        label = f"{step}-byte chunks" if step < len(document) else "one chunk"
        rows.append([label, f"{seconds * 1e3:.3f}", f"{len(document) / seconds / 1e6:.2f}"])
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timing repeats; the best is kept (default 3)")
    parser.add_argument("--worker", choices=PARSERS, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        print(json.dumps(_worker(options.worker, options.repeat)))
        return
    rows = []
    for name in PARSERS:
        command = [
            sys.executable,
            "-m",
            "benchmarks.multipart_reader",
            "--worker",
            name,
            "--repeat",
            str(options.repeat),
        ]
        result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        rate = FILE_BYTES / result["seconds"] / 1e6
        rows.append([name, f"{result['seconds']:.3f}", f"{rate:.0f}", f"{result['rss_growth_kib'] / 1024:.1f}"])
    Results(
        group="core",
        module="multipart_reader",
        title="the streaming multipart reader against Django's parser and the email parser",
        method=(
            f"A 50 MB file part after a text part, best of {options.repeat} reads, each parser in its own "
            "process (peak RSS growth over the process's start). The reader and Django stream it in 64 KiB "
            "chunks and spool the file to disk (above 1 MiB for the reader, 2.5 MB for Django); the email "
            "parser needs the whole body. Then a small form fed in tiny chunks, in-process."
        ),
        tables=[
            Table("50 MB upload", ["parser", "seconds", "MB/s", "peak RSS growth (MiB)"], rows),
            Table(f"A {len(small_form())}-byte form", ["feed", "ms per form", "MB/s"], _small(options.repeat)),
        ],
    ).emit()


if __name__ == "__main__":
    main()
