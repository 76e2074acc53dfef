"""URLs of the demo: Mizan's endpoints under /api/mizan/ (PROTOCOL §2.1)."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("api/mizan/", include("mizan.urls")),
]
