"""The FastAPI demo's pages, the Django demo's pages over again: sign-in and sign-out,
the board (the same React component rendered by the SSR worker, with the same props,
hydrated by the same bundle), the plain-HTML page and the home redirect.

The markup around the component mirrors the Django demo's templates
(`demo_app/templates/demo/`): the browser tests find the same elements on both.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Final
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from fastapi_demo import store
from fastapi_demo.auth import COOKIE, SESSION_TTL, session_token
from mizan_fastapi.hydration import context_props
from mizan_fastapi.ssr import arender

DEMO_DIR: Final = Path(__file__).resolve().parent.parent
BOARD_COMPONENT: Final = DEMO_DIR / "frontend" / "src" / "Board.tsx"  # the Django demo's component
STATIC_DIR: Final = DEMO_DIR / "demo_app" / "static" / "demo"  # board.js (the build's output), demo.css
MAX_LOGIN_BODY: Final = 4096  # bytes: a username and a password

pages = APIRouter()


def signed_in(request: Request) -> store.User | None:
    user = getattr(request.state, "user", None)
    return user if isinstance(user, store.User) else None


def page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    """A page in the demo's layout (`base.html`)."""
    return HTMLResponse(
        '<!doctype html>\n<html lang="en">\n<head>\n  <meta charset="utf-8">\n'
        '  <meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"  <title>{html.escape(title)}</title>\n"
        '  <link rel="stylesheet" href="/static/demo/demo.css">\n</head>\n<body>\n'
        f"{body}\n</body>\n</html>\n",
        status_code=status_code,
    )


@pages.get("/")
def home(request: Request) -> Response:
    """The login page for visitors, else the user's first list."""
    user = signed_in(request)
    if user is None:
        return RedirectResponse("/login/", status_code=302)
    lists = store.lists_of(user.id)
    if not lists:
        return page("Mizan Tasks", "<main><p>You have no lists yet.</p></main>")
    return RedirectResponse(f"/lists/{lists[0][0]}/", status_code=302)


LOGIN_BODY: Final = """<main class="login">
  <h1>Mizan Tasks</h1>
  <p>Sign in as <code>alice</code> or <code>bob</code>, password <code>demo-pass</code>.</p>
  {error}<form method="post" action="/login/">
    <label>Username <input name="username" autocomplete="username" autofocus required></label>
    <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
    <button type="submit" data-testid="login-submit">Sign in</button>
  </form>
</main>"""
LOGIN_ERROR: Final = '<p class="error" data-testid="login-error">Wrong username or password.</p>\n  '


@pages.get("/login/")
def login_form() -> HTMLResponse:
    return page("Sign in · Mizan Tasks", LOGIN_BODY.format(error=""))


@pages.post("/login/")
async def login(request: Request) -> Response:
    """Check the form's credentials; on success set the session cookie and go home.
    A failure shows the form again with the error (200, as Django's LoginView)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_LOGIN_BODY:
            return page("Sign in · Mizan Tasks", LOGIN_BODY.format(error=LOGIN_ERROR), status_code=400)
    form = parse_qs(body.decode("utf-8", "replace"))
    username = (form.get("username") or [""])[0]
    password = (form.get("password") or [""])[0]
    user = await run_in_threadpool(store.authenticate, username, password)
    if user is None:
        return page("Sign in · Mizan Tasks", LOGIN_BODY.format(error=LOGIN_ERROR))
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        COOKIE,
        session_token(user),
        max_age=SESSION_TTL,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@pages.post("/logout/")
def logout() -> RedirectResponse:
    """End the session in this browser (the cookie is deleted)."""
    response = RedirectResponse("/login/", status_code=303)
    response.delete_cookie(COOKIE, httponly=True, samesite="lax")
    return response


BOARD_BODY: Final = """{markup}
<form method="post" action="/logout/" class="logout"><button type="submit" data-testid="logout">Sign out</button></form>
<script type="module" src="/static/demo/board.js"></script>"""


@pages.get("/lists/{list_id}/")
async def board(request: Request, list_id: int) -> Response:
    """The `Board` component rendered by the SSR worker with the `board` and `lists`
    bundles as props (the same bytes the browser hydrates from), plus `list_id` and
    `username`, as the Django demo passes them."""
    user = signed_in(request)
    if user is None:
        return RedirectResponse("/login/", status_code=302)
    name = await run_in_threadpool(store.owned_list_name, user.id, list_id)
    if name is None:
        return page("Not found · Mizan Tasks", "<main><h1>Not found</h1></main>", status_code=404)
    props = await context_props(request, "board", "lists", list_id=list_id)
    props.update(list_id=list_id, username=user.username)
    rendered = await arender(BOARD_COMPONENT, props)
    return page(f"{name} · Mizan Tasks", BOARD_BODY.format(markup=bytes(rendered.body).decode()))


PLAIN_BODY: Final = """<main class="plain">
  <h1>Your lists, without a bundler</h1>
  <p>This page imports the runtime straight from <code>/static/mizan/client.js</code>: no React, no build step.</p>
  <p>Status: <span data-testid="plain-status">loading</span></p>
  <ul data-testid="plain-lists"></ul>
  <button type="button" data-testid="plain-add" disabled>Add a task "from plain page" to the first list</button>
  <p><a href="/">Back to the board</a></p>
</main>
<script type="module" src="/static/demo/plain.js"></script>"""


@pages.get("/plain/")
def plain(request: Request) -> Response:
    """The runtime straight from its static file, without a bundler or React (the Django
    demo's `plain.html`); visitors sign in first."""
    if signed_in(request) is None:
        return RedirectResponse("/login/", status_code=302)
    return page("Plain page · Mizan Tasks", PLAIN_BODY)
