"""The `http` group, in-process part: one `/call/` through FastAPI's ASGI interface, Mizan's
router against the routes a user would otherwise write.

`python -m benchmarks.fastapi_call` calls FastAPI applications (among them `build_app()`,
which `benchmarks.http_servers` serves under uvicorn) straight through their ASGI interface,
with no socket and no client library, so only the server side is measured. The same call
(`{"fn":"echo","args":{"text":"hello","times":3}}`) goes to

- Mizan's `/api/mizan/call/` (`mizan_fastapi.router`, included with a prefix as its
  documentation says), on the C extension and on the pure-Python twins (MIZAN_PURE=1, in
  its own process: the backend is fixed at import);
- an idiomatic FastAPI route: a Pydantic body model, the function called, the model
  returned through `response_model`, `Cache-Control: no-store` set on the response;
- a bare Starlette route: `json.loads`, Pydantic validation of the arguments, the canonical
  `json.dumps(sort_keys=True)` Mizan writes, a `Response` with the same headers;

each with a `def` function (FastAPI and Mizan run it in the threadpool, the Starlette route
with `asyncio.to_thread`) and an `async def` one (run on the loop); each route alone in an
app of its own (like for like: FastAPI tries an app's routes in order, and routing is part
of the cost; no competitor runs behind Mizan's router). Every route must answer 200 and the
same decoded JSON first. It reports callgrind instructions per request of the `async def` rows
(the `def` rows hop to a worker thread, which under valgrind takes ~0.5 s of wall time per
request: `--def-callgrind` counts them too), wall-time medians of interleaved rounds of
every row, and Mizan's endpoint taken apart.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, MutableMapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from benchmarks import _callgrind
from benchmarks._results import Chart, Goal, Results, Table, instructions, times
from benchmarks._timing import interleaved

ROOT = Path(__file__).resolve().parent.parent
MODULE = "benchmarks.fastapi_call"
BODY = b'{"fn":"echo","args":{"text":"hello","times":3}}'
ASYNC_BODY = b'{"fn":"aecho","args":{"text":"hello","times":3}}'
EXPECTED = b'{"result":{"text":"hellohellohello","times":3}}'
ROUNDS = 31
QUICK_ROUNDS = 7
BATCH_SECONDS = 0.01
# Requests per callgrind interval (a row serves 4x this: warm-up, n, 2n); fixed, so every
# run counts the same requests after the same heap history. 10 and 20 agree to 0.3 %; 5 is
# not yet steady (3-8 % lower on every row), so --quick keeps 10 too.
CALLGRIND_REQUESTS = 10
# Issue 8, G7: Mizan's /call/ >= 1.0x the req/s of the idiomatic FastAPI route and <= 1.05x
# the instructions of a bare Starlette route.
AIM_VS_FASTAPI_RPS = 1.0
AIM_VS_STARLETTE_IR = 1.05


@dataclass(frozen=True)
class Row:
    label: str
    path: str
    body: bytes
    threaded: bool  # a `def` function: served through an event loop, the body in a worker thread


ROWS: dict[str, Row] = {
    "mizan": Row("Mizan /call/, def", "/api/mizan/call/", BODY, True),
    "fastapi": Row("FastAPI route, def", "/fastapi/call/", BODY, True),
    "starlette": Row("Starlette route, def", "/starlette/call/", BODY, True),
    "mizan async": Row("Mizan /call/, async def", "/api/mizan/call/", ASYNC_BODY, False),
    "fastapi async": Row("FastAPI route, async def", "/fastapi/acall/", ASYNC_BODY, False),
    "starlette async": Row("Starlette route, async def", "/starlette/acall/", ASYNC_BODY, False),
}
# For reference, counted only: Mizan's endpoint added to the app as a bare Starlette route,
# without `include_router` (FastAPI's dependencies would not apply to it).
REFERENCE = {
    "mizan plain async": Row(
        "Mizan's endpoint as a bare Starlette route, async def", "/api/mizan/call/", ASYNC_BODY, False
    )
}
KINDS = {"def": "", "async def": " async"}  # function kind -> row-name suffix
# Where a route is served from. Routing is part of a request's cost, and FastAPI tries an
# app's routes in order: in a shared app every route behind Mizan's router pays for trying
# it (~62k Ir a request, issue 20), so each row is measured alone in an app of its own:
# the FastAPI and Starlette routes without Mizan's router, Mizan's router without them.
PLACEMENTS = {"alone": "each route alone in its own app"}


# --- the application -------------------------------------------------------------------------


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


def fastapi_call(body: CallBody, response: Response) -> Result:
    response.headers["Cache-Control"] = "no-store"
    return Result(result=echo(None, body.args.text, body.args.times))


async def fastapi_acall(body: CallBody, response: Response) -> Result:
    response.headers["Cache-Control"] = "no-store"
    return Result(result=await aecho(None, body.args.text, body.args.times))


def _starlette_payload(result: Echo) -> Response:
    content = json.dumps({"result": result.model_dump()}, sort_keys=True, separators=(",", ":"))
    return Response(content, media_type="application/json", headers={"Cache-Control": "no-store"})


async def starlette_call(request: Request) -> Response:
    raw = await request.body()
    args = EchoArgs.model_validate(json.loads(raw)["args"])
    return _starlette_payload(await asyncio.to_thread(echo, None, args.text, args.times))


async def starlette_acall(request: Request) -> Response:
    raw = await request.body()
    args = EchoArgs.model_validate(json.loads(raw)["args"])
    return _starlette_payload(await aecho(None, args.text, args.times))


def build_app() -> Any:
    """The shared application (also `uvicorn --factory benchmarks.fastapi_call:build_app`
    in benchmarks.http_servers): Mizan's router included first, as an application mounts
    it, then the hand-written routes."""
    # Imported here: the backend (C or pure) is fixed when mizan is first imported.
    from fastapi import FastAPI

    import mizan_fastapi

    _register()
    app = FastAPI()
    app.include_router(mizan_fastapi.router, prefix="/api/mizan")
    app.post("/fastapi/call/", response_model=Result)(fastapi_call)
    app.post("/fastapi/acall/", response_model=Result)(fastapi_acall)
    app.add_route("/starlette/call/", starlette_call, methods=["POST"])
    app.add_route("/starlette/acall/", starlette_acall, methods=["POST"])
    return app


def _register() -> None:
    from mizan.core import client, registry

    registry.register(client(echo), "echo")  # the same function again is a no-op (REG-3)
    registry.register(client(aecho), "aecho")


def alone_app(name: str) -> Any:
    """An app serving only the route of row `name` (Mizan: its router, included as in
    `build_app`)."""
    from fastapi import FastAPI

    import mizan_fastapi
    from mizan_fastapi.router import ALL_METHODS, call

    _register()
    app = FastAPI()
    kind = name.split()[0]
    if kind == "mizan" and name in REFERENCE:
        app.add_route("/api/mizan/call/", call, methods=list(ALL_METHODS))
    elif kind == "mizan":
        app.include_router(mizan_fastapi.router, prefix="/api/mizan")
    elif kind == "fastapi":
        app.post(ROWS[name].path, response_model=Result)(fastapi_acall if name.endswith("async") else fastapi_call)
    else:
        app.add_route(ROWS[name].path, starlette_acall if name.endswith("async") else starlette_call, methods=["POST"])
    return app


# --- serving one request ---------------------------------------------------------------------


def http_scope(path: str, body: bytes) -> dict[str, Any]:
    """The scope uvicorn builds for `POST path` with a JSON body of `body`'s length."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": "POST",
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "state": {},
    }


