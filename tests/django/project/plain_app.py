"""A Django app that is a single module, not a package (legal in INSTALLED_APPS).

Used by tests/django/test_checks_discovery.py: looking for its `clients` submodule must
count as "absent", not raise (DISC-1).
"""
