"""graphdl.train (filled in by its own issue work)."""