class Exchange:
    """One request's ASGI conversation: the body in one message, the response collected."""

    def __init__(self, path: str, body: bytes) -> None:
        self.scope = http_scope(path, body)
        self.body = body
        self.received = False
        self.status = 0
        self.chunks: list[bytes] = []

    async def receive(self) -> dict[str, Any]:
        if self.received:  # the body was read: what a server sends next is the disconnect
            return {"type": "http.disconnect"}
        self.received = True
        return {"type": "http.request", "body": self.body, "more_body": False}

    async def send(self, message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))

    def answer(self) -> tuple[int, bytes]:
        return self.status, b"".join(self.chunks)


def drive(awaitable: Awaitable[Any]) -> Any:
    """Run a coroutine that never waits for the event loop (an `async def` row: nothing is
    awaited but other coroutines) to completion without a loop, as a loop would."""
    coroutine = cast(Coroutine[Any, Any, Any], awaitable)
    try:
        coroutine.send(None)
    except StopIteration as stop:
        return stop.value
    coroutine.close()
    raise RuntimeError("the coroutine waited for the event loop: it needs one")


def serve(app: Any, row: Row, loop: asyncio.AbstractEventLoop) -> tuple[int, bytes]:
    """One request of `row` through the app's ASGI interface: the status and the body.
    A `def` row goes through `loop` (its function runs in a worker thread, which needs a
    running loop); an `async def` row is driven directly."""
    exchange = Exchange(row.path, row.body)
    call = app(exchange.scope, exchange.receive, exchange.send)
    if row.threaded:
        loop.run_until_complete(call)
    else:
        drive(call)
    return exchange.answer()


