from __future__ import annotations

from django.urls import include, path

from afi.django_site.views import login_as

urlpatterns = [
    path("api/mizan/", include("mizan.urls")),
    path("afi-test/login/", login_as),  # the live run's native identities (afi/live.py)
    path("", include("mizan.routes")),
]
