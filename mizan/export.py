"""Public home of the export functions: the edge manifest (PROTOCOL §0.6, §7)."""

from __future__ import annotations

from mizan.core.manifest import generate_edge_manifest, generate_edge_manifest_json

__all__ = ["generate_edge_manifest", "generate_edge_manifest_json"]
