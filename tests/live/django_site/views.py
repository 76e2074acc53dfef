"""The live tests' way to a Django session: a view of this project only, never of Mizan."""

from __future__ import annotations

from django.contrib.auth import get_user_model, login
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


@csrf_exempt  # the client has no CSRF token before it has a session
@require_POST
def login_as(request: HttpRequest) -> HttpResponse:
    """`POST live-test/login/` with form field `username`: that user, created on first use,
    logged in without a password."""
    user, _ = get_user_model().objects.get_or_create(username=request.POST["username"])
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return HttpResponse(status=204)
