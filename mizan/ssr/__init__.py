"""Server-side rendering for Django: the `MizanTemplates` template backend and the
`context_props` hydration helper (SSR-1..4). Importing it needs Django."""

from __future__ import annotations

from mizan.ssr.backend import MizanTemplate, MizanTemplates
from mizan.ssr.hydration import context_props

__all__ = ["MizanTemplate", "MizanTemplates", "context_props"]
