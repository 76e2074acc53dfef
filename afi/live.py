"""Send the transcript to one adapter served live: uvicorn on a free loopback port, a real
HTTP client (AFI-1, live servers).

`python -m afi.live django|fastapi` prints `{"steps": [...], "ws": {...}}` like `afi.worker`
(the WebSocket transcript over real sockets, with the `websockets` client). The server
runs in a subprocess that inherits this environment (so `MIZAN_PURE=1` selects the pure
twins there too, AFI-6); the Django project is served over ASGI by `afi.django_site.asgi`,
with its schema and users seeded into a temporary SQLite file first. Identities are sent as
the in-process senders send them, so the records must equal theirs byte for byte.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx

from afi.transcript import SESSION, USERS, Step
from afi.worker import Send, run_script
from afi.ws_transcript import WS_PATH
from afi.ws_worker import RECEIVE_GUARD_SECONDS, Connect, Socket, run_ws_script

ROOT: Final = Path(__file__).resolve().parent.parent
HOST: Final = "127.0.0.1"
TARGETS: Final = {"django": "afi.django_site.asgi:application", "fastapi": "afi.fastapi_app:app"}
DJANGO_SETTINGS: Final = "afi.django_site.settings"
LOGIN: Final = "/afi-test/login/"  # afi/django_site/views.py; no such route in Mizan
START_TIMEOUT: Final = 30.0
STOP_TIMEOUT: Final = 10.0
REQUEST_TIMEOUT: Final = 30.0
SEED_TIMEOUT: Final = 120.0


class LiveServerError(RuntimeError):
    """The server could not be prepared, did not start, or died; carries its stderr."""


@dataclass
class LiveServer:
    """A running uvicorn process and what it answered to the script's requests."""

    adapter: str
    port: int
    process: subprocess.Popen[bytes]
    stderr_path: Path
    # (host, port, Server header) of every scripted response: evidence the run went over
    # the network to this process, not through an in-process transport.
    answers: list[tuple[str, int | None, str | None]] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=REQUEST_TIMEOUT)


def free_port() -> int:
    """A port the kernel just found free on loopback (closed again, so a small race remains;
    a lost race shows up as the server dying with "address already in use")."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def server_env(adapter: str, workdir: Path) -> dict[str, str]:
    """This environment, plus what the server needs. DJANGO_SETTINGS_MODULE is forced because
    pytest-django exports the test suite's own settings module."""
    env = dict(os.environ)
    if adapter == "django":
        env["DJANGO_SETTINGS_MODULE"] = DJANGO_SETTINGS
        env["AFI_DATABASE"] = str(workdir / "afi.sqlite3")
    return env


def run_setup(args: list[str], env: dict[str, str], label: str) -> None:
    """Run a setup step (`python <args>`) before a server starts, e.g. a migration.

    Raises:
        LiveServerError: the step failed; its stderr is in the message.
    """
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, timeout=SEED_TIMEOUT, check=False
    )
    if done.returncode != 0:
        raise LiveServerError(f"{label} failed ({done.returncode}):\n{done.stderr.decode(errors='replace')}")


def seed_django(env: dict[str, str]) -> None:
    """Schema and users in the database file the server will open."""
    run_setup(["-m", "afi.django_site.seed"], env, "afi.django_site.seed")


def _wait_ready(server: LiveServer, ready_path: str) -> None:
    """Poll `ready_path` until the server answers 200, it exits, or START_TIMEOUT passes."""
    deadline = time.monotonic() + START_TIMEOUT
    with httpx.Client(base_url=server.base_url, timeout=1.0) as probe:
        while True:
            if server.process.poll() is not None:
                raise LiveServerError(
                    f"{server.adapter} server exited with {server.process.returncode} before answering:\n"
                    f"{server.stderr()}"
                )
            try:
                if probe.get(ready_path).status_code == 200:
                    return
            except httpx.TransportError:
                pass  # not listening yet
            if time.monotonic() > deadline:
                raise LiveServerError(f"{server.adapter} server did not answer in {START_TIMEOUT}s:\n{server.stderr()}")
            time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (uvicorn and Daphne shut down gracefully), then SIGKILL if it hangs."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def server_command(server: str, target: str, port: int, lifespan: bool) -> list[str]:
    """The command line serving the ASGI application `target` ("module:attribute") on
    loopback `port` with `server` ("uvicorn", or "daphne", Channels' own server)."""
    if server == "daphne":  # no lifespan option: Daphne does not send lifespan events
        return [sys.executable, "-m", "daphne", "-b", HOST, "-p", str(port), "-v", "0", target]
    return [
        sys.executable, "-m", "uvicorn", target,
        "--host", HOST, "--port", str(port), "--workers", "1",
        "--lifespan", "on" if lifespan else "off",
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip


@contextmanager
def run_asgi(
    name: str,
    target: str,
    env: dict[str, str],
    workdir: Path,
    *,
    server: str = "uvicorn",
    lifespan: bool = True,
    ready_path: str = SESSION,
) -> Iterator[LiveServer]:
    """Serve `target` in a subprocess with `env` on a free loopback port, wait until
    `ready_path` answers 200, and always stop the process on exit. Its output goes to
    `workdir/<name>.stderr`, quoted in every LiveServerError.

    Args:
        name: the server's label in errors and its output file's name.
        target: the ASGI application, "module:attribute", importable from ROOT.
        env: the process's whole environment.
        workdir: a directory for the output file.
        server: "uvicorn" or "daphne".
        lifespan: whether uvicorn sends lifespan events (Django's handler has none).
        ready_path: a path that answers 200 once the application is up.
    """
    port = free_port()
    stderr_path = workdir / f"{name}.stderr"
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            server_command(server, target, port, lifespan),
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stderr,
            stderr=stderr,
        )
    try:
        live = LiveServer(name, port, process, stderr_path)
        _wait_ready(live, ready_path)
        yield live
    finally:
        _stop(process)


