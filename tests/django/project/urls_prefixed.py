"""The test project's URLconf with Mizan's endpoints under `edge/rpc/` instead of
`api/mizan/`, for `export_edge_manifest`'s base URL (MAN-4)."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("edge/rpc/", include("mizan.urls")),
    path("", include("mizan.routes")),
]
