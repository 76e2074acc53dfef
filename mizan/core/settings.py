"""The frozen settings object every adapter feeds into the core (STYLE B3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from mizan.core import cache
from mizan.core.cache import CacheConfig
from mizan.core.errors import ConfigError
from mizan.core.ssr.config import SSRConfig
from mizan.core.tokens import JWTConfig, MWTConfig, configure_mwt

MAX_DEPTH: Final = 64  # ERR-8
DEFAULT_MAX_BODY_BYTES: Final = 2_621_440  # ERR-8: FastAPI default; Django uses its own setting
DEFAULT_MAX_UPLOAD_BYTES: Final = 10 * 1024 * 1024  # UPL-4, per file
DEFAULT_MAX_UPLOAD_FILES: Final = 100  # UPL-4: Django's DATA_UPLOAD_MAX_NUMBER_FILES default
DEFAULT_UPLOAD_SPOOL_BYTES: Final = 2_621_440  # Django's FILE_UPLOAD_MAX_MEMORY_SIZE default


@dataclass(frozen=True)
class WSLimits:
    """The per-socket bounds of the WebSocket endpoint (CHAN-7).

    Attributes:
        max_frame_bytes: largest accepted client frame, in UTF-8 bytes; a larger one is
            answered with BAD_REQUEST (64 KiB: an RPC's arguments, not a file; uploads
            stay on HTTP, WS-10).
        max_in_flight: RPCs of one socket running at once; one more is answered with
            BAD_REQUEST at once rather than queued.
        max_subscriptions: channel subscriptions of one socket; one more is answered with
            BAD_REQUEST.
        send_queue: outgoing frames (replies and deliveries) waiting for a slow client;
            one more closes the socket with 1013 (Try Again Later).
    """

    max_frame_bytes: int = 65536
    max_in_flight: int = 16
    max_subscriptions: int = 100
    send_queue: int = 256

    def __post_init__(self) -> None:
        for name in ("max_frame_bytes", "max_in_flight", "max_subscriptions", "send_queue"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"the WebSocket bound {name} must be a positive integer, not {value!r} (CHAN-7)")


@dataclass(frozen=True)
class MizanSettings:
    """Settings the framework-neutral core needs.

    Attributes:
        max_body_bytes: largest accepted request body, None for no limit (ERR-8).
        max_depth: deepest accepted JSON nesting (ERR-8).
        max_upload_bytes: largest accepted file of a multipart `/call/` (UPL-4).
        max_upload_files: most file parts in one multipart `/call/`, None for no limit.
        upload_spool_bytes: a file larger than this is written to a temporary file
            instead of memory (Django uses FILE_UPLOAD_MAX_MEMORY_SIZE itself).
        apps_root: discovery root used by exports (DISC-4).
        cache: the origin cache's settings (§5.5, §6).
        mwt: the MWT settings (§5.3).
        jwt: the bearer JWT settings (§5.4; only the Django adapter reads them, JWT-5).
        ws: the per-socket bounds of the WebSocket endpoint (CHAN-7).
        broadcast_url: the Redis URL pushes travel through between processes (FastAPI,
            CHAN-6); None keeps them in the process. Django uses its CHANNEL_LAYERS.
        ssr: the SSR workers of FastAPI's `mizan_fastapi.ssr.render` (SSR-11); Django's
            template backend takes its own from its OPTIONS.
    """

    max_body_bytes: int | None = DEFAULT_MAX_BODY_BYTES
    max_depth: int = MAX_DEPTH
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    max_upload_files: int | None = DEFAULT_MAX_UPLOAD_FILES
    upload_spool_bytes: int = DEFAULT_UPLOAD_SPOOL_BYTES
    apps_root: str = "apps"
    cache: CacheConfig = field(default_factory=CacheConfig)
    mwt: MWTConfig = field(default_factory=MWTConfig)
    jwt: JWTConfig = field(default_factory=JWTConfig)
    ws: WSLimits = field(default_factory=WSLimits)
    broadcast_url: str | None = None
    ssr: SSRConfig = field(default_factory=SSRConfig)


def install(settings: MizanSettings) -> None:
    """Hand the settings to the core's process-wide parts: the origin cache (a no-op when
    its configuration is unchanged) and the MWT settings `mwt_obtain` signs with."""
    cache.configure(settings.cache)
    configure_mwt(settings.mwt)
