"""The test project plus a single-module app (`plain_app.py`), for the DISC-1 startup test."""

from __future__ import annotations

from tests.django.project.settings import *  # noqa: F403
from tests.django.project.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.django.project.plain_app"]
