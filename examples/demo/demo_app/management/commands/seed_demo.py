"""`manage.py seed_demo`: the demo's users and lists (idempotent).

alice and bob, password `demo-pass`, each with a list "Inbox" of two tasks. Running it
again resets the passwords and creates only what is missing; tasks added since stay.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from demo_app.models import Task, TaskList

PASSWORD = "demo-pass"
USERS = ("alice", "bob")
INBOX = "Inbox"
TASKS = {
    "alice": ("Buy oat milk", "Book the dentist"),
    "bob": ("Water the plants", "Call the bank"),
}


class Command(BaseCommand):
    help = "Create the demo users alice and bob (password demo-pass), each with a list of two tasks."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        model = get_user_model()
        for username in USERS:
            user, created = model.objects.get_or_create(username=username)
            user.set_password(PASSWORD)
            user.save()
            inbox, _ = TaskList.objects.get_or_create(owner=user, name=INBOX)
            for title in TASKS[username]:
                Task.objects.get_or_create(task_list=inbox, title=title)
            self.stdout.write(f"{'created' if created else 'updated'} {username} (list {inbox.id})")
