"""The conformance app as a module-level `app`: what `python -m mizan_fastapi.ir afi.fastapi_app`
imports for its registrations (AFI-8, AFI-9) and what uvicorn serves in the live run."""

from __future__ import annotations

from afi.fastapi_site import create_app

app = create_app()
