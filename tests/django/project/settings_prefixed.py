"""The test project served under a script prefix (`FORCE_SCRIPT_NAME`) with Mizan's
endpoints mounted at `edge/rpc/` (urls_prefixed.py), for `export_edge_manifest` (MAN-4)."""

from __future__ import annotations

from tests.django.project.settings import *  # noqa: F403

ROOT_URLCONF = "tests.django.project.urls_prefixed"
FORCE_SCRIPT_NAME = "/site"
