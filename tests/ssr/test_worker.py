"""The packaged SSR worker (SSR-5, SSR-10), run for real under Node.js and spoken to over its
pipes: rendering real React components, errors as replies, concurrency, reloading.

The components live in tests/ssr/components/; react, react-dom and esbuild come from
tests/ssr/node_modules (`scripts/bootstrap.sh test` runs `npm ci` there). Without `node` or
those packages every test here is skipped with the reason, never passed.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import mizan

HERE = Path(__file__).resolve().parent
COMPONENTS = HERE / "components"
WORKER = Path(mizan.__file__).resolve().parent / "core" / "ssr" / "worker" / "render.mjs"
NODE = shutil.which("node")
# Guards against a hung worker only (a test waiting forever); not a performance threshold.
REPLY_WAIT = 60.0


def _missing() -> str | None:
    if NODE is None:
        return "node is not installed (scripts/bootstrap.sh test installs Debian's nodejs)"
    for package in ("react", "react-dom", "esbuild"):
        if not (HERE / "node_modules" / package / "package.json").is_file():
            return f"npm package {package} is not installed in tests/ssr (run scripts/bootstrap.sh test)"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")


class Worker:
    """The worker as a subprocess, with threads draining stdout (parsed) and stderr."""

    def __init__(self, cwd: Path, env: dict[str, str] | None = None) -> None:
        assert NODE is not None
        self.proc = subprocess.Popen(
            [NODE, str(WORKER)],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.raw: queue.Queue[bytes] = queue.Queue()
        self.stderr: list[str] = []
        self._stderr_seen = threading.Condition()
        self._readers = [
            threading.Thread(target=self._read_stdout, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        self.next_id = 1

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.raw.put(line)

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._stderr_seen:
                self.stderr.append(line.decode("utf-8", "replace"))
                self._stderr_seen.notify_all()

    def send_line(self, line: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + b"\n")
        self.proc.stdin.flush()

    def send(self, method: str, params: dict[str, Any]) -> int:
        message_id = self.next_id
        self.next_id += 1
        self.send_line(json.dumps({"id": message_id, "method": method, "params": params}).encode())
        return message_id

    def read_line(self) -> bytes:
        try:
            return self.raw.get(timeout=REPLY_WAIT)
        except queue.Empty:
            pytest.fail(f"no reply from the worker; its stderr: {''.join(self.stderr)}")

    def read(self) -> dict[str, Any]:
        line = self.read_line()
        assert line.endswith(b"\n") and line.count(b"\n") == 1
        reply = json.loads(line)
        assert isinstance(reply, dict)
        return reply

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        message_id = self.send(method, params)
        reply = self.read()
        assert reply["id"] == message_id
        return reply

    def render(self, file: Path, props: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.call("render", {"file": str(file), "props": props or {}})

    def html(self, file: Path, props: dict[str, Any] | None = None) -> str:
        reply = self.render(file, props)
        assert "error" not in reply, reply["error"]
        assert set(reply) == {"id", "html"}
        html = reply["html"]
        assert isinstance(html, str)
        return html

    def wait_stderr(self, text: str) -> None:
        with self._stderr_seen:
            found = self._stderr_seen.wait_for(lambda: any(text in line for line in self.stderr), timeout=REPLY_WAIT)
        assert found, f"{text!r} not on stderr: {self.stderr}"

    def close(self) -> int:
        """Closes stdin (the bridge's shutdown) and returns the exit status."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            return self.proc.wait(timeout=REPLY_WAIT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            for reader in self._readers:  # both pipes are at end of file once it has exited
                reader.join()
            assert self.proc.stdout is not None and self.proc.stderr is not None
            self.proc.stdout.close()
            self.proc.stderr.close()


def _start(cwd: Path, env: dict[str, str] | None = None) -> Worker:
    worker = Worker(cwd, env)
    assert worker.read() == {"id": 0, "ready": True}
    return worker


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    # Started outside the repository: packages must be found from the component's directory.
    started = _start(tmp_path_factory.mktemp("cwd"))
    yield started
    started.close()


def test_ready_line_is_exactly_the_first_line(tmp_path: Path) -> None:
    started = Worker(tmp_path)
    assert started.read_line() == b'{"id":0,"ready":true}\n'
    assert started.close() == 0


def test_renders_props_as_escaped_text(worker: Worker) -> None:
    note = "</script><script>alert(1)</script> & \u2028 \u2029 ünïcödé 漢字 🎉"
    reply_line_check = worker.send(
        "render", {"file": str(COMPONENTS / "Hello.jsx"), "props": {"name": "Jürgen", "note": note}}
    )
    line = worker.read_line()
    # U+2028/U+2029 never appear raw on the wire, so no line reader splits the reply.
    assert "\u2028".encode() not in line and "\u2029".encode() not in line
    reply = json.loads(line)
    assert reply["id"] == reply_line_check
    html = reply["html"]
    assert "<h1>Hello, <!-- -->Jürgen<!-- -->!</h1>" in html  # the relatively imported child
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; \u2028 \u2029 ünïcödé 漢字 🎉" in html
    assert "<script" not in html


def test_hooks_work_so_there_is_one_react(worker: Worker) -> None:
    # useState and useId throw "Invalid hook call" when the component's React is not the
    # renderer's.
    html = worker.html(COMPONENTS / "Hello.jsx", {"name": "x", "note": "n"})
    assert "count <!-- -->3" in html
    label_for = html.split('<label for="', 1)[1].split('"', 1)[0]
    assert label_for and f'<p id="{label_for}">' in html


def test_tsx_component_with_types_and_a_ts_import(worker: Worker) -> None:
    items = [{"label": "bolt", "qty": 2}, {"label": "nut", "qty": 3}]
    html = worker.html(COMPONENTS / "Card.tsx", {"title": "Parts", "items": items})
    assert html == (
        '<section data-open="true"><h2>Parts</h2><ul><li>bolt<!-- --> x<!-- -->2</li>'
        "<li>nut<!-- --> x<!-- -->3</li></ul><p>5 pieces</p></section>"
    )


def test_plain_mjs_component(worker: Worker) -> None:
    assert worker.html(COMPONENTS / "Plain.mjs", {"text": "a < b"}) == '<p class="plain">a &lt; b</p>'


def test_suspense_is_awaited_not_sent_as_fallback(worker: Worker) -> None:
    html = worker.html(COMPONENTS / "Suspended.jsx", {"value": "ready data"})
    assert "<b>ready data</b>" in html
    assert "loading" not in html


@pytest.mark.parametrize(
    ("mode", "html"),
    [("shell", "<b>shell data</b>"), ("lazy", "<!--$--><u>lazy part</u><!--/$-->")],
)
def test_suspending_without_a_boundary_and_lazy_components_are_awaited(worker: Worker, mode: str, html: str) -> None:
    assert worker.html(COMPONENTS / "Waits.jsx", {"mode": mode}) == html


def test_error_inside_a_boundary_leaves_the_client_fallback_and_is_logged(worker: Worker) -> None:
    html = worker.html(COMPONENTS / "Waits.jsx", {"mode": "boundary-error"})
    assert html == "<div><!--$!--><template></template><i>fallback</i><!--/$--></div>"
    worker.wait_stderr("Error: broken inside a boundary")


def test_throwing_component_is_an_error_reply_and_the_worker_goes_on(worker: Worker) -> None:
    reply = worker.render(COMPONENTS / "Throws.jsx", {"message": "kaputt ü"})
    assert set(reply) == {"id", "error"} and reply["error"] == "kaputt ü"
    assert "Hello, <!-- -->again" in worker.html(COMPONENTS / "Hello.jsx", {"name": "again", "note": ""})


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"file": str(COMPONENTS / "Missing.jsx"), "props": {}}, "component file not found: "),
        ({"file": str(COMPONENTS / "parts"), "props": {}}, "component file not found: "),
        ({"file": str(COMPONENTS / "NoComponent.js"), "props": {}}, "does not export a component"),
        ({"file": "components/Hello.jsx", "props": {}}, "params.file must be an absolute path"),
        ({"file": str(COMPONENTS / "Hello.jsx"), "props": [1]}, "params.props must be an object"),
        ([], "params must be an object"),
    ],
    ids=["missing-file", "directory", "no-component", "relative-path", "props-not-object", "params-not-object"],
)
def test_bad_render_requests_are_error_replies(worker: Worker, params: Any, expected: str) -> None:
    reply = worker.call("render", params)
    assert set(reply) == {"id", "error"}
    assert expected in reply["error"]
    assert worker.call("ping", {}) == {"id": reply["id"] + 1, "pong": True}


