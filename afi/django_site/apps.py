"""Registers the shared fixture in `AppConfig.ready()` (AFI-7)."""

from __future__ import annotations

from django.apps import AppConfig


class AfiConfig(AppConfig):
    name = "afi.django_site"
    label = "afi_site"

    def ready(self) -> None:
        from django.http import HttpResponse

        from afi.channel_fixture import register_channel_fixture
        from afi.fixture import register_fixture
        from mizan.core import registry

        register_fixture(registry.register, HttpResponse)
        register_channel_fixture(registry.register)
