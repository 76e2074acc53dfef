"""App config of the demo app."""

from __future__ import annotations

from django.apps import AppConfig


class DemoAppConfig(AppConfig):
    name = "demo_app"
    verbose_name = "Mizan demo"
