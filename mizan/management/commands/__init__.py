"""One module per command (STYLE B3): export_mizan_ir, export_edge_manifest."""
