"""graphdl.losses (filled in by its own issue work)."""
