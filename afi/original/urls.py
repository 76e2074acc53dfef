"""The original's endpoints at its own prefix, the equivalent of Mizan's `api/mizan/`.

The original has no URL module for `route=` functions (Mizan's `mizan.routes`, VIEW-2), so
nothing else is mounted: the transcript's route steps reach no view here.
"""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("api/izana/", include("izana.urls")),
]
