"""The benchmark Django project as a WSGI application, for a real server.

`gunicorn benchmarks._django_wsgi:application` serves `benchmarks._django_project` with
Django's 7 default `startproject` middleware, or with none when the environment sets
`MIZAN_BENCH_MIDDLEWARE=none`. The settings are configured, and Mizan's functions
registered, when this module is imported, as a project's `wsgi.py` does; the endpoints
and the headers a request needs are listed in `benchmarks._django_project`.
"""

from __future__ import annotations

import os

from django.core.handlers.wsgi import WSGIHandler

from benchmarks import _django_project as project

MIDDLEWARE = () if os.environ.get("MIZAN_BENCH_MIDDLEWARE", "default") == "none" else project.DEFAULT_MIDDLEWARE

project.configure(MIDDLEWARE)
application = WSGIHandler()
