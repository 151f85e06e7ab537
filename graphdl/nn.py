"""graphdl.nn (filled in by its own issue work)."""
