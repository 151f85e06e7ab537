"""Op family: nn_extra (filled in by its own issue work)."""

__all__: list[str] = []
