"""graphdl.initializers (filled in by its own issue work)."""
