"""graphdl.layers (filled in by its own issue work)."""
