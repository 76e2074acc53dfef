"""A note belongs to a user; the forms tests edit notes through a ModelForm."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Note(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notes")
    slug = models.SlugField(max_length=40, unique=True)
    title = models.CharField(max_length=100)
    body = models.TextField(blank=True, help_text="Plain text")
    pinned = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.title
