"""What Mizan Tasks sends and answers: the argument types, result models and messages its
functions share. Pydantic only (no Django import), so the FastAPI twin
(`fastapi_demo`) answers with the very same models and words."""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import BaseModel, StringConstraints

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
ChatText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]

# One answer for a missing list and another user's: nobody learns which ids are taken.
NO_LIST: Final = "No such list"
NO_TASK: Final = "No such task"
DUPLICATE: Final = "A task with this title is already in the list."


class AttachmentOut(BaseModel):
    id: int
    name: str
    size: int


class TaskOut(BaseModel):
    id: int
    title: str
    done: bool
    attachments: list[AttachmentOut]


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
