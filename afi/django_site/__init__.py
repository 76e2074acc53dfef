"""The minimal Django project of the conformance suite (AFI-7)."""
