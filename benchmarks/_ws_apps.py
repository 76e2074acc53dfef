"""The servers of benchmarks.ws: one FastAPI and one Django ASGI application, each serving
Mizan's `/call/` and `/ws/` under uvicorn, with the same server functions registered.

- `update_profile` (`def`: the call and work of every other HTTP benchmark, from
  benchmarks._call_workload) and `aupdate_profile`, the same as an `async def`;
- `ping`, an `async def` answering "pong": the liveness check of every held socket;
- `fanout(seq)`, pushing one timestamped message to the `ticks` channel's subscribers.

Django also serves `/plain/`, the csrf-exempt plain view of benchmarks._call_workload that
answers the same JSON without reading the body: what Django's ASGI handler costs alone.

`uvicorn --factory benchmarks._ws_apps:fastapi_app` (or `:django_app`) serves them on
`/api/mizan/`. Django runs with the default middleware and cookie sessions (no database
access per request), so `/call/` carries the CSRF cookie and header a browser sends
(`benchmarks._call_workload.HEADERS`), and a WebSocket handshake must carry a same-site
`Origin` (mizan.wrap_asgi's AllowedHostsOriginValidator).
"""

from __future__ import annotations

import os
import time
from typing import Any, Literal

import pydantic

from benchmarks._call_workload import profile
from mizan.channels import ReactChannel, register

PREFIX = "/api/mizan/"
CALL_PATH = PREFIX + "call/"
WS_PATH = PREFIX + "ws/"
PLAIN_PATH = "/plain/"  # Django only: a plain view answering the same JSON (the ASGI floor)


def update_profile(
    request: Any,
    user_id: int,
    name: str,
    tags: list[str],
    notify: bool = False,
    tier: Literal["free", "pro"] = "free",
    nickname: str | None = None,
) -> dict[str, Any]:
    """The call of every HTTP benchmark (a `def`: run in a worker thread)."""
    return profile(user_id, name, tags, notify, tier, nickname)


async def aupdate_profile(
    request: Any,
    user_id: int,
    name: str,
    tags: list[str],
    notify: bool = False,
    tier: Literal["free", "pro"] = "free",
    nickname: str | None = None,
) -> dict[str, Any]:
    """`update_profile` as an `async def`: run on the event loop, no worker thread."""
    return profile(user_id, name, tags, notify, tier, nickname)


async def ping(request: Any) -> str:
    """The liveness check every held socket must answer."""
    return "pong"


class Ticks(ReactChannel):
    """The push channel: anyone may subscribe (the benchmark's sockets are anonymous), one
    group per room."""

    class Params(pydantic.BaseModel):
        room: str

    class DjangoMessage(pydantic.BaseModel):
        seq: int
        sent_ns: int

    def authorize(self, params: Ticks.Params) -> bool:
        return True


CHANNEL = "ticks"
ROOM = "bench"
# Where the two processes of the cross-process rows meet (a redis:// URL), or unset: one
# process, in-memory fan-out. FastAPI reads MIZAN_BROADCAST_URL itself.
REDIS_ENV = "MIZAN_BENCH_REDIS_URL"


async def fanout(request: Any, seq: int) -> int:
    """Push message `seq` to every subscriber of `ticks` {"room": ROOM}, stamped with this
    machine's monotonic clock just before the push call (CLOCK_MONOTONIC is system-wide on
    Linux, so a client process reads the same clock)."""
    await Ticks.apush({"room": ROOM}, {"seq": seq, "sent_ns": time.monotonic_ns()})
    return seq


FUNCTIONS = {"update_profile": update_profile, "aupdate_profile": aupdate_profile, "ping": ping, "fanout": fanout}


def _register() -> None:
    from mizan.core import client, registry

    for name, function in FUNCTIONS.items():
        registry.register(client(function), name)  # the same function again is a no-op (REG-3)
    register(Ticks, CHANNEL)


def fastapi_app() -> Any:
    """FastAPI with Mizan's router on PREFIX (its `/call/` and `/ws/`)."""
    from fastapi import FastAPI

    import mizan_fastapi

    _register()
    app = FastAPI()
    app.include_router(mizan_fastapi.router, prefix=PREFIX.rstrip("/"))
    return app


def django_settings() -> dict[str, Any]:
    """benchmarks._django_project's settings (default middleware, cookie sessions, DEBUG
    off) with this module's URLs, and the Channels layer: channels_redis on REDIS_ENV's URL
    when it is set, in-memory otherwise."""
    from benchmarks import _django_project as project

    url = os.environ.get(REDIS_ENV)
    layer = (
        {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [url]}}
        if url
        else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    )
    return {**project.settings_for(competitors=False), "ROOT_URLCONF": __name__, "CHANNEL_LAYERS": {"default": layer}}


def django_app() -> Any:
    """Django's ASGI application wrapped by `mizan.wrap_asgi`: HTTP to Django, `/ws/` to
    Mizan's Channels consumer."""
    import django
    from django.conf import settings
    from django.core.asgi import get_asgi_application

    import mizan

    settings.configure(**django_settings())
    django.setup()
    _register()
    return mizan.wrap_asgi(get_asgi_application(), prefix=PREFIX)


def __getattr__(name: str) -> Any:
    """`urlpatterns`, built when Django first reads it (`mount` imports Mizan's views,
    which need the settings configured)."""
    if name == "urlpatterns":
        from django.urls import path

        from benchmarks._call_workload import plain
        from mizan.urls import mount

        patterns = globals()["urlpatterns"] = [
            path(PLAIN_PATH.lstrip("/"), plain),
            mount(PREFIX.lstrip("/")),
        ]
        return patterns
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