def namespace(keys: tuple[str, ...], parts: bool = False) -> dict[str, Any]:
    """What the statements measured use (`serve(APPS[app], ROW[key], LOOP)`) for `keys`
    (`row@placement`), after each answered 200 and `EXPECTED`; with `parts`, Mizan's
    endpoint in pieces (`PARTS`). Only the keys measured are built and checked: a `def`
    row's hop to a worker thread is slow under valgrind."""
    rows = {**ROWS, **REFERENCE}
    apps: dict[str, Any] = {}
    for key in keys:
        name, placement = key.split("@")
        app_key = _app_key(name, placement)
        if app_key not in apps:
            apps[app_key] = alone_app(name)
    loop, expected = asyncio.new_event_loop(), json.loads(EXPECTED)
    for key in keys:
        name, placement = key.split("@")
        status, content = serve(apps[_app_key(name, placement)], rows[name], loop)
        if status != 200 or json.loads(content) != expected:
            raise SystemExit(f"{MODULE}: {key} answered {status} {content!r}")
    ns: dict[str, Any] = {"serve": serve, "APPS": apps, "ROW": rows, "LOOP": loop}
    if parts:
        ns["PARTS"] = _parts()
    return ns


def _app_key(name: str, placement: str) -> str:
    return f"{placement}:{name}"


# --- Mizan's endpoint, piece by piece --------------------------------------------------------

# name -> (label, the reference subtracted: "request" for pieces that take a fresh Request).
PARTS: dict[str, tuple[str, str | None]] = {
    "endpoint": ("Mizan's endpoint (mizan_fastapi.router.call)", "request"),
    "token": ("  headers and token lookup (none sent)", None),
    "body": ("  reading the body", "request"),
    "pipeline": ("  core pipeline: run_async(call_pipeline(...))", None),
    "function": ("    of which the user function, aecho(...)", None),
    "response": ("  the Starlette response (to_starlette)", None),
    "send": ("sending the response (2 ASGI messages)", None),
    "starlette endpoint": ("for comparison: the Starlette route's endpoint", "request"),
}


def _parts() -> dict[str, Callable[[], Any]]:
    """The pieces of `mizan_fastapi.router.call` (the async row) as separate calls, each on
    a fresh Request where it needs one; `request` is the reference subtracted."""
    from mizan.core.executor import call_pipeline, run_async
    from mizan.core.tokens import authenticate_mwt
    from mizan_fastapi import translate
    from mizan_fastapi.conf import get_settings
    from mizan_fastapi.router import call as endpoint

    row, settings = ROWS["mizan async"], get_settings()
    scope = http_scope(row.path, row.body)  # for the pieces that only read it

    def request() -> Request:
        exchange = Exchange(row.path, row.body)
        return Request(exchange.scope, exchange.receive, exchange.send)

    async def discard(message: MutableMapping[str, Any]) -> None:
        pass

    known = request()
    core = drive(run_async(call_pipeline(known, row.body, settings)))
    response = translate.to_starlette(core)

    return {
        "request": request,
        "endpoint": lambda: drive(endpoint(request())),
        "token": lambda: authenticate_mwt(translate.call_headers(scope).token, settings.mwt),
        "body": lambda: drive(translate.read_body(request(), settings.max_body_bytes, str(len(row.body)))),
        "pipeline": lambda: drive(run_async(call_pipeline(known, row.body, settings))),
        "function": lambda: drive(aecho(None, "hello", 3)),
        "response": lambda: translate.to_starlette(core),
        "send": lambda: drive(response(scope, known.receive, discard)),
        "starlette endpoint": lambda: drive(starlette_acall(request())),
    }


# --- the statements measured -----------------------------------------------------------------


