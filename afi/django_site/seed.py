"""`python -m afi.django_site.seed`: the schema and the script's users, in the database that
`AFI_DATABASE` names, before the live Django server opens it (AFI-1).

The in-process worker does the same in its own in-memory database; a live server runs in
another process, so the data has to be in a file both processes open.
"""

from __future__ import annotations

import os


def seed() -> None:
    """Migrate, then create each user of `afi.transcript.USERS` with its pk and flags."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from afi.transcript import USERS

    call_command("migrate", verbosity=0, run_syncdb=True)
    users = get_user_model()
    for name, spec in USERS.items():
        if spec is not None:
            pk, staff, superuser = spec
            users.objects.create(pk=pk, username=name, is_staff=staff, is_superuser=superuser)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "afi.django_site.settings")
    seed()
