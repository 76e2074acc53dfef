"""A sub-package of the `clients` package: discovered recursively."""
