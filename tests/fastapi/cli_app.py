"""An application module for the export commands (FA-6): importing it registers the test
functions, as an application's `main` module would, and defines `app` (Mizan's router under
`/rpc`, not the default prefix) and `bare_app` (no Mizan router) for uvicorn's
`module:attribute` spelling. Imported only by subprocesses."""

from __future__ import annotations

from fastapi import FastAPI

import mizan_fastapi
from tests.fastapi.functions import FUNCTIONS

for _name, _fn_class in FUNCTIONS.items():
    mizan_fastapi.register(_fn_class, _name)

app = FastAPI()
app.include_router(mizan_fastapi.router, prefix="/rpc")
app.include_router(mizan_fastapi.routes_router)

bare_app = FastAPI()
settings = {"not": "an application"}

print("import-time output must not reach the document")
