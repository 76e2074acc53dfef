"""The demo's pages: the home redirect, the server-rendered board, the plain HTML page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.csrf import ensure_csrf_cookie

from mizan.ssr import context_props

from .clients import BoardContext, ListsContext
from .models import TaskList

BOARD_COMPONENT = "Board.tsx"


def home(request: HttpRequest) -> HttpResponse:
    """`/`: the login page for visitors, else the user's first list."""
    if not request.user.is_authenticated:
        return redirect("login")
    first = TaskList.objects.filter(owner=request.user).first()
    if first is None:
        return render(request, "demo/empty.html")
    return redirect("board", list_id=first.id)


@login_required
@ensure_csrf_cookie
def board(request: HttpRequest, list_id: int) -> HttpResponse:
    """`/lists/<id>/`: the `Board` component rendered by the SSR worker with the `board`
    and `lists` bundles as props (the same bytes the browser hydrates from)."""
    if not TaskList.objects.filter(pk=list_id, owner=request.user).exists():
        raise Http404("No such list")
    props = context_props(request, BoardContext, ListsContext, list_id=list_id)
    props.update(list_id=list_id, username=request.user.get_username())
    markup = render_to_string(BOARD_COMPONENT, props, request=request, using="ssr")
    summary = props.get("board_summary") or {}
    return render(request, "demo/board.html", {"markup": markup, "list_name": summary.get("name", "Board")})


@login_required
@ensure_csrf_cookie
def plain(request: HttpRequest) -> HttpResponse:
    """`/plain/`: the runtime straight from its static file, without a bundler or React."""
    return render(request, "demo/plain.html")
