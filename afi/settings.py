"""The settings both adapters share in the conformance runs (AFI-10, AFI-11)."""

from __future__ import annotations

import os
from typing import Final

MWT_SECRET: Final = "afi-mwt-secret-0123456789abcdef-0123456789"
CACHE_SECRET: Final = "afi-cache-secret-0123456789abcdef-012345678"
CACHE_URL: Final = "memory://"
MAX_BODY_BYTES: Final = 65_536
# UPL-4 on both sites: small, so the transcript can cross it cheaply; the live upload job
# raises it through the environment to send 50 MB.
MAX_UPLOAD_BYTES: Final = int(os.environ.get("AFI_MAX_UPLOAD_BYTES", "65536"))
# The WebSocket frame limit (CHAN-7): the adapters' default, which the transcript crosses.
WS_MAX_FRAME_BYTES: Final = 65_536