def _statements(keys: tuple[str, ...], parts: bool) -> dict[str, str]:
    ops = {}
    for key in keys:
        name, placement = key.split("@")
        ops[key] = f"serve(APPS[{_app_key(name, placement)!r}], ROW[{name!r}], LOOP)"
    if parts:
        ops.update({f"part|{name}": f"PARTS[{name!r}]()" for name in ("request", *PARTS)})
    return ops


def _setup(keys: tuple[str, ...], parts: bool) -> str:
    return f"from {MODULE} import namespace\nglobals().update(namespace({keys!r}, parts={parts}))\n"


def _env(pure: bool) -> dict[str, str]:
    return {"MIZAN_PURE": "1" if pure else "0"}


def _callgrind_counts(pure: bool, keys: tuple[str, ...]) -> dict[str, float]:
    """Ir per request of `keys` (and, on C, Mizan's endpoint in pieces) in one callgrind child."""
    parts = not pure
    return _callgrind.measure(_setup(keys, parts), _statements(keys, parts), CALLGRIND_REQUESTS, _env(pure))


def _wall_worker(rounds: int) -> dict[str, Any]:
    """Wall time of every row in both placements, interleaved, in this process (its
    backend: MIZAN_PURE)."""
    from mizan.core import _backend

    keys = tuple(f"{name}@{placement}" for placement in PLACEMENTS for name in ROWS)
    ns = namespace(keys)
    fns: dict[str, Callable[[], Any]] = {}
    for key in keys:
        name, placement = key.split("@")
        fns[key] = functools.partial(serve, ns["APPS"][_app_key(name, placement)], ROWS[name], ns["LOOP"])
    return {"backend": _backend.BACKEND, "seconds": interleaved(fns, rounds, BATCH_SECONDS)}


def _run_worker(pure: bool, rounds: int) -> dict[str, Any]:
    env = {**os.environ, **_env(pure)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))
    command = [sys.executable, "-m", MODULE, "--worker", "--rounds", str(rounds)]
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join(result.stderr.splitlines()[-15:])
        raise RuntimeError(f"{MODULE}: the {'pure' if pure else 'C'} worker failed (exit {result.returncode}):\n{tail}")
    answer: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    if answer["backend"] != ("py" if pure else "c"):
        raise SystemExit(f"{MODULE}: the {'pure' if pure else 'C'} worker ran on backend {answer['backend']}")
    return answer


# --- the report ------------------------------------------------------------------------------

Measured = dict[str, dict[str, float]]  # backend (c, pure) -> "row@placement" -> value
# Table rows of one function kind: (row prefix, backend, label).
LINES = (
    ("mizan", "c", "Mizan /call/ (C)"),
    ("mizan", "pure", "Mizan /call/ (pure)"),
    ("fastapi", "c", "idiomatic FastAPI route"),
    ("starlette", "c", "bare Starlette route"),
)


def _kinds(values: Measured) -> list[tuple[str, str]]:
    """The function kinds measured in `values`: (kind, row-name suffix)."""
    return [(kind, suffix) for kind, suffix in KINDS.items() if f"mizan{suffix}@alone" in values["c"]]


def _ir_table(ir: Measured) -> Table:
    rows = []
    for kind, suffix in _kinds(ir):
        for prefix, backend, label in LINES:
            cells = [f"{label}, {kind}"]
            for placement in PLACEMENTS:
                value = ir[backend][f"{prefix}{suffix}@{placement}"]
                cells += [instructions(value), times(value / ir["c"][f"starlette{suffix}@{placement}"])]
            rows.append(cells)
    reference = ir["c"].get("mizan plain async@alone")
    if reference is not None:
        starlette = ir["c"]["starlette async@alone"]
        rows.append([f"for reference: {REFERENCE['mizan plain async'].label}", instructions(reference)])
        rows[-1].append(times(reference / starlette))
    return Table(
        "callgrind instructions per request (Ir), ASGI in-process",
        ["route", "alone (Ir)", "/ Starlette"],
        rows,
        note=(
            "Each route the only route of its app (like for like: no FastAPI or Starlette route sits behind "
            "Mizan's router, none in front of it). The FastAPI and Starlette rows are counted in the C process "
            "(they run no Mizan code). The reference row is "
            "Mizan's endpoint without include_router: it shows what FastAPI's included-router and APIRoute "
            "machinery costs, which Mizan keeps so that include_router(dependencies=...) applies."
        ),
    )


