"""The Django project served by the live WebSocket tests: two processes (Daphne and uvicorn)
over one SQLite file, with `channels_redis` as the channel layer (CHAN-6)."""
