"""URLs of the demo: the pages, sign-in and sign-out, and Mizan's endpoints under /api/mizan/."""

from __future__ import annotations

from demo_app import views
from django.contrib.auth import views as auth_views
from django.urls import path

import mizan.urls

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="demo/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("lists/<int:list_id>/", views.board, name="board"),
    path("plain/", views.plain, name="plain"),
    mizan.urls.mount("api/mizan/"),
]
