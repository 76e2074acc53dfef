"""URL patterns of the `route=` functions; mount at the site root with
`path("", include("mizan.routes"))` (VIEW-2).

The patterns are built from the registry when Django first resolves a URL (after
autodiscovery), through the module-level `__getattr__` of PEP 562.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path

from mizan.apps import require_installed
from mizan.core.registry import get_all_functions
from mizan.views import route_view

require_installed("mizan.routes")


def build_patterns() -> list[URLPattern]:
    """One pattern per registered function with `route=`, in name order. Routes use
    Django's path syntax (`<int:user_id>`, VIEW-3) and are absolute."""
    patterns = []
    for name, fn_class in sorted(get_all_functions().items()):
        route = fn_class._options.route
        if route is not None:
            patterns.append(path(route.removeprefix("/"), route_view(name, fn_class), name=f"mizan-route-{name}"))
    return patterns


def __getattr__(attribute: str) -> Any:
    if attribute == "urlpatterns":
        return build_patterns()
    raise AttributeError(attribute)
