"""Mizan Tasks: the demo's server functions, form and chat channel.

`mizan`'s AppConfig imports this module at startup and registers everything in it
(autodiscovery of `clients.py`). Every function that takes a `list_id` first looks the
list up among the caller's own (`own_list`): a list of another user answers NOT_FOUND,
exactly like a list that does not exist, so nobody learns which ids are taken.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from pydantic import BaseModel

from mizan import NotFound, ReactContext, Upload, client
from mizan.channels import ReactChannel, register
from mizan.forms import register_form

from .models import Attachment, Task, TaskList
from .schemas import DUPLICATE, NO_LIST, NO_TASK, AttachmentOut, ChatMessage, ChatText, ListOut, Summary, TaskOut, Title

ListsContext = ReactContext("lists")
BoardContext = ReactContext("board")

# --- lookups -----------------------------------------------------------------------------


def own_list(user: Any, list_id: int) -> TaskList:
    """The list `list_id` if `user` owns it.

    Raises:
        NotFound: no such list, or another user's.
    """
    if user is None or not user.is_authenticated:
        raise NotFound(NO_LIST)
    try:
        return TaskList.objects.get(pk=list_id, owner=user)
    except TaskList.DoesNotExist:
        raise NotFound(NO_LIST) from None


def own_task(user: Any, list_id: int, task_id: int) -> Task:
    """Task `task_id` of the caller's list `list_id`; NOT_FOUND otherwise."""
    task_list = own_list(user, list_id)
    try:
        return task_list.tasks.get(pk=task_id)
    except Task.DoesNotExist:
        raise NotFound(NO_TASK) from None


def task_out(task: Task) -> TaskOut:
    attachments = [AttachmentOut(id=a.id, name=a.name, size=a.size) for a in task.attachments.all()]
    return TaskOut(id=task.id, title=task.title, done=task.done, attachments=attachments)


# --- contexts ----------------------------------------------------------------------------


@client(context=ListsContext, auth=True)
def my_lists(request: HttpRequest) -> list[ListOut]:
    """The caller's lists, oldest first."""
    return [ListOut(id=t.id, name=t.name) for t in TaskList.objects.filter(owner=request.user)]


@client(context=BoardContext, auth=True)
def board_tasks(request: HttpRequest, list_id: int) -> list[TaskOut]:
    """The tasks of one of the caller's lists, with their attachments."""
    task_list = own_list(request.user, list_id)
    return [task_out(task) for task in task_list.tasks.prefetch_related("attachments")]


@client(context=BoardContext, auth=True)
def board_summary(request: HttpRequest, list_id: int) -> Summary:
    """How many tasks of the list are open and done."""
    task_list = own_list(request.user, list_id)
    done = task_list.tasks.filter(done=True).count()
    total = task_list.tasks.count()
    return Summary(list_id=task_list.id, name=task_list.name, open=total - done, done=done)


# --- mutations ---------------------------------------------------------------------------


@client(affects=BoardContext, auth=True)
def add_task(request: HttpRequest, list_id: int, title: Title) -> TaskOut:
    """Add a task; invalidates the board of this list only (scoped by `list_id`)."""
    task_list = own_list(request.user, list_id)
    return task_out(Task.objects.create(task_list=task_list, title=title))


@client(affects=BoardContext, auth=True)
def toggle_task(request: HttpRequest, list_id: int, task_id: int) -> TaskOut:
    """Flip a task between open and done; the summary changes, so the board is refetched."""
    task = own_task(request.user, list_id, task_id)
    task.done = not task.done
    task.save(update_fields=["done"])
    return task_out(task)


@client(merge=BoardContext, auth=True)
def rename_task(request: HttpRequest, list_id: int, task_id: int, title: Title) -> TaskOut:
    """Rename a task. The answer is merged into `board_tasks` by id (no refetch): the
    summary does not change."""
    task = own_task(request.user, list_id, task_id)
    task.title = title
    task.save(update_fields=["title"])
    return task_out(task)


@client(affects=BoardContext, auth=True)
def attach_file(request: HttpRequest, list_id: int, task_id: int, file: Upload) -> AttachmentOut:
    """Attach a file to a task (MIZAN_MAX_UPLOAD_BYTES bounds its size: 1 MiB here)."""
    task = own_task(request.user, list_id, task_id)
    attachment = Attachment(task=task, name=file.filename, size=file.size, content_type=file.content_type)
    attachment.stored.save(file.filename, file.source, save=True)
    return AttachmentOut(id=attachment.id, name=attachment.name, size=attachment.size)


@client
def fail_on_purpose(request: HttpRequest) -> dict[str, bool]:
    """The demo's "simulate a server error" button: always a 500 INTERNAL_ERROR."""
    raise RuntimeError("fail_on_purpose: the demo's simulated server error")


# --- the new-task form -------------------------------------------------------------------


class TaskForm(forms.Form):
    """A new task: a title of 3 to 80 characters not already used in the list."""

    title = forms.CharField(min_length=3, max_length=80)
    list_id = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        # The caller (register_form's form_kwargs): only their own lists are checked.
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        list_id = self.cleaned_data.get("list_id")
        if list_id is None:
            return cleaned
        try:
            task_list = own_list(self.user, list_id)
        except NotFound:
            self.add_error("list_id", NO_LIST + ".")
            return cleaned
        title = self.cleaned_data.get("title")
        if title and task_list.tasks.filter(title__iexact=title).exists():
            self.add_error("title", DUPLICATE)
        return cleaned


def submit_task(form: TaskForm, request: HttpRequest) -> TaskOut:
    """`task_form.submit`: create the task (the form checked the list is the caller's)."""
    task_list = own_list(request.user, form.cleaned_data["list_id"])
    return task_out(Task.objects.create(task_list=task_list, title=form.cleaned_data["title"]))


register_form(
    TaskForm,
    "task_form",
    submit_task,
    title="New task",
    submit_label="Add",
    live_validation=True,
    affects=BoardContext,
    auth=True,
    form_kwargs=lambda request: {"user": request.user},
)


# --- the chat channel --------------------------------------------------------------------


class Chat(ReactChannel):
    """Chat beside a list, between the tabs of its owner (and anyone the owner becomes)."""

    class Params(BaseModel):
        list_id: int

    class ReactMessage(BaseModel):
        text: ChatText

    DjangoMessage = ChatMessage

    def authorize(self, params: Chat.Params) -> bool:
        own_list(self.user, params.list_id)  # NOT_FOUND for another user's list
        return True

    def group(self, params: Chat.Params) -> str:
        return f"chat_{params.list_id}"

    def receive(self, params: Chat.Params, message: Chat.ReactMessage) -> ChatMessage:
        return ChatMessage(user=self.user.get_username(), text=message.text)


register(Chat, "chat")
