"""The origin edge under a real server: uvicorn serving `mizan.edge.wrap_asgi(...)` over
loopback beside a plain Django process (uvicorn too, no edge), both on one redis-server
origin cache. What one stores the other HITs, byte for byte; what the edge cannot decide
(an anonymous fetch of a guarded context, a mutation) gets Django's answer through it;
after a mutation through the edge, nothing stale is served.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Final

import httpx
import pytest

from afi.live import LiveServer, run_asgi
from mizan.core.tokens import MWTConfig, mint_mwt, permission_key
from tests.live.servers import CALL, MWT_SECRET, _migrate, server_env
from tests.redis_server import RedisServer

CACHE_SECRET: Final = "live-edge-cache-secret-0123456789abcdef"
NOTES: Final = "/api/mizan/ctx/notes/"
# The headers Mizan's view sets on a HIT. The edge also sends Content-Length, which Django
# sends only with CommonMiddleware (this project has none: its answer is chunked).
MIZAN_HEADERS: Final = ("content-type", "cache-control", "x-mizan-cache")


@pytest.fixture(scope="module")
def servers(
    redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, LiveServer]]:
    """(edge, plain): the same project, with and without the edge, one Redis cache."""
    workdir = Path(tmp_path_factory.mktemp("edge-live"))
    env = server_env("django", redis_server.url, workdir)
    env.update(MIZAN_LIVE_CACHE_SECRET=CACHE_SECRET, MIZAN_LIVE_CACHE_URL=redis_server.url)
    _migrate(env)
    with ExitStack() as stack:
        edge = stack.enter_context(
            run_asgi("django-edge", "tests.live.django_site.edge_asgi:application", env, workdir, lifespan=False)
        )
        plain = stack.enter_context(
            run_asgi("django-plain", "tests.live.django_site.asgi:application", env, workdir, lifespan=False)
        )
        yield edge, plain


def token(pk: int) -> str:
    return mint_mwt(
        MWTConfig(secret=MWT_SECRET), str(pk), pkey=permission_key([], False, False), is_staff=False, is_superuser=False
    )


def get(server: LiveServer, path: str, **headers: str) -> httpx.Response:
    with server.client() as http:
        response: httpx.Response = http.get(path, headers=headers)
    return response


def mizan_headers(response: httpx.Response) -> dict[str, Any]:
    return {name: response.headers.get(name) for name in MIZAN_HEADERS}


def test_edge_live_hit_equals_the_plain_servers(servers: tuple[LiveServer, LiveServer]) -> None:
    edge, plain = servers
    alice = {"X-Mizan-Token": token(1)}
    first = get(plain, f"{NOTES}?note_id=3", **alice)
    assert (first.status_code, first.headers["x-mizan-cache"]) == (200, "MISS")
    edge_hit, plain_hit = get(edge, f"{NOTES}?note_id=3", **alice), get(plain, f"{NOTES}?note_id=3", **alice)
    assert (edge_hit.status_code, edge_hit.headers["x-mizan-cache"]) == (200, "HIT")
    assert edge_hit.content == plain_hit.content == first.content
    assert mizan_headers(edge_hit) == mizan_headers(plain_hit)
    assert edge_hit.headers["content-length"] == str(len(edge_hit.content))
    assert edge_hit.headers["server"] == "uvicorn"
    # Another identity: its own entry, never alice's.
    bob = get(edge, f"{NOTES}?note_id=3", **{"X-Mizan-Token": token(2)})
    assert (bob.status_code, bob.headers["x-mizan-cache"]) == (200, "MISS")


def test_edge_live_passes_what_it_cannot_decide(servers: tuple[LiveServer, LiveServer]) -> None:
    edge, plain = servers
    anonymous = get(edge, f"{NOTES}?note_id=4")
    assert anonymous.status_code == 401 and anonymous.content == get(plain, f"{NOTES}?note_id=4").content
    bad = get(edge, f"{NOTES}?note_id=4", **{"X-Mizan-Token": "x.y.z"})
    assert (
        bad.status_code == 401
        and bad.content == b'{"error":{"code":"UNAUTHORIZED","message":"Invalid or expired MWT"}}'
    )


def test_edge_live_nothing_stale_after_a_mutation(servers: tuple[LiveServer, LiveServer]) -> None:
    edge, _ = servers
    carol = {"X-Mizan-Token": token(3)}
    get(edge, f"{NOTES}?note_id=5", **carol)
    assert get(edge, f"{NOTES}?note_id=5", **carol).headers["x-mizan-cache"] == "HIT"
    with edge.client() as http:
        touched = http.post(CALL, json={"fn": "touch_note", "args": {"note_id": 5}}, headers=carol)
    assert touched.status_code == 200
    after = get(edge, f"{NOTES}?note_id=5", **carol)
    assert (after.status_code, after.headers["x-mizan-cache"]) == (200, "MISS")
    assert get(edge, f"{NOTES}?note_id=5", **carol).headers["x-mizan-cache"] == "HIT"
