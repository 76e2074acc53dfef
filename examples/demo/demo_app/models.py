"""The demo's data: each user's task lists, their tasks, and files attached to tasks."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class TaskList(models.Model):
    """A named list of tasks; only its owner may see or change it."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="task_lists")
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Task(models.Model):
    """One task of a list."""

    task_list = models.ForeignKey(TaskList, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=80)
    done = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return self.title


class Attachment(models.Model):
    """A file attached to a task; `name`, `size` and `content_type` are what the client sent."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=255)
    stored = models.FileField(upload_to="attachments/%Y/%m/")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
