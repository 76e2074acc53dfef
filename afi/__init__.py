"""The AFI conformance suite (PROTOCOL §11): one fixture, two adapters, compared by behaviour."""
