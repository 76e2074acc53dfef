"""Views of the conformance project only, never of Mizan: the live run's way to a Django
session for a native identity (AFI-13), which the in-process worker gets from
`Client.force_login`."""

from __future__ import annotations

from django.contrib.auth import get_user_model, login
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


@csrf_exempt  # the client has no CSRF token before it has a session
@require_POST
def login_as(request: HttpRequest) -> HttpResponse:
    """`POST afi-test/login/` with form field `username`: log that user in, no password."""
    user = get_user_model().objects.filter(username=request.POST.get("username", "")).first()
    if user is None:
        return HttpResponseNotFound()
    # The same backend `force_login` picks when only ModelBackend is configured.
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return HttpResponse(status=204)
