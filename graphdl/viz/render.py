"""`graphdl.viz.render`: write a drawing to SVG, PNG or PDF (by the file's extension) through `dot`."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

import graphviz

from graphdl.errors import BackendError
from graphdl.viz.draw import INSTALL_HINT, draw

FORMATS = ("svg", "png", "pdf", "dot", "gv")


class GraphvizNotFoundError(BackendError):
    """Graphviz's `dot` program is not installed (or not on PATH)."""


def dot_available() -> bool:
    """Whether Graphviz's `dot` program is on PATH."""
    return shutil.which("dot") is not None


def format_of(path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """The output format: `fmt`, else the file's extension (svg, png, pdf; dot/gv write DOT text)."""
    ext = (fmt or os.path.splitext(os.fspath(path))[1].lstrip(".")).lower()
    if ext not in FORMATS:
        raise BackendError(
            f"graphdl.viz.render: cannot tell the format of {os.fspath(path)!r}; "
            f"use a file ending in {', '.join('.' + f for f in FORMATS)} or pass format="
        )
    return ext


def pipe(drawing: graphviz.Digraph, fmt: str) -> bytes:
    """Run `dot` on a drawing, with a graphdl error when Graphviz is missing or fails."""
    try:
        return drawing.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise GraphvizNotFoundError(f"graphdl.viz: cannot render {fmt.upper()}: {INSTALL_HINT}") from None
    except (graphviz.CalledProcessError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise BackendError(f"graphdl.viz: Graphviz `dot` failed: {detail.strip() or exc}") from None


def render(
    path: str | os.PathLike[str],
    graph: Any = None,
    *,
    format: str | None = None,
    drawing: graphviz.Digraph | None = None,
    **draw_kwargs: Any,
) -> str:
    """Draw `graph` (see `graphdl.viz.draw` for the options) and write it to `path`; returns the path.

    The format comes from the extension: .svg, .png, .pdf through Graphviz's `dot`, or .dot/.gv
    for the DOT text (no Graphviz needed). Pass `drawing=` to write a drawing you already have.
    """
    fmt = format_of(path, format)
    d = drawing if drawing is not None else draw(graph, **draw_kwargs)
    data = d.source.encode("utf-8") if fmt in ("dot", "gv") else pipe(d, fmt)
    target = os.fspath(path)
    parent = os.path.dirname(os.path.abspath(target))
    os.makedirs(parent, exist_ok=True)
    with open(target, "wb") as f:
        f.write(data)
    return target
