"""The AFI shared fixture (PROTOCOL AFI-7): one module of server functions, registered the same
way in the Django project (`afi.django_app`) and in the FastAPI app (`afi.fastapi_app`).

Functions reach the user only through `get_user(request)`. Their state lives in this module
and `reset()` restores it, so every adapter run starts from the same data. The two view-path
functions build their response with the framework's class, passed to `register_fixture`.
What else a registration needs from its framework (the decorator, contexts, `get_user`, the
error class) is a `Toolkit`, Mizan's by default; the original product's run passes its own
(afi/original/).
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from mizan.core import GlobalContext, ReactContext, Upload, client, get_user
from mizan.core.errors import BadRequest
from mizan.core.forms import register_pydantic_form


@dataclass(frozen=True)
class Toolkit:
    """What registering the fixture takes from a framework.

    Attributes:
        client: the `@client` decorator.
        context: builds a named context marker (`ReactContext`).
        global_context: the predefined global context marker.
        get_user: the request's user, or None.
        bad_request: the protocol error class a function raises for `BAD_REQUEST`.
        register_form: registers a Pydantic model as a form (FORM-4); None where the
            framework has none, and the form's steps then find no function.
    """

    client: Callable[..., Any]
    context: Callable[[str], Any]
    global_context: Any
    get_user: Callable[[Any], Any]
    bad_request: Callable[[str], Exception]
    register_form: Callable[..., Any] | None = None


MIZAN = Toolkit(client, ReactContext, GlobalContext, get_user, BadRequest, register_pydantic_form)
# The toolkit of the last registration. A process registers the fixture once, and the
# module-level functions below reach the user and the error class through it.
_toolkit = MIZAN


class Profile(BaseModel):
    user_id: int
    name: str
    badges: int = 0


class Item(BaseModel):
    id: int
    user_id: int
    title: str
    tags: list[str] = []


class Echo(BaseModel):
    text: str
    times: int


_lock = threading.Lock()
_profiles: dict[int, Profile] = {}
_items: dict[int, list[Item]] = {}


def reset() -> None:
    """The fixture's data as every run starts: users 1 and 2, two items for user 1."""
    with _lock:
        _profiles.clear()
        _profiles.update({1: Profile(user_id=1, name="Ada"), 2: Profile(user_id=2, name="Brook")})
        _items.clear()
        _items.update({1: [Item(id=1, user_id=1, title="pen"), Item(id=2, user_id=1, title="ink", tags=["x"])]})


reset()


def _user_label(request: Any) -> str:
    user = _toolkit.get_user(request)
    if user is None or not getattr(user, "is_authenticated", True):
        return "anonymous"
    return str(getattr(user, "pk", None) or getattr(user, "id", None))


# --- plain RPC and return shapes --------------------------------------------------------------


def echo(request: Any, text: str, times: int = 1) -> Echo:
    return Echo(text=text * times, times=times)


def ping(request: Any) -> None:
    return None


def lookup(request: Any, keys: list[str], scale: float = 1.0) -> dict[str, Any]:
    return {key: len(key) * scale for key in keys}


async def add(request: Any, a: int, b: int) -> int:
    await asyncio.sleep(0)
    return a + b


# --- contexts ---------------------------------------------------------------------------------


def profile(request: Any, user_id: int) -> Profile | None:
    return _profiles.get(user_id)


def profile_badges(request: Any, user_id: int, limit: int = 3) -> list[str]:
    found = _profiles.get(user_id)
    return [f"badge-{n}" for n in range(min(found.badges if found else 0, limit))]


def items(request: Any, user_id: int, tag: str | None = None) -> list[Item]:
    return [item for item in _items.get(user_id, []) if tag is None or tag in item.tags]


def item_total(request: Any, user_id: int) -> int:
    return len(_items.get(user_id, []))


def site(request: Any) -> dict[str, Any]:
    return {"name": "afi", "users": len(_profiles)}


def twin_a(request: Any) -> int:
    return 1


def twin_b(request: Any) -> int:
    return 2


# --- invalidation and merge -------------------------------------------------------------------


def rename(request: Any, user_id: int, name: str) -> Profile:
    """Scoped invalidation of `profile` by user_id (INV-3)."""
    with _lock:
        updated = _profiles[user_id] = Profile(user_id=user_id, name=name, badges=_profiles[user_id].badges)
    return updated


def reset_all(request: Any) -> None:
    """Broad invalidation of two contexts (no shared params)."""
    reset()


def award_badge(request: Any, user_id: int) -> int:
    """Function-level invalidation: only `profile_badges` refetches."""
    with _lock:
        current = _profiles[user_id]
        _profiles[user_id] = current.model_copy(update={"badges": current.badges + 1})
        return _profiles[user_id].badges


def set_profile(request: Any, user_id: int, name: str) -> Profile:
    """Merge-only, direct: replaces the `profile` slot (Profile | None)."""
    with _lock:
        updated = _profiles[user_id] = Profile(user_id=user_id, name=name)
    return updated


def add_item(request: Any, user_id: int, title: str) -> Item:
    """Merge into the `items` slot by upsert (list[Item]), and invalidate the count."""
    with _lock:
        bucket = _items.setdefault(user_id, [])
        item = Item(id=100 + len(bucket), user_id=user_id, title=title)
        bucket.append(item)
    return item


def replace_items(request: Any, user_id: int) -> list[Item]:
    """Merge the whole list: replaces the `items` slot (list-replace)."""
    with _lock:
        _items[user_id] = [Item(id=9, user_id=user_id, title="fresh")]
        return list(_items[user_id])


def bump_twins(request: Any) -> int:
    """Ambiguous merge (both twins return int): dropped, nothing merged."""
    return 3


