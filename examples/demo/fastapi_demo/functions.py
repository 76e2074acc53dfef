"""The server functions of "Mizan Tasks" on FastAPI: the same names, shapes, contexts,
guards and declarations as the Django demo (`demo_app`), over the SQLite store.

Every function of the `board` context and every mutation checks that the signed-in user
owns the list, and answers `NOT_FOUND` otherwise, so another user's list is
indistinguishable from a missing one.
"""

from __future__ import annotations

from typing import Any

from demo_app.schemas import (
    DUPLICATE,
    NO_LIST,
    NO_TASK,
    AttachmentOut,
    ChatMessage,
    ChatText,
    ListOut,
    Summary,
    TaskOut,
    Title,
)
from pydantic import BaseModel, Field, ValidationInfo, field_validator
from starlette.requests import Request

from fastapi_demo import store
from mizan.channels import ReactChannel
from mizan.channels import register as register_channel
from mizan_fastapi import BadRequest, NotFound, ReactContext, Upload, client, get_user, register
from mizan_fastapi.forms import register_form

ListsContext = ReactContext("lists")
BoardContext = ReactContext("board")


def _user_id(request: Any) -> int:
    """The signed-in user's id (the `auth=True` guard already refused anonymous callers)."""
    return int(get_user(request).pk)


def _task_out(row: store.TaskRow) -> TaskOut:
    return TaskOut(
        id=row.id,
        title=row.title,
        done=row.done,
        attachments=[AttachmentOut(id=att_id, name=name, size=size) for att_id, name, size in row.attachments],
    )


def _owned(db: Any, request: Any, list_id: int) -> str:
    """The list's name; `NOT_FOUND` when it is missing or someone else's."""
    name = store.list_name(db, _user_id(request), list_id)
    if name is None:
        raise NotFound(NO_LIST)
    return name


def _task(db: Any, list_id: int, task_id: int) -> TaskOut:
    rows = store.tasks_of(db, list_id, task_id)
    if not rows:
        raise NotFound(NO_TASK)
    return _task_out(rows[0])


# --- contexts --------------------------------------------------------------------------


@client(context=ListsContext, auth=True)
def my_lists(request: Request) -> list[ListOut]:
    """The signed-in user's lists."""
    return [ListOut(id=list_id, name=name) for list_id, name in store.lists_of(_user_id(request))]


@client(context=BoardContext, auth=True)
def board_tasks(request: Request, list_id: int) -> list[TaskOut]:
    """The list's tasks, oldest first, with their attachments."""
    with store.reading() as db:
        _owned(db, request, list_id)
        return [_task_out(row) for row in store.tasks_of(db, list_id)]


@client(context=BoardContext, auth=True)
def board_summary(request: Request, list_id: int) -> Summary:
    """The list's name and its open/done counts."""
    with store.reading() as db:
        name = _owned(db, request, list_id)
        open_count, done_count = store.counts(db, list_id)
    return Summary(list_id=list_id, name=name, open=open_count, done=done_count)


# --- mutations -------------------------------------------------------------------------


@client(affects=BoardContext, auth=True)
def add_task(request: Request, list_id: int, title: Title) -> TaskOut:
    """Add a task; the list's board is refetched (scoped by `list_id`)."""
    with store.transaction() as db:
        _owned(db, request, list_id)
        task_id = db.execute("INSERT INTO task (task_list_id, title) VALUES (?, ?)", (list_id, title)).lastrowid
        return _task(db, list_id, int(task_id or 0))


@client(affects=BoardContext, auth=True)
def toggle_task(request: Request, list_id: int, task_id: int) -> TaskOut:
    """Flip a task's done flag; the summary changes, so the board is refetched."""
    with store.transaction() as db:
        _owned(db, request, list_id)
        changed = db.execute(
            "UPDATE task SET done = 1 - done WHERE id = ? AND task_list_id = ?", (task_id, list_id)
        ).rowcount
        if not changed:
            raise NotFound(NO_TASK)
        return _task(db, list_id, task_id)


@client(merge=BoardContext, auth=True)
def rename_task(request: Request, list_id: int, task_id: int, title: Title) -> TaskOut:
    """Rename a task; the result is merged into `board_tasks` by id (no refetch: the
    summary does not change)."""
    with store.transaction() as db:
        _owned(db, request, list_id)
        changed = db.execute(
            "UPDATE task SET title = ? WHERE id = ? AND task_list_id = ?", (title, task_id, list_id)
        ).rowcount
        if not changed:
            raise NotFound(NO_TASK)
        return _task(db, list_id, task_id)


