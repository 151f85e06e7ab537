"""graphdl's runtime: Session, the NumPy interpreter, the XLA executor, and compare."""

from __future__ import annotations

from runtime.compare import CompareReport, compare
from runtime.session import InteractiveSession, Session, get_default_session

__all__ = ["Session", "InteractiveSession", "get_default_session", "compare", "CompareReport"]
