"""Op family: random (filled in by its own issue work)."""

__all__: list[str] = []
