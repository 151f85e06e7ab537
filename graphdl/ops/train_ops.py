"""Op family: train_ops (filled in by its own issue work)."""

__all__: list[str] = []
