"""The settings both adapters share in the conformance runs (AFI-10, AFI-11)."""

from __future__ import annotations

from typing import Final

MWT_SECRET: Final = "afi-mwt-secret-0123456789abcdef-0123456789"
CACHE_SECRET: Final = "afi-cache-secret-0123456789abcdef-012345678"
CACHE_URL: Final = "memory://"
MAX_BODY_BYTES: Final = 65_536
