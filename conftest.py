"""Loads the capability recorder for every test directory (AFI-3): it must be a root plugin."""

pytest_plugins = ["afi.capabilities"]
