"""Registers the live tests' functions when Django starts."""

from __future__ import annotations

from django.apps import AppConfig


class LiveSiteConfig(AppConfig):
    name = "tests.live.django_site"
    label = "live_site"

    def ready(self) -> None:
        from django.http import HttpResponse

        from tests.live.functions import register_functions

        register_functions(HttpResponse)