def test_syntax_error_is_an_error_reply_with_its_location(tmp_path: Path) -> None:
    broken = tmp_path / "Broken.jsx"
    broken.write_text("export default function Broken() {\n  const = 5;\n}\n")
    started = _start(HERE)  # packages from the current directory: tmp_path has none
    try:
        reply = started.render(broken)
        assert set(reply) == {"id", "error"}
        assert reply["error"].startswith(f"cannot compile: {broken}:2:")
        broken.write_text("export default function Broken() {\n  return <div />;\n}\n")
        assert started.html(broken) == "<div></div>"  # a failed compile is not cached
    finally:
        assert started.close() == 0


def test_ping(worker: Worker) -> None:
    message_id = worker.send("ping", {})
    assert worker.read_line() == b'{"id":%d,"pong":true}\n' % message_id


def test_fifty_renders_in_flight_are_answered_by_id(worker: Worker) -> None:
    sent: dict[int, str] = {}
    for n in range(50):
        if n % 10 == 3:
            sent[worker.send("render", {"file": str(COMPONENTS / "Throws.jsx"), "props": {"message": f"no {n}"}})] = (
                f"error:no {n}"
            )
        else:
            sent[worker.send("render", {"file": str(COMPONENTS / "Suspended.jsx"), "props": {"value": f"v{n}"}})] = (
                f"<b>v{n}</b>"
            )
    replies = [worker.read() for _ in sent]
    assert sorted(reply["id"] for reply in replies) == sorted(sent)
    for reply in replies:
        expected = sent[reply["id"]]
        if expected.startswith("error:"):
            assert reply["error"] == expected.removeprefix("error:")
        else:
            assert expected in reply["html"]


