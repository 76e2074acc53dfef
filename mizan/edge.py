"""`mizan.edge.wrap_wsgi` / `mizan.edge.wrap_asgi`: the origin edge in front of Django.

A `GET <prefix>/ctx/<name>/` that the origin cache can answer is answered here, before
Django's handler, middleware, URL resolution and signals run; every other request goes to
the wrapped application untouched. Opt-in; docs/edge.md says what the edge skips and when
a project must not use it. The decisions themselves are in `mizan.core.edge`; this module
reads Django's settings and its servers' requests.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, NamedTuple

from asgiref.sync import sync_to_async
from django.conf import settings as django_settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http.request import split_domain_port, validate_host

from mizan.authentication import MWT_META, check_pk
from mizan.conf import get_settings
from mizan.core import _backend, cache
from mizan.core.edge import RESPONSE_HEADERS, cached_body, context_name, ctx_prefix
from mizan.core.errors import ConfigError, InvalidToken
from mizan.core.manifest import DEFAULT_BASE_URL
from mizan.core.tokens import verify_mwt

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
ASGIApp = Callable[[dict[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]

STATUS = "200 OK"
# The view's HIT headers; both wrappers append the Content-Length CommonMiddleware adds
# (without it a server would chunk the body).
_ASGI_HEADERS = [(name.encode("ascii"), value.encode("latin-1")) for name, value in RESPONSE_HEADERS]
# Request headers after which only Django can answer: other credentials, and conditional
# requests (ConditionalGetMiddleware may answer them with a 304).
_DEFERRED = (
    "HTTP_AUTHORIZATION",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)


def _base_url(prefix: str | None) -> str:
    if prefix is not None:
        return prefix
    from mizan.management.commands.export_edge_manifest import mounted_base_url

    try:
        return mounted_base_url()
    except ConfigError:
        return DEFAULT_BASE_URL


class _Settings(NamedTuple):
    """The Django settings the edge reads on every request, read once: each read of
    `django.conf.settings` costs a Python-level `__getattribute__` (~3k instructions)."""

    force_script_name: str | None
    session_cookie_name: str
    ssl_redirect: bool
    proxy_ssl_header: tuple[str, str] | None
    use_x_forwarded_host: bool
    max_fields: int | None
    allowed_hosts: list[str]
    prepend_www: bool
    disallowed_user_agents: list[Any]  # compiled patterns


_settings: list[_Settings] = []  # the snapshot, once read
# Hosts already checked against ALLOWED_HOSTS (CommonMiddleware refuses the others with a
# 400, so those go to Django); emptied when it grows large.
_hosts: dict[str, bool] = {}
_HOSTS_MAX = 256


@receiver(setting_changed)
def _forget_settings(setting: str, **kwargs: object) -> None:
    """A changed setting (override_settings) is read again."""
    _settings.clear()
    _hosts.clear()


def _snapshot() -> _Settings:
    if not _settings:
        hosts = list(django_settings.ALLOWED_HOSTS)
        if django_settings.DEBUG and not hosts:
            hosts = [".localhost", "127.0.0.1", "[::1]"]
        _settings[:] = [
            _Settings(
                django_settings.FORCE_SCRIPT_NAME,
                django_settings.SESSION_COOKIE_NAME,
                bool(django_settings.SECURE_SSL_REDIRECT),
                django_settings.SECURE_PROXY_SSL_HEADER,
                bool(django_settings.USE_X_FORWARDED_HOST),
                django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
                hosts,
                bool(django_settings.PREPEND_WWW),
                list(django_settings.DISALLOWED_USER_AGENTS),
            )
        ]
    return _settings[0]


def _host_allowed(host: str | None, patterns: list[str]) -> bool:
    if host is None:
        return False
    allowed = _hosts.get(host)
    if allowed is None:
        domain, _ = split_domain_port(host)
        allowed = bool(domain) and validate_host(domain, patterns)
        if len(_hosts) >= _HOSTS_MAX:
            _hosts.clear()
        _hosts[host] = allowed
    return allowed


class _Edge:
    """What both wrappers share: the path prefix, and the decision for one request."""

    def __init__(self, prefix: str | None) -> None:
        self.prefix = ctx_prefix(_base_url(prefix))

    def answer(self, meta: Mapping[str, Any], path: str, query_text: str, scheme: str | None) -> bytes | None:
        """The stored body for a GET, or None to pass it to Django.

        Args:
            meta: the request's headers as Django's `request.META` names them (a WSGI
                environ is one).
            path: the path as Django resolves it (`request.path_info`).
            query_text: the raw query string.
            scheme: the server's scheme (`wsgi.url_scheme`, the ASGI scope's).
        """
        name = context_name(path, self.prefix)
        if name is None:
            return None
        config = _snapshot()
        if config.force_script_name:
            return None
        for header in _DEFERRED:
            if header in meta:
                return None
        cookie = meta.get("HTTP_COOKIE")
        if cookie is not None and config.session_cookie_name in cookie:
            return None  # a session (conservatively: its name anywhere in the header)
        host = _host(meta, config)
        if not _host_allowed(host, config.allowed_hosts):
            return None  # CommonMiddleware answers DisallowedHost with a 400
        if config.prepend_www and not str(host).startswith("www."):
            return None  # CommonMiddleware redirects to www.
        if config.disallowed_user_agents:
            agent = meta.get("HTTP_USER_AGENT")
            if agent is not None and any(pattern.search(agent) for pattern in config.disallowed_user_agents):
                return None  # CommonMiddleware answers 403
        if config.ssl_redirect and _scheme(meta, scheme, config) != "https":
            return None  # SecurityMiddleware answers with its redirect
        settings = get_settings()  # as the view: also (re)configures the cache
        user = None
        token = meta.get(MWT_META)
        if token is not None:
            mwt = settings.mwt
            if not mwt.secret:
                return None
            try:
                user = verify_mwt(mwt, token, check_subject=check_pk)
            except InvalidToken:
                return None  # Django answers the 401
        return cached_body(name, query_text, config.max_fields, user)


def _host(meta: Mapping[str, Any], config: _Settings) -> str | None:
    """The host `HttpRequest.get_host` validates (before its port is split off)."""
    if config.use_x_forwarded_host and "HTTP_X_FORWARDED_HOST" in meta:
        forwarded: str = meta["HTTP_X_FORWARDED_HOST"]
        return forwarded
    host: str | None = meta.get("HTTP_HOST")
    if host:
        return host
    name, port = meta.get("SERVER_NAME"), meta.get("SERVER_PORT")
    if not name:
        return None
    return name if port in (None, "80", "443") else f"{name}:{port}"


def _scheme(meta: Mapping[str, Any], scheme: str | None, config: _Settings) -> str | None:
    """`HttpRequest.scheme`: the proxy's header when configured and present."""
    proxy = config.proxy_ssl_header
    if proxy:
        header, secure_value = proxy
        value = meta.get(header)
        if value is not None:
            return "https" if value.split(",", 1)[0].strip() == secure_value else "http"
    return scheme


