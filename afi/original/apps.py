"""Registers the shared fixture with the original's registry in `AppConfig.ready()` (AFI-7)."""

from __future__ import annotations

from django.apps import AppConfig


class OriginalConfig(AppConfig):
    name = "afi.original"
    label = "afi_original"

    def ready(self) -> None:
        from django.http import HttpResponse
        from izana.cache import MemoryCache, set_cache
        from izana.setup import register

        from afi.fixture import register_fixture
        from afi.original.toolkit import ORIGINAL

        # The original only builds a Redis backend from settings; `memory://` (Mizan's
        # CACHE-2) has no equivalent there, so its MemoryCache is installed directly.
        set_cache(MemoryCache())
        register_fixture(register, HttpResponse, ORIGINAL)
