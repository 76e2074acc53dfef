"""Mizan Tasks on FastAPI: the Django demo's API and pages served by `mizan_fastapi`, with
SQLite through `sqlite3` and a signed session cookie (see README.md beside it)."""
