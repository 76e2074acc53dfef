"""The test project plus an app whose `clients` module defines a form (FORM-1 discovery)."""

from __future__ import annotations

from tests.django.project.settings import *  # noqa: F403
from tests.django.project.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.django.project.formsapp"]
