"""`graphdl render SCRIPT -o OUT.svg`: draw a script's graph (see graphdl.scripts for the convention)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from graphdl.errors import GraphdlError

if TYPE_CHECKING:
    from graphdl.viz.draw import Drawing


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `render` subcommand's options."""
    parser.add_argument("script", help="a Python file defining build() (see docs/compare.md)")
    parser.add_argument(
        "-o",
        "--output",
        default=None,
        help="output file; .svg, .png, .pdf, or .dot for DOT text (default: SCRIPT.svg)",
    )
    parser.add_argument(
        "--view",
        choices=["forward", "gradient", "both"],
        default="forward",
        help="forward graph, gradient graph, or both side by side (default: forward)",
    )
    parser.add_argument(
        "--collapse",
        default=None,
        help="fold name scopes into single nodes: comma-separated scope names, "
        "or a depth N (keep N levels of scopes)",
    )
    parser.add_argument(
        "--all", action="store_true", help="draw the whole graph, not only what the script's fetches need"
    )
    parser.add_argument("--no-shapes", action="store_true", help="do not label edges with shapes")
    parser.add_argument("--no-legend", action="store_true", help="leave out the legend")
    parser.add_argument(
        "--repeats",
        type=int,
        default=6,
        help="fold runs of at least N repeated sibling scopes (RNN steps); 0: off",
    )
    parser.add_argument(
        "--rankdir",
        choices=["BT", "TB", "LR", "RL"],
        default="BT",
        help="direction of the forward data flow (default BT: inputs at the bottom)",
    )


def parse_collapse(text: str | None) -> int | list[str] | None:
    """`--collapse 2` -> 2; `--collapse a,b/c` -> ['a', 'b/c']."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    if text.isdigit():
        return int(text)
    return [p.strip() for p in text.split(",") if p.strip()]


def main(args: argparse.Namespace) -> int:
    """Load the script, draw it, write the file; 0 on success, 2 when it cannot."""
    from graphdl.scripts import load_script
    from graphdl.viz import render

    out = args.output or os.path.splitext(os.path.basename(args.script))[0] + ".svg"
    try:
        spec = load_script(args.script)
    except (OSError, ImportError, SyntaxError, GraphdlError) as exc:
        print(f"graphdl render: {exc}", file=sys.stderr)
        return 2
    what = "forward and gradient graphs" if args.view == "both" else f"{args.view} graph"
    title = f"{spec.get('name')}: {what}"
    try:
        d = render_drawing(spec, args, title)
        render(out, drawing=d)
    except GraphdlError as exc:
        print(f"graphdl render: {exc}", file=sys.stderr)
        return 2
    st = d.stats
    print(
        f"wrote {out}: {st['nodes']} nodes drawn for {st['graph_nodes']} graph nodes, {st['edges']} edges"
        + (f", {st['folds']} folded" if st["folds"] else "")
    )
    return 0


def render_drawing(spec: dict[str, Any], args: argparse.Namespace, title: str) -> Drawing:
    """The drawing `graphdl render` writes for a loaded script."""
    from graphdl.viz import draw

    return draw(
        spec["graph"],
        fetches=None if args.all else spec["fetches"],
        view=args.view,
        collapse=parse_collapse(args.collapse),
        shapes=not args.no_shapes,
        repeats=args.repeats,
        legend=not args.no_legend,
        rankdir=args.rankdir,
        title=title,
    )