# --- auth, private, errors, transports ----------------------------------------------------------


def whoami(request: Any) -> str:
    return _user_label(request)


def staff_report(request: Any) -> str:
    return f"staff:{_user_label(request)}"


def super_report(request: Any) -> str:
    return f"super:{_user_label(request)}"


def _is_user_one(request: Any) -> bool:
    return _user_label(request) == "1"


async def _is_user_two(request: Any) -> bool:
    await asyncio.sleep(0)
    return _user_label(request) == "2"


def only_user_one(request: Any) -> str:
    return "one"


def only_user_two(request: Any) -> str:
    return "two"


def internal_job(request: Any) -> None:
    return None


def not_ready(request: Any) -> None:
    raise NotImplementedError("later")


def refuse(request: Any) -> None:
    raise PermissionError("no")


def explode(request: Any) -> None:
    raise RuntimeError("secret detail that must not leak")


def reject(request: Any, reason: str) -> None:
    raise _toolkit.bad_request(f"rejected: {reason}")


def live_count(request: Any) -> int:
    return len(_profiles)


def attach(request: Any, file: Upload, title: str = "") -> dict[str, Any]:
    digest = hashlib.sha256()
    for piece in file.chunks():
        digest.update(piece)
    return {"filename": file.filename, "title": title, "size": file.size, "sha256": digest.hexdigest()}


class Feedback(BaseModel):
    """The fixture's form (FORM-4): the same Pydantic model on every adapter."""

    rating: int = Field(ge=1, le=5, title="Rating", description="From 1 to 5")
    comment: str = Field("", max_length=200)


def submit_feedback(feedback: Feedback, request: Any) -> dict[str, Any]:
    return {"rating": feedback.rating, "comment": feedback.comment}


_feedback_functions: dict[str, Any] = {}


def _feedback_form(register_form: Callable[..., Any], affects: Any) -> dict[str, Any]:
    """The form's functions, made (and registered) once per process: registering the
    fixture again registers the same classes, as for the functions above."""
    if not _feedback_functions:
        made = register_form(Feedback, "feedback", submit_feedback, title="Feedback", affects=affects)
        _feedback_functions.update(made)
    return _feedback_functions


def register_fixture(register: Callable[[Any, str], Any], response_class: type, toolkit: Toolkit = MIZAN) -> None:
    """Register every fixture function with `register(fn_class, name)`; `response_class` is
    the framework's HTTP response (Django `HttpResponse`, Starlette `Response`), built as
    `response_class(content=..., status=..., media_type/content_type=...)` by `respond`;
    `toolkit` supplies the decorator, the contexts, `get_user` and the error class."""
    global _toolkit
    _toolkit = toolkit
    client = toolkit.client
    profile_context = toolkit.context("profile")
    items_context = toolkit.context("items")

    def respond(body: bytes, status: int) -> Any:
        try:
            return response_class(content=body, status_code=status, media_type="text/plain; charset=utf-8")
        except TypeError:
            return response_class(body, status=status, content_type="text/plain; charset=utf-8")

    def report(request: Any, user_id: int) -> response_class:  # type: ignore[valid-type]
        """A view-path function at its own URL (VIEW-2)."""
        return respond(f"report {user_id} for {_user_label(request)}".encode(), 200)

    def stripe_hook(request: Any) -> response_class:  # type: ignore[valid-type]
        """A private webhook route that invalidates `items` broadly (VIEW-4)."""
        return respond(b"ok", 202)

    declared: list[tuple[str, Any]] = [
        ("echo", client(echo)),
        ("ping", client(ping)),
        ("lookup", client(lookup)),
        ("add", client(add)),
        ("profile", client(context=profile_context)(profile)),
        ("profile_badges", client(context=profile_context, rev=2)(profile_badges)),
        ("items", client(context=items_context, cache=30)(items)),
        ("item_total", client(context=items_context)(item_total)),
        ("site", client(context=toolkit.global_context, cache=60)(site)),
        ("twin_a", client(context="twins")(twin_a)),
        ("twin_b", client(context="twins")(twin_b)),
        ("whoami", client(auth=True)(whoami)),
        ("staff_report", client(auth="staff")(staff_report)),
        ("super_report", client(auth="superuser")(super_report)),
        ("only_user_one", client(auth=_is_user_one)(only_user_one)),
        ("only_user_two", client(auth=_is_user_two)(only_user_two)),
        ("internal_job", client(private=True, affects=items_context)(internal_job)),
        ("not_ready", client(not_ready)),
        ("refuse", client(refuse)),
        ("explode", client(explode)),
        ("reject", client(reject)),
        ("live_count", client(websocket=True)(live_count)),
        ("attach", client(attach)),
    ]
    profile_badges_fn = dict(declared)["profile_badges"]
    declared += [
        ("rename", client(affects=profile_context)(rename)),
        ("reset_all", client(affects=[profile_context, items_context, "global"])(reset_all)),
        ("award_badge", client(affects=profile_badges_fn)(award_badge)),
        ("set_profile", client(merge=profile_context)(set_profile)),
        ("add_item", client(merge=items_context, affects=items_context)(add_item)),
        ("replace_items", client(merge=items_context)(replace_items)),
        ("bump_twins", client(merge="twins")(bump_twins)),
        ("report", client(route="/afi/report/<int:user_id>/", methods=["GET"])(report)),
        (
            "stripe_hook",
            client(private=True, route="/afi/hooks/stripe/", methods=["POST"], affects=items_context)(stripe_hook),
        ),
    ]
    for name, fn_class in declared:
        register(fn_class, name)
    if toolkit.register_form is not None:
        for name, fn_class in _feedback_form(toolkit.register_form, items_context).items():
            register(fn_class, name)
