"""Op family: nn (filled in by its own issue work)."""

__all__: list[str] = []