@contextmanager
def serve(adapter: str) -> Iterator[LiveServer]:
    """Start `adapter` under uvicorn on a free loopback port, wait until it answers, and
    always stop it on exit."""
    with tempfile.TemporaryDirectory(prefix=f"afi-live-{adapter}-") as tmp:
        workdir = Path(tmp)
        env = server_env(adapter, workdir)
        if adapter == "django":
            seed_django(env)
        # Django's ASGI handler has no lifespan
        with run_asgi(adapter, TARGETS[adapter], env, workdir, lifespan=adapter != "django") as server:
            yield server


def _request(
    server: LiveServer, client: httpx.Client, step: Step, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    """One step over HTTP. Content-Type only when the step has one, as the FastAPI sender does
    (the Django test client sends it empty instead, which Django reads the same)."""
    if step.content_type:
        headers["Content-Type"] = step.content_type
    response = client.request(step.method, step.path, content=step.body, headers=headers)
    server.answers.append((response.url.host, response.url.port, response.headers.get("server")))
    return response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.content


def django_sender(server: LiveServer, stack: ExitStack) -> Send:
    """afi.worker.django_sender over HTTP: a cookie-keeping client per identity, logged in
    through the project's test login view for native steps, and the CSRF token from
    `/session/` on every request."""
    sessions: dict[str, tuple[httpx.Client, str]] = {}

    def session_for(user: str) -> tuple[httpx.Client, str]:
        if user not in sessions:
            client = stack.enter_context(server.client())
            if USERS[user] is not None:
                login = client.post(LOGIN, data={"username": user})
                if login.status_code != 204:
                    raise LiveServerError(f"login as {user!r} answered {login.status_code}:\n{server.stderr()}")
            sessions[user] = (client, client.get(SESSION).json()["csrfToken"])
        return sessions[user]

    session_for("anon")  # the worker fetches the anonymous token before the script, too

    def send(step: Step, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        client, token = session_for(step.user if step.native else "anon")
        headers["X-CSRFToken"] = token  # what a browser sends; token identities ignore it
        return _request(server, client, step, headers)

    return send


def fastapi_sender(server: LiveServer, stack: ExitStack) -> Send:
    """afi.worker.fastapi_sender over HTTP: native identities by the `X-Afi-User` header."""
    from afi.fastapi_site import native_header

    clients: dict[str, httpx.Client] = {}

    def send(step: Step, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        user = step.user if step.native else "anon"
        if user not in clients:
            clients[user] = stack.enter_context(server.client())
        if step.native:
            headers.update(native_header(step.user))
        return _request(server, clients[user], step, headers)

    return send


class LiveSocket:
    """A `websockets` client connection as a `Socket` (afi.ws_worker)."""

    def __init__(self, connection: Any, stack: ExitStack) -> None:
        self.connection = connection
        self.stack = stack

    def send(self, frame: str | bytes) -> None:
        self.connection.send(frame)

    def receive(self) -> str:
        message = self.connection.recv(timeout=RECEIVE_GUARD_SECONDS)
        if not isinstance(message, str):
            raise LiveServerError(f"expected a text frame, got {message!r}")
        return message

    def close(self) -> None:
        self.stack.close()


def ws_connect(server: LiveServer, stack: ExitStack) -> Connect:
    """Sockets to the live server at `<prefix>/ws/`, the handshake from the site's own
    origin; a user's socket carries its native identity: the session cookie of a login
    through the project's test view (Django), the `X-Afi-User` header (FastAPI)."""
    from websockets.sync.client import connect as open_socket

    from afi.fastapi_site import native_header

    def identity(name: str) -> dict[str, str]:
        if USERS[name] is None:
            return {}
        if server.adapter == "fastapi":
            return native_header(name)
        client = stack.enter_context(server.client())
        login = client.post(LOGIN, data={"username": name})
        if login.status_code != 204:
            raise LiveServerError(f"login as {name!r} answered {login.status_code}:\n{server.stderr()}")
        return {"Cookie": f"sessionid={client.cookies['sessionid']}"}

    def connect(name: str) -> Socket:
        opened = open_socket(
            f"ws://{HOST}:{server.port}{WS_PATH}",
            origin=server.base_url,  # type: ignore[arg-type]
            additional_headers=identity(name),
            compression=None,
            max_size=None,
            open_timeout=REQUEST_TIMEOUT,
        )
        own = ExitStack()
        return LiveSocket(own.enter_context(opened), own)

    return connect


@contextmanager
def live_sender(adapter: str) -> Iterator[tuple[LiveServer, Send]]:
    """A running server and a `Send` that drives it; clients close before the server stops."""
    make = {"django": django_sender, "fastapi": fastapi_sender}[adapter]
    with serve(adapter) as server, ExitStack() as stack:
        yield server, make(server, stack)


def run_live(adapter: str) -> dict[str, Any]:
    """The transcripts' records from a live server (the format of afi.worker's "steps" and
    "ws")."""
    with live_sender(adapter) as (server, send), ExitStack() as stack:
        return {"steps": run_script(send), "ws": run_ws_script(ws_connect(server, stack))}


if __name__ == "__main__":
    json.dump(run_live(sys.argv[1]), sys.stdout)
