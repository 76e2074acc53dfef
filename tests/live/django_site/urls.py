from __future__ import annotations

from django.urls import include, path

from tests.live.django_site.views import login_as

urlpatterns = [
    path("api/mizan/", include("mizan.urls")),
    path("live-test/login/", login_as),
    path("", include("mizan.routes")),  # touch_note_page
]
