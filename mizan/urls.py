"""Mizan's endpoints (PROTOCOL §2.1). Mount them in the project's URLconf with

    path("api/mizan/", include("mizan.urls")),

or, resolving a request as cheaply as one flat `path()` does (the same URLs and names),

    mizan.urls.mount("api/mizan/"),
"""

from __future__ import annotations

import sys
from typing import Any

from django.urls import URLPattern, URLResolver, path
from django.urls.resolvers import ResolverMatch, RoutePattern

from mizan import views
from mizan.apps import require_installed

require_installed("mizan.urls")

app_name = "mizan"

urlpatterns = [
    path("call/", views.call, name="call"),
    path("ctx/<str:name>/", views.context, name="ctx"),
    path("session/", views.session, name="session"),
]


class MountedResolver(URLResolver):
    """`path(prefix, include("mizan.urls"))` with a resolve() that finds Mizan's endpoint
    in one step.

    Django's include() nests a resolver: the request's path is matched against the
    prefix, then against each of Mizan's patterns in turn, and a ResolverMatch is built
    at each level. Here a path of a pattern without converters (`call/`, `session/`) is
    one dict lookup, a converter pattern (`ctx/<str:name>/`) is tried alone, and the one
    match returned is the one include() would return (same view, kwargs, route, names
    and `tried`). Anything else (a 404) goes through include()'s own code. Reversing
    (`reverse("mizan:call")`) and the system checks see an ordinary URLResolver.
    """

    def __init__(self, prefix: str) -> None:
        super().__init__(
            RoutePattern(prefix, is_endpoint=False), sys.modules[__name__], app_name=app_name, namespace=app_name
        )
        self._prefix = prefix
        # Built on the first request: each pattern with the `tried` list include() reports
        # for it (every pattern before it, then itself).
        self._exact: dict[str, tuple[URLPattern, list[list[Any]]]] | None = None
        self._converted: list[tuple[URLPattern, list[list[Any]]]] = []

    def _index(self) -> dict[str, tuple[URLPattern, list[list[Any]]]]:
        exact: dict[str, tuple[URLPattern, list[list[Any]]]] = {}
        patterns = list(self.url_patterns)
        for position, pattern in enumerate(patterns):
            tried = [[earlier] for earlier in patterns[: position + 1]]
            if not isinstance(pattern, URLPattern):
                continue
            route = pattern.pattern
            if isinstance(route, RoutePattern) and not route.converters:
                # In include()'s order no earlier pattern matches this exact path: the
                # converter pattern needs its own fixed prefix (`ctx/`).
                exact[str(route)] = (pattern, tried)
            else:
                self._converted.append((pattern, tried))
        self._exact = exact
        return exact

    def resolve(self, path: Any) -> ResolverMatch:
        path = str(path)
        if path.startswith(self._prefix):
            exact = self._exact if self._exact is not None else self._index()
            rest = path[len(self._prefix) :]
            found = exact.get(rest)
            if found is not None:  # _match() inlined: the hot path of every /call/
                pattern, tried = found
                return ResolverMatch(
                    pattern.callback,
                    (),
                    {**pattern.default_args},
                    pattern.name,
                    [self.app_name],
                    [self.namespace],
                    rest,
                    list(tried),
                    captured_kwargs={},
                    extra_kwargs=pattern.default_args,
                )
            for pattern, tried in self._converted:
                matched = pattern.pattern.match(rest)
                if matched:
                    return self._match(pattern, tried, matched[1], matched[2])
        return super().resolve(path)

    def _match(
        self, pattern: URLPattern, tried: list[list[Any]], args: tuple[Any, ...], captured: dict[str, Any]
    ) -> ResolverMatch:
        """The match include() returns: URLPattern.resolve()'s, with this resolver's
        names added, built once instead of at both levels."""
        return ResolverMatch(
            pattern.callback,
            args,
            {**captured, **pattern.default_args},
            pattern.name,
            [self.app_name],
            [self.namespace],
            str(pattern.pattern),
            list(tried),
            captured_kwargs=captured,
            extra_kwargs=pattern.default_args,
        )


def mount(prefix: str = "api/mizan/") -> MountedResolver:
    """Mizan's endpoints under `prefix`, for a project's `urlpatterns`.

    The same URLs, names (`mizan:call`, `mizan:ctx`, `mizan:session`) and matches as
    `path(prefix, include("mizan.urls"))`, resolved in one step instead of a nested
    resolver's loop.

    Args:
        prefix: the route before Mizan's endpoints, as `path()` takes it (no leading
            slash, a trailing one).
    """
    return MountedResolver(prefix)