def test_garbage_lines_are_logged_or_answered_never_fatal(worker: Worker) -> None:
    worker.send_line(b"this is not json")
    worker.wait_stderr("ignored a line that is not JSON: this is not json")
    worker.send_line(b"[1, 2, 3]")
    worker.wait_stderr("ignored a message without an id: [1, 2, 3]")
    worker.send_line(b'{"method": "ping"}')
    worker.wait_stderr('ignored a message without an id: {"method": "ping"}')
    worker.send_line(b"\xff\xfe not utf-8 {")
    worker.wait_stderr("ignored a line that is not JSON")
    worker.send_line(b"")
    worker.send_line(b'{"id": 900, "method": "explode", "params": {}}')
    assert worker.read() == {"id": 900, "error": 'unknown method: "explode"'}
    worker.send_line(b'{"id": 901}')
    assert worker.read() == {"id": 901, "error": "unknown method: null"}
    assert worker.call("ping", {})["pong"] is True
    assert worker.proc.poll() is None


def _write(path: Path, text: str, tick: int) -> None:
    """Writes `text` with a modification time `tick` seconds ahead (an edit, even within one
    filesystem timestamp granule)."""
    path.write_text(text)
    stamp = path.stat().st_mtime + tick
    os.utime(path, (stamp, stamp))


def test_edited_component_and_child_are_recompiled_unchanged_ones_are_not(tmp_path: Path) -> None:
    # Components outside tests/ssr: packages are found from the current directory instead.
    parent, child = tmp_path / "Page.jsx", tmp_path / "Child.jsx"
    counter = "globalThis.__mizanLoads = (globalThis.__mizanLoads ?? 0) + 1;\n"
    _write(child, "export default () => <i>child one</i>;\n", 0)
    _write(
        parent,
        'import Child from "./Child.jsx";\n' + counter + "const loads = globalThis.__mizanLoads;\n"
        "export default () => <p>page one <Child /> loaded {loads}</p>;\n",
        0,
    )
    started = _start(HERE)
    try:
        first = started.html(parent)
        assert first == "<p>page one <i>child one</i> loaded <!-- -->1</p>"
        assert started.html(parent) == first  # unchanged: not compiled (nor evaluated) again
        _write(child, "export default () => <i>child two</i>;\n", 10)
        assert started.html(parent) == "<p>page one <i>child two</i> loaded <!-- -->2</p>"
        _write(parent, parent.read_text().replace("page one", "page two"), 20)
        assert started.html(parent) == "<p>page two <i>child two</i> loaded <!-- -->3</p>"
        assert started.html(parent) == "<p>page two <i>child two</i> loaded <!-- -->3</p>"
    finally:
        assert started.close() == 0


def test_tsconfig_paths_alias_is_compiled_with_the_component(tmp_path: Path) -> None:
    (tmp_path / "tsconfig.json").write_text('{"compilerOptions": {"baseUrl": ".", "paths": {"@/*": ["src/*"]}}}')
    (tmp_path / "src" / "lib").mkdir(parents=True)
    (tmp_path / "src" / "lib" / "shout.ts").write_text("export const shout = (s: string): string => s.toUpperCase();\n")
    page = tmp_path / "src" / "Page.tsx"
    page.write_text(
        'import { shout } from "@/lib/shout";\nexport default ({ t }: { t: string }) => <p>{shout(t)}</p>;\n'
    )
    started = _start(HERE)
    try:
        assert started.html(page, {"t": "quiet"}) == "<p>QUIET</p>"
    finally:
        assert started.close() == 0


def test_missing_packages_are_an_error_reply(tmp_path: Path) -> None:
    component = tmp_path / "Lonely.jsx"
    component.write_text("export default () => <p>alone</p>;\n")
    # No node_modules above tmp_path, the current directory or the worker; no global folders.
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    started = _start(tmp_path, env)
    try:
        reply = started.render(component)
        assert 'cannot find package "esbuild"' in reply["error"]
        assert "npm install react@19 react-dom@19 esbuild" in reply["error"]
    finally:
        assert started.close() == 0


def test_closing_stdin_exits_zero_after_answering_renders_in_flight(tmp_path: Path) -> None:
    started = _start(tmp_path)
    ids = [
        started.send("render", {"file": str(COMPONENTS / "Suspended.jsx"), "props": {"value": "last"}})
        for _ in range(5)
    ]
    assert started.close() == 0
    replies = [started.read() for _ in ids]
    assert sorted(reply["id"] for reply in replies) == ids
    assert all("<b>last</b>" in reply["html"] for reply in replies)
