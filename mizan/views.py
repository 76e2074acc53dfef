"""Django views: translate requests and responses to and from `mizan.core.executor`.

Protocol decisions live in the core; what is here is Django mechanics: methods, CSRF,
the request body, and turning `MizanResponse` into an `HttpResponse`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings as django_settings
from django.core.exceptions import SuspiciousOperation
from django.core.signals import setting_changed
from django.db import connections, transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.http.request import RawPostDataException
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.views.decorators.csrf import csrf_exempt

from mizan.authentication import authenticate
from mizan.conf import get_settings
from mizan.core._backend import csrf_check
from mizan.core.client import ServerFunction
from mizan.core.errors import BadRequest, Forbidden, Unauthorized
from mizan.core.executor import (
    MizanResponse,
    call_pipeline,
    context_pipeline,
    error_response,
    form_call_pipeline,
    json_response,
    method_not_allowed,
    registry_error,
    route_methods,
    route_pipeline,
    run_sync,
    valid_content_length,
)
from mizan.core.multipart import LIMIT_FILE_SIZE, LimitExceeded
from mizan.core.settings import MizanSettings
from mizan.multipart import watch_framing
from mizan.responses import http_response
from mizan.uploads import (
    close_partial_files,
    limit_file_size,
    oversize_file,
    refusal,
    uploads_of,
)

MSG_CSRF = "CSRF verification failed"
CSRF_FIELD = "csrfmiddlewaretoken"  # Django's form field for the token


async def _await(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def _resolver(request: HttpRequest) -> Callable[[Awaitable[Any]], Any]:
    """Runs an async function body or guard to completion from a sync view (SIG-9)."""

    def resolve(awaitable: Awaitable[Any]) -> Any:
        # The session user is a lazy object that queries the database when first read, and
        # Django refuses queries from async code: load it here, in sync code, first. Only
        # when there is a session to load: reading it marks the response `Vary: Cookie`.
        session = getattr(request, "session", None)
        if session is not None and session.session_key is not None:
            getattr(getattr(request, "user", None), "is_authenticated", None)
        return async_to_sync(_await)(awaitable)

    return resolve


# Django's own CSRF logic, run from inside the views (they are csrf_exempt so that a failure
# can answer with the JSON envelope). It keeps no per-request state: one instance serves all.
_csrf = CsrfViewMiddleware(lambda request: HttpResponse())


@receiver(setting_changed)
def _fresh_csrf(setting: str, **kwargs: object) -> None:
    """The middleware caches its CSRF_TRUSTED_ORIGINS lists on the instance; a changed
    setting (override_settings) gets a new instance, as a new handler's middleware would."""
    global _csrf
    if setting == "CSRF_TRUSTED_ORIGINS":
        _csrf = CsrfViewMiddleware(lambda request: HttpResponse())


def to_django(response: MizanResponse) -> HttpResponseBase:
    """A core response as a Django response (a view-path response keeps its own body)."""
    if response.passthrough is not None:
        passthrough: HttpResponseBase = response.passthrough
        for name, value in response.headers.items():
            passthrough[name] = value
        return passthrough
    return http_response(response.body, response.status, response.headers)


def roll_back_on_error(response: MizanResponse) -> MizanResponse:
    """A failed call or fetch leaves nothing committed. With `ATOMIC_REQUESTS`, Django
    commits the request's transaction when the view returns, and a Mizan view returns the
    error envelope instead of raising; so that transaction is marked for rollback on every
    database that wraps requests, as an exception escaping the view would roll it back.
    (Once the pipeline is done, the request's atomic block is the innermost one; on a
    database without `ATOMIC_REQUESTS` the innermost block is not the request's, e.g. a
    test case's, and is left alone.)"""
    if response.is_error:
        for connection in connections.all(initialized_only=True):
            if connection.settings_dict.get("ATOMIC_REQUESTS") and connection.in_atomic_block:
                transaction.set_rollback(True, using=connection.alias)
    return response


CSRF_ACCEPT = 0  # csrf_check's verdict when Django's middleware would accept


def _csrf_rejected(request: HttpRequest) -> bool:
    """AUTH-6: Django's own CSRF check, run here so a failure gets the JSON envelope.

    `csrf_check` (C) takes the accepting decision for the common requests with the side
    effects Django's accept has (the cookie secret in META, `csrf_processing_done`);
    anything else, a rejection included, runs Django's own path, so a refusal is logged
    and worded by Django. When CsrfViewMiddleware already read the cookie (CSRF_COOKIE
    is set), its process_request is not repeated."""
    verdict, secret = csrf_check(_csrf, django_settings, request)
    if verdict == CSRF_ACCEPT:
        request.META.setdefault("CSRF_COOKIE", secret)
        request.csrf_processing_done = True
        return False
    if "CSRF_COOKIE" not in request.META:
        _csrf.process_request(request)
    return _csrf.process_view(request, None, (), {}) is not None


def _framing_ok(request: HttpRequest) -> bool:
    """A malformed `Content-Length` (Django would read it with int() and answer with its
    HTML 500 page) is the 400 envelope. WSGI leaves an absent one empty."""
    return valid_content_length(request.META.get("CONTENT_LENGTH") or None)


# Django refusing to parse a request: oversize body (RequestDataTooBig), too many fields or
# files (TooManyFieldsSent/TooManyFilesSent), malformed multipart, a client that went away.
_UNREADABLE = (SuspiciousOperation, MultiPartParserError, RawPostDataException, UnreadablePostError)
# Django's multipart parser also lets the standard library's header parsing fail through: a
# part header `name*=a; name*0=b` raises TypeError there. Caught only around the parse.
_FORM_UNREADABLE = (*_UNREADABLE, TypeError, ValueError)