@client(affects=BoardContext, auth=True)
def attach_file(request: Request, list_id: int, task_id: int, file: Upload) -> AttachmentOut:
    """Attach an uploaded file (at most `max_upload_bytes`, 1 MiB in the demo) to a task."""
    data = file.read()
    with store.transaction() as db:
        _owned(db, request, list_id)
        _task(db, list_id, task_id)
        attachment_id = db.execute(
            "INSERT INTO attachment (task_id, name, size, content_type, data) VALUES (?, ?, ?, ?, ?)",
            (task_id, file.filename, len(data), file.content_type, data),
        ).lastrowid
    return AttachmentOut(id=int(attachment_id or 0), name=file.filename, size=len(data))


@client
def fail_on_purpose(request: Request) -> dict[str, bool]:
    """Always fails: the demo's "simulate a server error" button (500 INTERNAL_ERROR)."""
    raise RuntimeError("fail_on_purpose: the demo's simulated server error")


# --- the new-task form -------------------------------------------------------------------


class TaskForm(BaseModel):
    """The new-task form: live validation of the title while the user types."""

    # `list_id` comes first: the title's validator reads it once it is validated.
    list_id: int = Field(json_schema_extra={"widget": "hidden"})
    title: str = Field(min_length=3, max_length=80, title="Title")

    @field_validator("list_id")
    @classmethod
    def own_list(cls, list_id: int, info: ValidationInfo) -> int:
        """Only the signed-in user's lists: anything else is "No such list." (a field
        error, so a submit answers `success: false`, as the Django form does)."""
        user = get_user(info.context["request"]) if info.context else None
        if user is None or store.owned_list_name(user.id, list_id) is None:
            raise ValueError(NO_LIST + ".")
        return list_id

    @field_validator("title")
    @classmethod
    def not_a_duplicate(cls, title: str, info: ValidationInfo) -> str:
        """A title already in the list (ignoring ASCII case) is refused. Only looked up
        once the list is known to be the user's, so nobody learns what another list holds."""
        list_id = info.data.get("list_id")
        if isinstance(list_id, int):
            with store.reading() as db:
                if store.has_title(db, list_id, title):
                    raise ValueError(DUPLICATE)
        return title


def create_from_form(form: TaskForm, request: Request) -> TaskOut:
    """`task_form.submit`: the same insert as `add_task`, after the form's validation."""
    with store.transaction() as db:
        _owned(db, request, form.list_id)
        if store.has_title(db, form.list_id, form.title):  # added since the form was validated
            raise BadRequest(DUPLICATE)
        task_id = db.execute(
            "INSERT INTO task (task_list_id, title) VALUES (?, ?)", (form.list_id, form.title)
        ).lastrowid
        return _task(db, form.list_id, int(task_id or 0))


# --- the chat channel ----------------------------------------------------------------------


class Chat(ReactChannel):
    """A chat per list, for its owner's open tabs: `subscribe`/`send` with `{list_id}`."""

    class Params(BaseModel):
        list_id: int

    class ReactMessage(BaseModel):
        text: ChatText

    DjangoMessage = ChatMessage

    def authorize(self, params: Chat.Params) -> bool:
        """Only the list's owner; another user's list is `NOT_FOUND`, as in the functions."""
        user: Any = self.user  # the socket's user (AppUser), or Mizan's ANONYMOUS
        if not user.is_authenticated or store.owned_list_name(int(user.pk), params.list_id) is None:
            raise NotFound(NO_LIST)
        return True

    def group(self, params: Chat.Params) -> str:
        return f"chat_{params.list_id}"

    def receive(self, params: Chat.Params, message: Chat.ReactMessage) -> ChatMessage:
        user: Any = self.user  # `authorize` let only the list's owner through
        return ChatMessage(user=str(user.username), text=message.text)


def register_all() -> None:
    """Register the functions, the form and the channel under the contract's names."""
    functions = {
        "my_lists": my_lists,
        "board_tasks": board_tasks,
        "board_summary": board_summary,
        "add_task": add_task,
        "toggle_task": toggle_task,
        "rename_task": rename_task,
        "attach_file": attach_file,
        "fail_on_purpose": fail_on_purpose,
    }
    for name, fn in functions.items():
        register(fn, name)
    register_form(
        TaskForm, "task_form", create_from_form, title="New task", submit_label="Add", affects=BoardContext, auth=True
    )
    register_channel(Chat, "chat")
