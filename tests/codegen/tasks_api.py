"""A registry for the code generator's tests, registered on import: the demo's task API
(contexts with and without params, refetch and merge mutations, an upload, a form, a
bidirectional channel) plus one of every other IR construct (recursive and discriminated
types, maps, literals of every kind, string formats, a websocket function, a push-only
channel, private and view-path functions that get no client code).

`python -m mizan_fastapi.ir tests.codegen.tasks_api` writes its IR; nothing here needs a
web framework, so the same module serves every adapter's export.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from mizan.core import registry
from mizan.core.channels import ReactChannel, register_channel
from mizan.core.client import client
from mizan.core.forms.pydantic_forms import register_pydantic_form
from mizan.core.signature import set_framework_response_base
from mizan.core.uploads import Upload

# --- the demo's shapes --------------------------------------------------------------------


class AttachmentOut(BaseModel):
    id: int
    name: str
    size: int


class TaskOut(BaseModel):
    id: int
    title: str
    done: bool
    attachments: list[AttachmentOut] = Field(default_factory=list)


class ListOut(BaseModel):
    id: int
    name: str


class Summary(BaseModel):
    list_id: int
    name: str
    open: int
    done: int


class ChatMessage(BaseModel):
    user: str
    text: str


# --- every other construct ----------------------------------------------------------------


class Priority(enum.Enum):
    LOW = "low"
    HIGH = "high"


class Outline(BaseModel):
    """Recursive: an outline node holds outline nodes."""

    title: str
    children: list[Outline] = Field(default_factory=list)


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int = 9


class Dog(BaseModel):
    kind: Literal["dog"]
    good: bool = True


class Report(BaseModel):
    created: datetime.datetime
    day: datetime.date
    at: datetime.time
    took: datetime.timedelta
    ref: uuid.UUID
    amount: decimal.Decimal
    blob: bytes
    priority: Priority = Priority.LOW
    level: Literal[1, 2, 3] = 1
    strict: Literal[True] = True
    counts: dict[str, int] = Field(default_factory=dict)
    nested: dict[str, list[Summary | None]] = Field(default_factory=dict)
    pet: Annotated[Cat | Dog, Field(discriminator="kind")]
    value: int | str
    extra: Any = None
    ratio: float = 0.5
    note: str | None = None
    outline: Outline | None = None
    pair: tuple[int, str] = (0, "")
    label: str = "a */ b"


class WebResponse:
    """A stand-in framework response: a function returning it is view-path (no client code)."""


# --- functions ----------------------------------------------------------------------------


def my_lists(request: Any) -> list[ListOut]:
    return []


def board_tasks(request: Any, list_id: int) -> list[TaskOut]:
    return []


def board_summary(request: Any, list_id: int) -> Summary:
    return Summary(list_id=list_id, name="Inbox", open=0, done=0)


def add_task(request: Any, list_id: int, title: str) -> TaskOut:
    return TaskOut(id=1, title=title, done=False)


def toggle_task(request: Any, list_id: int, task_id: int) -> TaskOut:
    return TaskOut(id=task_id, title="t", done=True)


def rename_task(request: Any, list_id: int, task_id: int, title: str) -> TaskOut:
    return TaskOut(id=task_id, title=title, done=False)


def attach_file(
    request: Any, list_id: int, task_id: int, file: Upload, more: list[Upload] | None = None
) -> AttachmentOut:
    return AttachmentOut(id=1, name=file.filename, size=file.size or 0)


def fail_on_purpose(request: Any) -> dict[str, Any]:
    raise RuntimeError("on purpose")


def find_task(request: Any, task_id: int) -> TaskOut | None:
    return None


def live_count(request: Any, list_id: int, since: datetime.date | None = None) -> int:
    return 0


def make_report(request: Any, priority: Priority, tags: list[str], options: dict[str, Any] | None = None) -> Report:
    raise NotImplementedError


def settings(request: Any) -> dict[str, str]:
    return {}


def stats(request: Any, window: int = 7) -> list[int]:
    return []


def rebuild(request: Any, list_id: int) -> None:
    return None


def webhook(request: Any) -> WebResponse:
    return WebResponse()


# --- channels and the form ----------------------------------------------------------------


class ChatChannel(ReactChannel):
    class Params(BaseModel):
        list_id: int

    class ReactMessage(BaseModel):
        text: str

    DjangoMessage = ChatMessage


class NewsChannel(ReactChannel):
    class DjangoMessage(BaseModel):
        headline: str


class TaskForm(BaseModel):
    title: str = Field(min_length=3, max_length=80)
    list_id: int


def create_from_form(form: TaskForm, request: Any) -> TaskOut:
    return TaskOut(id=1, title=form.title, done=False)


def register_all() -> None:
    set_framework_response_base(WebResponse)
    register = registry.register
    register(client(context="lists", auth=True)(my_lists), "my_lists")
    register(client(context="board", auth=True)(board_tasks), "board_tasks")
    register(client(context="board", auth=True)(board_summary), "board_summary")
    register(client(context="stats", cache=60)(stats), "stats")
    register(client(context="global")(settings), "settings")
    register(client(context="live", websocket=True)(live_count), "live_count")
    register(client(affects="board", auth=True)(add_task), "add_task")
    register(client(affects="board", auth=True)(toggle_task), "toggle_task")
    register(client(merge="board", auth=True)(rename_task), "rename_task")
    register(client(affects="board", auth=True)(attach_file), "attach_file")
    register(client(fail_on_purpose), "fail_on_purpose")
    register(client(websocket=True)(find_task), "tasks.find")
    register(client(auth="staff")(make_report), "make_report")
    register(client(affects=["board", "stats"], private=True)(rebuild), "rebuild")
    register(client(affects="lists", route="/hooks/lists/", methods=["POST"])(webhook), "webhook")
    register_pydantic_form(TaskForm, "task_form", create_from_form, affects="board", auth=True)
    register_channel(ChatChannel, "chat")
    register_channel(NewsChannel, "news")


register_all()