def _parts_table(parts: Mapping[str, float], whole: float) -> Table:
    rows = [["the whole request (Mizan /call/, async def, C, alone in its app)", instructions(whole)]]
    pieces = {name: parts[name] - (parts[reference] if reference else 0) for name, (_, reference) in PARTS.items()}
    around = whole - pieces["endpoint"] - pieces["send"]
    rows.append(["FastAPI around the endpoint: middleware, routing, its Request (the rest)", instructions(around)])
    rows += [[label, instructions(pieces[name])] for name, (label, _) in PARTS.items()]
    return Table(
        "Mizan's /call/ taken apart (async def row, C): Ir per call",
        ["piece", "Ir"],
        rows,
        note=(
            f"Each piece called alone; building a fresh Request ({instructions(parts['request'])} Ir, the scope "
            "included) is subtracted where the piece needs one."
        ),
    )


def _wall_table(wall: Measured, rounds: int) -> Table:
    rows = []
    for kind, suffix in KINDS.items():
        for prefix, backend, label in LINES:
            cells = [f"{label}, {kind}"]
            for placement in PLACEMENTS:
                seconds = wall[backend][f"{prefix}{suffix}@{placement}"]
                # Each row against the rivals of its own process (the pure rows ran in their own).
                fastapi = wall[backend][f"fastapi{suffix}@{placement}"]
                starlette = wall[backend][f"starlette{suffix}@{placement}"]
                cells += [f"{seconds * 1e6:.1f}", times(fastapi / seconds), times(starlette / seconds)]
            rows.append(cells)
    columns = ["route"]
    for placement in PLACEMENTS:
        columns += [f"{placement}: us", "req/s / FastAPI's", "/ Starlette's"]
    return Table(
        f"wall time per request, median of {rounds} interleaved rounds",
        columns,
        rows,
        note=(
            "async def rows are driven without an event loop (nothing in them waits for one); def rows go through "
            "loop.run_until_complete, their function in a worker thread. The pure rows ran in their own process, "
            "interleaved with that process's own FastAPI and Starlette rows, and are compared with those."
        ),
    )


def _goals(ir: Measured | None, wall: Measured) -> list[Goal]:
    goals = []
    for kind, suffix in KINDS.items():

        def rps(backend: str, placement: str, suffix: str = suffix) -> float:
            return wall[backend][f"fastapi{suffix}@{placement}"] / wall[backend][f"mizan{suffix}@{placement}"]

        goals.append(
            Goal(
                "G7",
                f"Mizan's /call/ >= {AIM_VS_FASTAPI_RPS:g}x the req/s of the idiomatic FastAPI route ({kind}), "
                "in-process, each alone in its app (over HTTP: benchmarks.http_servers)",
                f"C {rps('c', 'alone'):.2f}x, pure {rps('pure', 'alone'):.2f}x FastAPI's req/s",
                rps("c", "alone") >= AIM_VS_FASTAPI_RPS,
            )
        )
    if ir is None:
        goals.append(Goal("G7", "Ir vs a bare Starlette route", "no instruction counts in this run", None))
        return goals
    for kind, suffix in _kinds(ir):

        def ratio(backend: str, placement: str, suffix: str = suffix) -> float:
            return ir[backend][f"mizan{suffix}@{placement}"] / ir["c"][f"starlette{suffix}@{placement}"]

        goals.append(
            Goal(
                "G7",
                f"Mizan's /call/ <= {AIM_VS_STARLETTE_IR}x the instructions of a bare Starlette route ({kind}), "
                "each alone in its app",
                f"C {ratio('c', 'alone'):.3f}x, pure {ratio('pure', 'alone'):.3f}x the Starlette route's Ir",
                ratio("c", "alone") <= AIM_VS_STARLETTE_IR,
            )
        )
    return goals


