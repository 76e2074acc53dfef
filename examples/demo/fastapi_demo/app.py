"""The FastAPI twin of the Mizan Tasks demo: `uvicorn fastapi_demo.app:app` from
`examples/demo/` (or `make demo-fastapi`).

Mizan's endpoints are under `/api/mizan/` (calls, contexts, the WebSocket), the pages at
the root, the browser runtime at `/static/mizan/client.js` and the demo's bundle under
`/static/demo/`. Environment:

    MIZAN_DEMO_FASTAPI_DB       SQLite file (default examples/demo/fastapi_demo.sqlite3)
    MIZAN_DEMO_SESSION_SECRET   signs the session cookies (default: random per process)
    MIZAN_MWT_SECRET, MIZAN_CACHE_SECRET   Mizan's secrets (default: random per process)
    MIZAN_DEMO_REDIS_URL        Redis for the origin cache and the pushes (default: in process)
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Final

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.staticfiles import StaticFiles

import mizan
import mizan_fastapi
from fastapi_demo import functions, store
from fastapi_demo.auth import SessionMiddleware
from fastapi_demo.pages import STATIC_DIR, pages

MAX_UPLOAD_BYTES: Final = 1024 * 1024  # 1 MiB, as the Django demo's MIZAN_MAX_UPLOAD_BYTES
CLIENT_DIR: Final = Path(mizan.__file__).resolve().parent / "static" / "mizan"


def secret(name: str) -> str:
    """The secret in environment variable `name`, or a random one for this process."""
    return os.environ.get(name) or secrets.token_urlsafe(32)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Create and seed the database when the server starts (not at import: exporting the
    IR or the manifest imports the app and must not write a database)."""
    await run_in_threadpool(store.init_db)
    yield


def create_app() -> FastAPI:
    """Configure Mizan, register the functions, build the app (the database is set up at
    start-up, `lifespan`)."""
    redis_url = os.environ.get("MIZAN_DEMO_REDIS_URL")
    mizan_fastapi.configure(
        mwt_secret=secret("MIZAN_MWT_SECRET"),
        cache_secret=secret("MIZAN_CACHE_SECRET"),
        cache_redis_url=redis_url or "memory://",
        broadcast_url=redis_url,
        max_upload_bytes=MAX_UPLOAD_BYTES,
    )
    functions.register_all()
    app = FastAPI(title="Mizan Tasks (FastAPI)", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.include_router(mizan_fastapi.router, prefix="/api/mizan")
    app.include_router(pages)
    app.mount("/static/mizan", StaticFiles(directory=CLIENT_DIR, check_dir=False), name="mizan-static")
    app.mount("/static/demo", StaticFiles(directory=STATIC_DIR, check_dir=False), name="demo-static")
    app.add_middleware(SessionMiddleware)
    return app


app = create_app()
