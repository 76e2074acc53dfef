"""Conformance jobs run explicitly (not in the default test paths), e.g. the live-server run."""