def _charts(ir: Measured | None, wall: Measured) -> list[Chart]:
    charts = []
    if ir is not None:
        charts.append(
            Chart(
                "fastapi-call-ir",
                "One /call/ (async def) through FastAPI in-process: instructions per request (lower is cheaper)",
                "bar",
                "instructions per request (callgrind Ir)",
                {
                    PLACEMENTS[placement]: [
                        (label, ir[backend][f"{prefix} async@{placement}"]) for prefix, backend, label in LINES
                    ]
                    for placement in PLACEMENTS
                },
            )
        )
    charts.append(
        Chart(
            "fastapi-call-rps",
            "One /call/ through FastAPI in-process, each route alone in its app: req/s relative to the FastAPI route",
            "bar",
            "x the FastAPI route's req/s (higher is faster)",
            {
                kind: [
                    (label, wall[backend][f"fastapi{suffix}@alone"] / wall[backend][f"{prefix}{suffix}@alone"])
                    for prefix, backend, label in LINES
                ]
                for kind, suffix in KINDS.items()
            },
        )
    )
    return charts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"interleaved timing rounds (default {ROUNDS})")
    parser.add_argument("--quick", action="store_true", help="fewer timing rounds (development)")
    parser.add_argument("--no-callgrind", action="store_true", help="wall time only")
    parser.add_argument(
        "--def-callgrind", action="store_true", help="also count the def rows (slow: minutes under valgrind)"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        print(json.dumps(_wall_worker(options.rounds)))
        return

    started = time.perf_counter()
    rounds = QUICK_ROUNDS if options.quick else options.rounds
    skipped: list[str] = []
    callgrind_reason = "--no-callgrind given" if options.no_callgrind else _callgrind.unavailable()
    if callgrind_reason is not None:
        skipped.append(f"instructions: {callgrind_reason}")
    elif not options.def_callgrind:
        skipped.append(
            "instructions of the def rows: their hop to a worker thread takes ~0.5 s of wall time per request "
            "under valgrind; --def-callgrind counts them"
        )
    counted = tuple(name for name, row in ROWS.items() if options.def_callgrind or not row.threaded)
    keys = tuple(f"{name}@{placement}" for placement in PLACEMENTS for name in counted)

    # Instruction counts do not depend on wall time: both children run at once (one per
    # core); wall time is taken afterwards, with nothing else of this run going on.
    ir: Measured | None = None
    parts: dict[str, float] = {}
    if callgrind_reason is None:
        mizan_keys = tuple(key for key in keys if key.startswith("mizan"))
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures: dict[str, Future[dict[str, float]]] = {
                "c": pool.submit(_callgrind_counts, False, (*keys, "mizan plain async@alone")),
                "pure": pool.submit(_callgrind_counts, True, mizan_keys),
            }
            ir = {}
            for backend, future in futures.items():
                values = future.result()
                parts.update({key[5:]: value for key, value in values.items() if key.startswith("part|")})
                ir[backend] = {key: value for key, value in values.items() if not key.startswith("part|")}
    wall: Measured = {"c": _run_worker(False, rounds)["seconds"], "pure": _run_worker(True, rounds)["seconds"]}

    results = Results(
        group="http",
        module="fastapi_call",
        title="one /call/ through FastAPI in-process: Mizan's router against a FastAPI route and a Starlette route",
        method=(
            "FastAPI applications called through their ASGI interface with the scope uvicorn builds and the "
            f"{len(BODY)}-byte body in one message: each route alone in its own app (Mizan's router included "
            "under /api/mizan as its documentation says, in an app with nothing else; the FastAPI and Starlette "
            "routes each in an app without Mizan's router). Every route answers 200 and the same "
            "decoded JSON first. async def rows are driven without an event loop (nothing in them waits for "
            "one), def rows through loop.run_until_complete (the function in a worker thread). Instructions: "
            f"callgrind Ir per request ({CALLGRIND_REQUESTS} requests per interval, PYTHONHASHSEED=0, loop cost "
            f"subtracted). Wall time: medians of {rounds} interleaved rounds, in "
            "one process per backend (MIZAN_PURE); on a shared machine they move with the neighbours, the "
            "instruction counts do not."
        ),
        skipped=skipped,
    )
    if ir is not None:
        results.tables += [_ir_table(ir), _parts_table(parts, ir["c"]["mizan async@alone"])]
    results.tables.append(_wall_table(wall, rounds))
    results.goals += _goals(ir, wall)
    results.charts += _charts(ir, wall)
    results.emit()
    print(f"\n{MODULE}: {time.perf_counter() - started:.0f} s")


def check_counts() -> dict[str, float]:
    """Ir per request of Mizan's async /call/ (C), its router alone in an app; for `make
    bench-check`."""
    keys = ("mizan async@alone",)
    counts = _callgrind.measure(_setup(keys, False), _statements(keys, False), CALLGRIND_REQUESTS, _env(False))
    return {"fastapi: mizan async /call/ (C)": counts[keys[0]]}


if __name__ == "__main__":
    main()
