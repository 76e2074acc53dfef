"""Benchmark of `/call/` on FastAPI: Mizan's router against routes written by hand.

`python -m benchmarks.fastapi_call` sends the same call (`{"fn":"echo","args":{...}}`) to
one FastAPI app, straight through its ASGI interface (no socket, no client library, so only
the server side is timed), four ways, interleaved round by round:

- Mizan's `/api/mizan/call/` (`mizan_fastapi.router`);
- an idiomatic FastAPI route: a Pydantic body model, the function called, the model returned
  through `response_model`, `Cache-Control: no-store` set on the response;
- a bare Starlette route: `json.loads`, Pydantic validation of the arguments, canonical
  `json.dumps(sort_keys=True)`, a `Response` with the same headers;
- the same three with an `async def` function (Mizan runs it on the loop, a sync one in
  the threadpool, as FastAPI does).

Every route must answer the same bytes before timing starts. The backend is fixed when
`mizan` is imported, so the C extension and the pure twins each run in a subprocess.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from benchmarks._timing import micros, ratio, run_worker, table

BODY = b'{"fn":"echo","args":{"text":"hello","times":3}}'
ASYNC_BODY = b'{"fn":"aecho","args":{"text":"hello","times":3}}'
EXPECTED = b'{"result":{"text":"hellohellohello","times":3}}'
ROUNDS = 15
PER_ROUND = 400

App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


# Module level, so that FastAPI and Mizan can resolve the (postponed) annotations.
class Echo(BaseModel):
    text: str
    times: int


class EchoArgs(BaseModel):
    text: str
    times: int = 1


class CallBody(BaseModel):
    fn: str
    args: EchoArgs


class Result(BaseModel):
    result: Echo


def echo(request: Any, text: str, times: int = 1) -> Echo:
    return Echo(text=text * times, times=times)


async def aecho(request: Any, text: str, times: int = 1) -> Echo:
    return Echo(text=text * times, times=times)


def _build_app() -> Any:
    # Imported here: the backend (C or pure) is fixed when mizan is first imported.
    from fastapi import FastAPI

    import mizan_fastapi
    from mizan.core import client, registry

    registry.register(client(echo), "echo")
    registry.register(client(aecho), "aecho")
    app = FastAPI()
    app.include_router(mizan_fastapi.router, prefix="/api/mizan")

    @app.post("/fastapi/call/", response_model=Result)
    def fastapi_call(body: CallBody, response: Response) -> Result:
        response.headers["Cache-Control"] = "no-store"
        return Result(result=echo(None, body.args.text, body.args.times))

    @app.post("/fastapi/acall/", response_model=Result)
    async def fastapi_acall(body: CallBody, response: Response) -> Result:
        response.headers["Cache-Control"] = "no-store"
        return Result(result=await aecho(None, body.args.text, body.args.times))

    def starlette_payload(result: Echo) -> Response:
        content = json.dumps({"result": result.model_dump()}, sort_keys=True, separators=(",", ":"))
        return Response(content, media_type="application/json", headers={"Cache-Control": "no-store"})

    async def starlette_call(request: Request) -> Response:
        raw = await request.body()
        args = EchoArgs.model_validate(json.loads(raw)["args"])
        return starlette_payload(await asyncio.to_thread(echo, None, args.text, args.times))

    async def starlette_acall(request: Request) -> Response:
        raw = await request.body()
        args = EchoArgs.model_validate(json.loads(raw)["args"])
        return starlette_payload(await aecho(None, args.text, args.times))

    app.add_route("/starlette/call/", starlette_call, methods=["POST"])
    app.add_route("/starlette/acall/", starlette_acall, methods=["POST"])
    return app


async def _request(app: App, path: str, body: bytes) -> tuple[int, bytes]:
    """One POST through the ASGI interface, as a server would deliver it."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


ROUTES = {
    "mizan": ("/api/mizan/call/", BODY),
    "fastapi": ("/fastapi/call/", BODY),
    "starlette": ("/starlette/call/", BODY),
    "mizan async": ("/api/mizan/call/", ASYNC_BODY),
    "fastapi async": ("/fastapi/acall/", ASYNC_BODY),
    "starlette async": ("/starlette/acall/", ASYNC_BODY),
}


async def _measure(app: App) -> dict[str, float]:
    for name, (path, body) in ROUTES.items():
        status, content = await _request(app, path, body)
        if status != 200 or json.loads(content) != json.loads(EXPECTED):
            raise SystemExit(f"benchmarks.fastapi_call: {name} answered {status} {content!r}")
    samples: dict[str, list[float]] = {name: [] for name in ROUTES}
    for _ in range(ROUNDS):  # interleaved rounds: drift on a shared machine hits every route alike
        for name, (path, body) in ROUTES.items():
            start = time.perf_counter()
            for _ in range(PER_ROUND):
                await _request(app, path, body)
            samples[name].append((time.perf_counter() - start) / PER_ROUND)
    return {name: statistics.median(values) for name, values in samples.items()}


def _worker() -> dict[str, Any]:
    from mizan.core import _backend

    timings = asyncio.run(_measure(_build_app()))
    return {"backend": _backend.BACKEND, **timings}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        print(json.dumps(_worker()))
        return
    c, py = (run_worker("benchmarks.fastapi_call", pure, options.repeat) for pure in (False, True))
    if (c["backend"], py["backend"]) != ("c", "py"):
        sys.exit(f"benchmarks.fastapi_call: expected backends c and py, got {c['backend']} and {py['backend']}")
    rows = []
    for kind in ("", " async"):
        for name in ("mizan", "fastapi", "starlette"):
            key = f"{name}{kind}"
            rows.append([key, micros(c[key]), micros(py[key]), f"{1 / c[key]:,.0f}"])
        for rival in ("fastapi", "starlette"):
            key = f"{rival}{kind}"
            rows.append([f"  Mizan req/s ÷ {key} req/s", ratio(c[key], c[f"mizan{kind}"]), "", ""])
    print("one /call/ through the app's ASGI interface (FastAPI, no socket)")
    print(f"Python {platform.python_version()}, median of {ROUNDS} interleaved rounds of {PER_ROUND}\n")
    print(table(["route", "C (us)", "pure (us)", "C req/s"], rows))


if __name__ == "__main__":
    main()
