"""The test project's URLconf with Mizan's endpoints mounted by `mizan.urls.mount()`
instead of `include("mizan.urls")`, under `edge/rpc/` (and `api/mizan/` for the tests
written against it), for the flat mount's tests."""

from __future__ import annotations

from django.urls import include, path

from mizan.urls import mount

urlpatterns = [
    mount("edge/rpc/"),
    path("", include("mizan.routes")),
]