@csrf_exempt
def call(request: HttpRequest) -> HttpResponseBase:
    """`POST /call/` (RPC-2): JSON body, or the multipart upload form (RPC-7).

    Token authentication comes first; CSRF applies to session identities only (AUTH-6).
    """
    if request.method != "POST":
        return to_django(method_not_allowed(("POST",)))
    if not _framing_ok(request):
        return to_django(error_response(BadRequest()))
    settings = get_settings()
    try:
        token_authenticated = authenticate(request, settings)
    except Unauthorized as error:
        return to_django(error_response(error))
    multipart = request.content_type == "multipart/form-data"
    if multipart:
        return _multipart_call(request, settings, token_authenticated)
    try:
        if not token_authenticated and _csrf_rejected(request):
            return to_django(error_response(Forbidden(MSG_CSRF)))
        pipeline = call_pipeline(request, request.body, settings)
    except _UNREADABLE:
        return to_django(error_response(BadRequest()))
    return to_django(roll_back_on_error(run_sync(pipeline, _resolver(request))))


def _multipart_call(request: HttpRequest, settings: MizanSettings, token_authenticated: bool) -> HttpResponseBase:
    """The upload form of `/call/` (RPC-7, UPL-2..4): Django's parser and upload handlers
    read the body (the CSRF check already makes it parse), held to Mizan's limits; the
    core binds the text parts and the files. Django closes the files, deleting temporary
    ones, when the response is done, whatever the function did."""
    framing = watch_framing(request)
    size_limit = limit_file_size(request, settings.max_upload_bytes)
    try:
        if not token_authenticated and _csrf_rejected(request):
            return to_django(error_response(Forbidden(MSG_CSRF)))
        # An HTML form's CSRF field has done its work in the check above.
        fields = {key: request.POST.getlist(key) for key in request.POST if key != CSRF_FIELD}
        if size_limit.exceeded if size_limit is not None else oversize_file(request, settings.max_upload_bytes):
            return to_django(error_response(LimitExceeded(LIMIT_FILE_SIZE)))
        if framing is not None and not framing.complete:
            return to_django(error_response(BadRequest()))
        files = uploads_of(request)
    except _FORM_UNREADABLE as exc:
        close_partial_files(request)
        return to_django(error_response(refusal(exc)))
    pipeline = form_call_pipeline(request, fields, files, settings)
    return to_django(roll_back_on_error(run_sync(pipeline, _resolver(request))))


@csrf_exempt
def context(request: HttpRequest, name: str) -> HttpResponseBase:
    """`GET /ctx/<name>/`: query values are strings; a repeated key keeps its last value (BND-2)."""
    if request.method != "GET":
        return to_django(method_not_allowed(("GET",)))
    settings = get_settings()  # also (re)configures the origin cache when settings changed
    try:
        authenticate(request, settings)  # GET never checks CSRF (AUTH-6)
    except Unauthorized as error:
        return to_django(error_response(error))
    try:
        query = {key: request.GET[key] for key in request.GET}
    except SuspiciousOperation:  # more than DATA_UPLOAD_MAX_NUMBER_FIELDS keys
        return to_django(error_response(BadRequest()))
    return to_django(roll_back_on_error(run_sync(context_pipeline(request, name, query), _resolver(request))))


@csrf_exempt
def session(request: HttpRequest) -> HttpResponseBase:
    """`GET /session/`: `{"csrfToken": ...}` and the `csrftoken` cookie (SESS-1)."""
    if request.method != "GET":
        return to_django(method_not_allowed(("GET",)))
    failure = registry_error()
    if failure is not None:
        return to_django(failure)
    response = to_django(json_response(200, {"csrfToken": get_token(request)}))
    # Sets the cookie even when CsrfViewMiddleware is not installed (a no-op when it is).
    # Django's helper also adds `Vary: Cookie`, which Mizan never emits itself (GAP-64).
    response = _csrf.process_response(request, response)
    if "Vary" in response:
        del response["Vary"]
    return response


SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


def route_view(name: str, fn_class: type[ServerFunction]) -> Callable[..., HttpResponseBase]:
    """The Django view serving a `route=` function at its own path (VIEW-2..7).

    Path and query parameters, merged (path wins), are the arguments; the body is left to
    the function. Tokens authenticate as on `/call/`; unsafe methods need CSRF under
    session auth unless the function is private (webhooks, cron: VIEW-4).
    """
    methods = route_methods(fn_class)
    check_csrf = not fn_class._options.private

    @csrf_exempt
    def view(request: HttpRequest, **path_args: Any) -> HttpResponseBase:
        if request.method not in methods:
            return to_django(method_not_allowed(methods))
        if not _framing_ok(request):
            return to_django(error_response(BadRequest()))
        try:
            token_authenticated = authenticate(request, get_settings())
        except Unauthorized as error:
            return to_django(error_response(error))
        csrf_applies = check_csrf and not token_authenticated and request.method not in SAFE_METHODS
        try:
            if csrf_applies and _csrf_rejected(request):
                return to_django(error_response(Forbidden(MSG_CSRF)))
            args: dict[str, Any] = {key: request.GET[key] for key in request.GET}
        except _FORM_UNREADABLE:
            return to_django(error_response(BadRequest()))
        args.update(path_args)
        pipeline = route_pipeline(request, name, fn_class, args)
        return to_django(roll_back_on_error(run_sync(pipeline, _resolver(request))))

    view.__name__ = view.__qualname__ = f"mizan_route_{name.replace('.', '_')}"
    routed: Callable[..., HttpResponseBase] = view
    return routed
