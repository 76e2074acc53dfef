"""Uploads against live servers on loopback (UPL-3, UPL-4): a real client streams a 50 MB
file to each adapter under uvicorn and the server's resident memory must not grow by the
file's size; a body over the upload limit is answered before the client has sent it.

Run with the other jobs: `AFI_JOBS=1 .venv/bin/python -m pytest afi/jobs` (the servers
inherit MIZAN_PURE, AFI-6).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import httpx
import pytest

from afi.live import DJANGO_SETTINGS, HOST, ROOT, LiveServer, free_port, serve
from afi.transcript import CALL, mwt_for

BIG: Final = 50 * 1024 * 1024
LIMIT: Final = 1024 * 1024  # the upload limit of the early-answer servers
# What a 50 MB upload may add to the server's peak resident memory: the spooled file's
# in-memory part (2.5 MiB) and a few chunks, far below the file's size.
RSS_BOUND: Final = 12 * 1024 * 1024
TOKEN: Final = mwt_for("user1")


def peak_rss(pid: int) -> int:
    """The process's peak resident set size in bytes (`VmHWM`)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc status")


def upload(client: httpx.Client, path: Path) -> httpx.Response:
    with path.open("rb") as handle:  # httpx streams an open file in chunks
        return client.post(
            CALL,
            data={"fn": "attach", "args": json.dumps({"title": "big"})},
            files={"file": ("big.bin", handle, "application/octet-stream")},
            headers={"X-Mizan-Token": str(TOKEN)},
        )


@pytest.fixture(scope="module")
def big_file() -> Iterator[tuple[Path, str]]:
    with tempfile.TemporaryDirectory(prefix="afi-upload-") as tmp:
        path = Path(tmp) / "big.bin"
        digest = hashlib.sha256()
        with path.open("wb") as handle:
            for _ in range(BIG // (1024 * 1024)):
                block = os.urandom(1024 * 1024)
                digest.update(block)
                handle.write(block)
        yield path, digest.hexdigest()


@pytest.mark.parametrize("adapter", ["django", "fastapi"])
def test_a_50_mb_upload_streams_through_bounded_memory(
    adapter: str, big_file: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path, digest = big_file
    monkeypatch.setenv("AFI_MAX_UPLOAD_BYTES", str(2 * BIG))
    warm = tmp_path / "warm.bin"
    warm.write_bytes(os.urandom(3 * 1024 * 1024))  # over the spool threshold: every path loaded
    with serve(adapter) as server, server.client() as client:
        assert upload(client, warm).status_code == 200
        before = peak_rss(server.process.pid)
        answer = upload(client, path)
        after = peak_rss(server.process.pid)
    assert answer.status_code == 200, answer.text
    assert answer.json()["result"] == {"filename": "big.bin", "title": "big", "size": BIG, "sha256": digest}
    print(f"\n{adapter}: peak RSS {before / 2**20:.1f} -> {after / 2**20:.1f} MiB")
    assert after - before < RSS_BOUND, f"peak RSS grew by {(after - before) / 2**20:.1f} MiB"


def oversize_head(declared: int) -> tuple[bytes, bytes]:
    """Request head and the start of a multipart body whose file part is `declared` bytes."""
    boundary = "early"
    start = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="fn"\r\n\r\nattach\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n'
    ).encode()
    length = len(start) + declared + len(f"\r\n--{boundary}--\r\n")
    head = (
        f"POST {CALL} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {length}\r\nX-Mizan-Token: {TOKEN}\r\nConnection: close\r\n\r\n"
    ).encode()
    return head, start


def send_until_answered(port: int, declared: int) -> tuple[bytes, int]:
    """Send the head and then the file part's bytes from a thread, never finishing the body;
    read the answer on this thread. Returns the answer and how many file bytes were sent."""
    head, start = oversize_head(declared)
    sent = 0
    with socket.create_connection((HOST, port), timeout=30) as sock:
        sock.sendall(head + start)
        stop = threading.Event()

        def feed() -> None:
            nonlocal sent
            block = b"x" * 65536
            try:
                while not stop.is_set() and sent < declared - len(block):
                    sock.sendall(block)
                    sent += len(block)
            except OSError:
                pass  # the server closed the connection after answering

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        answer = b""
        try:
            while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
                piece = sock.recv(65536)
                if not piece:
                    break
                answer += piece
        finally:
            stop.set()
            feeder.join(timeout=30)
    return answer, sent


@contextmanager
def wsgi_server() -> Iterator[int]:
    """The conformance Django project under the standard library's WSGI server, which hands
    Django the socket's stream as it is (no server-side buffering of the body)."""
    port = free_port()
    code = (
        "import sys, django\n"
        "from wsgiref.simple_server import make_server\n"
        "django.setup()\n"
        "from django.core.wsgi import get_wsgi_application\n"
        f"make_server({HOST!r}, {port}, get_wsgi_application()).serve_forever()\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": DJANGO_SETTINGS, "AFI_MAX_UPLOAD_BYTES": str(LIMIT)}
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection((HOST, port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, "the WSGI server did not start"
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(10)


def assert_answered_early(answer: bytes, sent: int, declared: int) -> None:
    status, _, rest = answer.partition(b"\r\n")
    assert status.endswith(b"400 Bad Request"), answer[:200]
    body = json.loads(rest.partition(b"\r\n\r\n")[2])
    assert body["error"]["details"] == {"limit": "max_upload_bytes"}
    print(f"\nanswered after {sent / 2**20:.1f} MiB of the {declared / 2**20:.0f} MiB declared")
    assert sent < declared // 2, f"the client had sent {sent} of {declared} bytes before the answer"


def test_fastapi_answers_an_oversize_upload_before_the_body_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFI_MAX_UPLOAD_BYTES", str(LIMIT))
    declared = 64 * LIMIT
    server: LiveServer
    with serve("fastapi") as server:
        answer, sent = send_until_answered(server.port, declared)
    assert_answered_early(answer, sent, declared)


def test_django_under_wsgi_answers_an_oversize_upload_before_the_body_is_sent() -> None:
    declared = 64 * LIMIT
    with wsgi_server() as port:
        answer, sent = send_until_answered(port, declared)
    assert_answered_early(answer, sent, declared)


def test_fastapi_under_uvicorn_reads_a_body_no_further_than_its_content_length() -> None:
    """A declared size that lies (shorter than the body): uvicorn hands over only what
    Content-Length announces, which leaves out the closing delimiter: 400."""
    head, start = oversize_head(10)
    body = start + b"0123456789\r\n--early--\r\n"
    head = head.replace(f"Content-Length: {len(body)}".encode(), f"Content-Length: {len(body) - 12}".encode())
    with serve("fastapi") as server, socket.create_connection((HOST, server.port), timeout=30) as sock:
        sock.sendall(head + body)
        answer = b""
        while piece := sock.recv(65536):
            answer += piece
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert answer.endswith(b'{"error":{"code":"BAD_REQUEST","message":"Invalid request body"}}')
