from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("api/mizan/", include("mizan.urls")),
    path("", include("mizan.routes")),
]
