"""The browser runtime against live servers: `tests/js/live_roundtrip.mjs` runs under Node
20 with its global fetch (and a small cookie jar) against each adapter served by uvicorn on
loopback, and what it saw is checked here. The FastAPI run imports the runtime as the server
hands it out at `/api/mizan/client.js`.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import mizan
from afi.live import ROOT, LiveServer, run_asgi, run_setup
from tests.live.servers import server_env
from tests.redis_server import RedisServer

SCRIPT = Path(__file__).with_name("live_roundtrip.mjs")
PACKAGED = Path(mizan.__file__).resolve().parent / "static" / "mizan" / "client.js"
NODE_TIMEOUT = 120.0


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    """The live sites' channel layer and broadcast (a mutation pushes its invalidation)."""
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["django", "fastapi"])
def live(request: pytest.FixtureRequest, redis: RedisServer, tmp_path: Path) -> Iterator[LiveServer]:
    adapter = request.param
    env = server_env(adapter, redis.url, tmp_path)
    if adapter == "django":
        run_setup(["-m", "django", "migrate", "--verbosity", "0"], env, "migrate")
        target, lifespan = "tests.live.django_site.asgi:application", False
    else:
        target, lifespan = "tests.live.fastapi_app:app", True
    with run_asgi(f"{adapter}-client-js", target, env, tmp_path, lifespan=lifespan) as server:
        yield server


def run_script(server: LiveServer, module: Path) -> dict[str, Any]:
    config = json.dumps({"base": server.base_url, "adapter": server.adapter.split("-")[0], "module": str(module)})
    done = subprocess.run(
        ["node", str(SCRIPT), config], cwd=ROOT, capture_output=True, text=True, timeout=NODE_TIMEOUT, check=False
    )
    assert done.returncode == 0, f"{done.stderr}\n--- server ---\n{server.stderr()}"
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_client_js_round_trip_against_a_live_server(live: LiveServer, tmp_path: Path) -> None:
    django = live.adapter.startswith("django")
    module = PACKAGED
    if not django:  # the file as the router serves it
        served = httpx.get(f"{live.base_url}/api/mizan/client.js")
        assert served.headers["content-type"] == "text/javascript; charset=utf-8"
        module = tmp_path / "client.js"
        module.write_bytes(served.content)
    seen = run_script(live, module)

    if django:
        assert isinstance(seen["session"]["csrfToken"], str) and seen["session"]["csrfToken"]
        assert seen["csrfCookie"] is True
    else:
        assert seen["session"] == {"csrfToken": None}
    assert seen["sessionRequests"] == 1
    assert seen["whoami"] == "alice"
    assert seen["five"] == {"note": {"id": 5, "owner": "alice"}}
    assert seen["six"] == {"note": {"id": 6, "owner": "alice"}}
    assert seen["touch"] == 5
    assert seen["afterTouch"] == {"note": {"id": 5, "owner": "alice"}}
    # The reply's `invalidate` and its header name the same target: one refetch, of note 5 only.
    assert seen["refetches"] == {"five": 1, "six": 0}
    assert seen["unknown"] == {"code": "NOT_FOUND", "status": 404, "details": {"function": "no_such_function"}}
    assert seen["invalid"]["code"] == "VALIDATION_ERROR"
    assert seen["invalid"]["status"] == 422
    assert list(seen["invalid"]["details"]["fields"]) == ["note_id"]
    assert seen["errors"] == ["NOT_FOUND", "VALIDATION_ERROR"]
