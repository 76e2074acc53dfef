"""The FastAPI demo's pages: login/logout, the server-rendered board (the Django demo's
React component, hydrated by the same bundle), the plain-HTML page and the redirects."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Final
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from fastapi_demo import store
from fastapi_demo.auth import COOKIE, SESSION_TTL, session_token
from mizan_fastapi.hydration import context_props
from mizan_fastapi.ssr import arender

DEMO_DIR: Final = Path(__file__).resolve().parent.parent
FRONTEND: Final = DEMO_DIR / "frontend"
BOARD_COMPONENT: Final = FRONTEND / "src" / "Board.tsx"  # the Django demo's component file
PLAIN_PAGE: Final = FRONTEND / "plain.html"  # the Django demo's plain page, when it ships one
BUNDLE_URL: Final = "/static/demo/board.js"
MAX_LOGIN_BODY: Final = 4096  # bytes: a username and a password

pages = APIRouter()


def signed_in(request: Request) -> store.User | None:
    user = getattr(request.state, "user", None)
    return user if isinstance(user, store.User) else None


@pages.get("/")
def home(request: Request) -> RedirectResponse:
    """`/login/` for visitors; the first list of a signed-in user."""
    user = signed_in(request)
    if user is None:
        return RedirectResponse("/login/", status_code=302)
    lists = store.lists_of(user.id)
    return RedirectResponse(f"/lists/{lists[0][0]}/" if lists else "/login/", status_code=302)


LOGIN_PAGE: Final = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · Mizan Tasks</title></head>
<body><main>
<h1>Mizan Tasks</h1>
{error}
<form method="post" action="/login/">
<label>Username <input name="username" autocomplete="username" value="{username}" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit" data-testid="login-submit">Sign in</button>
</form>
<p>Demo users: alice and bob, password demo-pass.</p>
</main></body></html>
"""


def login_page(username: str = "", error: str = "", status_code: int = 200) -> HTMLResponse:
    message = f'<p role="alert" data-testid="login-error">{html.escape(error)}</p>' if error else ""
    return HTMLResponse(
        LOGIN_PAGE.format(error=message, username=html.escape(username, quote=True)), status_code=status_code
    )


@pages.get("/login/")
def login_form() -> HTMLResponse:
    return login_page()


@pages.post("/login/")
async def login(request: Request) -> Response:
    """Check the form's credentials; on success set the session cookie and go home."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_LOGIN_BODY:
            return login_page(error="Invalid request.", status_code=400)
    form = parse_qs(body.decode("utf-8", "replace"))
    username = (form.get("username") or [""])[0]
    password = (form.get("password") or [""])[0]
    user = await run_in_threadpool(store.authenticate, username, password)
    if user is None:
        return login_page(username, "Wrong username or password.", status_code=400)
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


BOARD_SHELL: Final = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} · Mizan Tasks</title></head>
<body>{markup}
<script type="module" src="{bundle}"></script>
</body></html>
"""


@pages.get("/lists/{list_id}/")
async def board(request: Request, list_id: int) -> Response:
    """The board of one of the user's lists, server-rendered and then hydrated."""
    user = signed_in(request)
    if user is None:
        return RedirectResponse("/login/", status_code=302)
    name = await run_in_threadpool(store.owned_list_name, user.id, list_id)
    if name is None:
        return HTMLResponse("<!doctype html><title>Not found</title><h1>Not found</h1>", status_code=404)
    props = await context_props(request, "board", "lists", list_id=list_id)
    props.update({"listId": list_id, "username": user.username})
    rendered = await arender(BOARD_COMPONENT, props)
    markup = bytes(rendered.body).decode()
    return HTMLResponse(BOARD_SHELL.format(title=html.escape(name), markup=markup, bundle=BUNDLE_URL))


PLAIN_FALLBACK: Final = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Plain page · Mizan Tasks</title></head>
<body><main>
<h1>Your lists (plain HTML, no bundler)</h1>
<p>Status: <span data-testid="plain-status">loading</span></p>
<ul data-testid="plain-lists"></ul>
<button type="button" data-testid="plain-add">Add a task to the first list</button>
</main>
<script type="module">
import { createClient } from "/static/mizan/client.js";

const client = createClient();
const status = document.querySelector("[data-testid=plain-status]");
const listEl = document.querySelector("[data-testid=plain-lists]");
let lists = [];
const lists_handle = client.context("lists");
lists_handle.subscribe((state) => {
  if (state.status === "error") { status.textContent = state.error.code; return; }
  if (state.status !== "ready") return;
  lists = state.data.my_lists;
  listEl.replaceChildren(...lists.map((item) => {
    const li = document.createElement("li");
    li.dataset.testid = "plain-list";
    li.textContent = item.name;
    return li;
  }));
  status.textContent = "ready";
});
document.querySelector("[data-testid=plain-add]").addEventListener("click", async () => {
  try {
    await client.call("add_task", { list_id: lists[0].id, title: "from plain page" });
    status.textContent = "ready";
  } catch (error) {
    status.textContent = error.code || "NETWORK_ERROR";
  }
});
</script>
</body></html>
"""


@pages.get("/plain/")
def plain(request: Request) -> Response:
    """The plain-HTML page: the Django demo's file when there is one, else the same page
    written here. Visitors go to the login page first."""
    if signed_in(request) is None:
        return RedirectResponse("/login/", status_code=302)
    if PLAIN_PAGE.is_file():
        return FileResponse(PLAIN_PAGE, media_type="text/html")
    return HTMLResponse(PLAIN_FALLBACK)