class EdgeWSGI(_Edge):
    """A WSGI application: the edge in front of `app`."""

    def __init__(self, app: WSGIApp, prefix: str | None = None) -> None:
        super().__init__(prefix)
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = None
        if environ.get("REQUEST_METHOD") == "GET":
            body = self.answer(
                environ, environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""), environ.get("wsgi.url_scheme")
            )
        if body is None:
            return self.app(environ, start_response)
        start_response(STATUS, [*RESPONSE_HEADERS, ("Content-Length", str(len(body)))])
        return [body]


class EdgeASGI(_Edge):
    """An ASGI application: the edge in front of `app` (HTTP only; every other scope,
    WebSocket and lifespan, goes to `app`)."""

    def __init__(self, app: ASGIApp, prefix: str | None = None) -> None:
        super().__init__(prefix)
        self.app = app
        self._lookup_in_thread = sync_to_async(self._lookup, thread_sensitive=False)

    async def __call__(
        self, scope: dict[str, Any], receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Awaitable[None]]
    ) -> None:
        body = None
        if scope["type"] == "http" and scope.get("method") == "GET" and self.prefix in scope["path"]:
            get_settings()
            backend = cache.get_cache()
            # The memory backend answers in microseconds; a network backend is waited for
            # off the event loop. No cache: nothing to look up.
            if isinstance(backend, _backend.MemoryCache):
                body = self._lookup(scope)
            elif backend is not None:
                body = await self._lookup_in_thread(scope)
        if body is None:
            await self.app(scope, receive, send)
            return
        headers = [*_ASGI_HEADERS, (b"Content-Length", str(len(body)).encode("ascii"))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _lookup(self, scope: Mapping[str, Any]) -> bytes | None:
        path: str = scope["path"]
        root = scope.get("root_path") or ""
        if root:
            path = path.removeprefix(root)
        raw_query = scope.get("query_string", b"")
        try:
            query_text = raw_query.decode("ascii") if isinstance(raw_query, bytes) else raw_query
        except UnicodeDecodeError:
            return None  # the view decodes it (UTF-8): let it
        return self.answer(_asgi_meta(scope), path, query_text, scope.get("scheme"))


def _asgi_meta(scope: Mapping[str, Any]) -> dict[str, str]:
    """The scope's headers and server as `ASGIRequest` puts them into META: a repeated
    header joined with `,`, cookies with `; `."""
    meta: dict[str, str] = {}
    server = scope.get("server")
    if server:
        meta["SERVER_NAME"], meta["SERVER_PORT"] = str(server[0]), str(server[1])
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1")
        key = "HTTP_" + name.upper().replace("-", "_")
        value = raw_value.decode("latin-1")
        if key in meta:
            value = meta[key] + ("; " if name == "cookie" else ",") + value
        meta[key] = value
    return meta


def wrap_wsgi(app: WSGIApp, prefix: str | None = None) -> EdgeWSGI:
    """The project's WSGI application with the origin edge in front of it.

    In the project's `wsgi.py`::

        application = mizan.edge.wrap_wsgi(get_wsgi_application())

    Args:
        app: `django.core.wsgi.get_wsgi_application()`, called first so that Django is set
            up before the URLconf is read here.
        prefix: where the endpoints live, e.g. `"/api/mizan/"`; by default where the
            URLconf mounts `mizan.urls`, or `/api/mizan/` when it does not.
    """
    return EdgeWSGI(app, prefix)


def wrap_asgi(app: ASGIApp, prefix: str | None = None) -> EdgeASGI:
    """The project's ASGI application with the origin edge in front of it::

        application = mizan.edge.wrap_asgi(get_asgi_application())

    It may wrap `mizan.wrap_asgi(...)` too: WebSocket scopes go to the wrapped application.
    Arguments as for `wrap_wsgi`.
    """
    return EdgeASGI(app, prefix)
