"""Mizan's endpoints; mount with `path("api/mizan/", include("mizan.urls"))` (PROTOCOL §2.1)."""

from __future__ import annotations

from django.urls import path

from mizan import views
from mizan.apps import require_installed

require_installed("mizan.urls")

app_name = "mizan"

urlpatterns = [
    path("call/", views.call, name="call"),
    path("ctx/<str:name>/", views.context, name="ctx"),
    path("session/", views.session, name="session"),
]
