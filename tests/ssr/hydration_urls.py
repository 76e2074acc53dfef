"""A page rendered with `context_props` (SSR-4), beside the `/ctx/` it shares the cache with."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import include, path

from mizan.ssr import context_props


def profile_page(request: HttpRequest, user_id: int) -> HttpResponse:
    return render(request, "Hello.jsx", {"title": "Profile", **context_props(request, "cached", user_id=user_id)})


urlpatterns = [
    path("profile-page/<int:user_id>/", profile_page),
    path("api/mizan/", include("mizan.urls")),
]
