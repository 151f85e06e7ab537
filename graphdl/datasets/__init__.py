"""graphdl.datasets (filled in by its own issue work)."""
