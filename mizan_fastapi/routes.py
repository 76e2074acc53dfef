"""`route=` functions at their own paths on FastAPI (PROTOCOL §3.5, VIEW-2..7, FA-1).

Routes are declared in Django's path syntax (VIEW-3) and translated here: `<int:x>` and
`<str:x>` map onto Starlette's own converters, `slug`, `uuid` and `path` onto converters
registered under `mizan_*` names that match exactly what Django's do.

`mizan_fastapi.routes_router` builds an `APIRouter` from the registry each time it is
read, the way `app.include_router()` copies routes when it is called: include it after the
functions are registered.
"""

from __future__ import annotations

import re
import uuid
from typing import Final

from fastapi import APIRouter
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import Response

from mizan.core.client import ServerFunction
from mizan.core.errors import ConfigError, Unauthorized
from mizan.core.executor import method_not_allowed, route_methods, route_pipeline
from mizan.core.registry import get_all_functions
from mizan_fastapi.conf import get_settings
from mizan_fastapi.identity import authenticate
from mizan_fastapi.router import ALL_METHODS, Endpoint, MizanRoute, mizan_endpoint
from mizan_fastapi.startup import check_definitions
from mizan_fastapi.translate import drive, to_starlette, unauthorized


class SlugConvertor(Convertor[str]):
    """Django's `slug`: ASCII letters, digits, hyphens and underscores."""

    regex = "[-a-zA-Z0-9_]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


class UUIDConvertor(Convertor[uuid.UUID]):
    """Django's `uuid`: lower-case hex only (Starlette's own also takes upper case)."""

    regex = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

    def convert(self, value: str) -> uuid.UUID:
        return uuid.UUID(value)

    def to_string(self, value: uuid.UUID) -> str:
        return str(value)


class PathConvertor(Convertor[str]):
    """Django's `path`: any non-empty text, slashes included (Starlette's allows empty)."""

    regex = ".+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("mizan_slug", SlugConvertor())
register_url_convertor("mizan_uuid", UUIDConvertor())
register_url_convertor("mizan_path", PathConvertor())

# Django converter name -> Starlette converter name (VIEW-3).
CONVERTERS: Final = {"str": "str", "int": "int", "slug": "mizan_slug", "uuid": "mizan_uuid", "path": "mizan_path"}
# Django's own pattern for a path parameter (django.urls.resolvers).
_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")


def starlette_path(route: str) -> str:
    """A Django-syntax route as a Starlette path: `/u/<int:user_id>/` -> `/u/{user_id:int}/`.

    Raises:
        ConfigError: an unknown converter, a parameter name that is not an identifier, or
            a brace, which Starlette would read as a parameter.
    """
    if "{" in route or "}" in route:
        raise ConfigError(f"route {route!r}: braces cannot be served by FastAPI")
    parts: list[str] = []
    position = 0
    for match in _PARAMETER.finditer(route):
        converter = match.group("converter") or "str"
        parameter = match.group("parameter")
        if not parameter.isidentifier():
            raise ConfigError(f"route {route!r}: {parameter!r} is not a Python identifier")
        if converter not in CONVERTERS:
            raise ConfigError(f"route {route!r}: unknown converter {converter!r}; use one of {', '.join(CONVERTERS)}")
        parts.append(route[position : match.start()])
        parts.append("{" + parameter + ("" if converter == "str" else ":" + CONVERTERS[converter]) + "}")
        position = match.end()
    parts.append(route[position:])
    return "".join(parts)


def route_endpoint(name: str, fn_class: type[ServerFunction]) -> Endpoint:
    """The endpoint serving one `route=` function (VIEW-4): path and query parameters,
    merged with the path winning, are the arguments; the body is left to the function."""
    methods = route_methods(fn_class)

    async def endpoint(request: Request) -> Response:
        if request.method not in methods:
            return to_starlette(method_not_allowed(methods))
        settings = get_settings()
        try:
            token_user = authenticate(request, settings)
        except Unauthorized as error:
            return unauthorized(error)
        params = request.query_params
        args = {key: params[key] for key in params}
        args.update(request.path_params)
        return await drive(request, token_user, route_pipeline(request, name, fn_class, args))

    endpoint.__name__ = endpoint.__qualname__ = f"mizan_route_{name.replace('.', '_')}"
    return mizan_endpoint(endpoint)


def build_routes_router() -> APIRouter:
    """An `APIRouter` with one route per registered function that declares `route=`, in
    name order (as Django's `mizan.routes`), built from the registry as it is now.

    Raises:
        ConfigError: a route FastAPI cannot serve (see `starlette_path`), or a function
            declared wrongly (`check_definitions`).
    """
    check_definitions()
    api = APIRouter(route_class=MizanRoute)
    for name, fn_class in sorted(get_all_functions().items()):
        route = fn_class._options.route
        if route is not None:
            api.add_api_route(
                starlette_path(route),
                route_endpoint(name, fn_class),
                methods=list(ALL_METHODS),
                include_in_schema=False,
                name=f"mizan-route-{name}",
            )
    return api
