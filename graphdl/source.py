"""Find the user's source file and line that created a node (the first frame outside graphdl)."""

from __future__ import annotations

import os
import sys

_PKG_DIRS = tuple(
    os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), pkg) + os.sep
    for pkg in ("graphdl", "compiler", "runtime")
)


def user_frame() -> tuple[str, int]:
    """(filename, line) of the innermost frame that is not inside graphdl's packages."""
    frame = sys._getframe(1)
    while frame is not None:
        fname = frame.f_code.co_filename
        if not fname.startswith(_PKG_DIRS) and not fname.startswith("<frozen"):
            return fname, frame.f_lineno
        frame = frame.f_back  # type: ignore[assignment]
    return "<unknown>", 0


def short_location(source: tuple[str, int]) -> str:
    """`model.py:42` from a (file, line) pair."""
    return f"{os.path.basename(source[0])}:{source[1]}"
