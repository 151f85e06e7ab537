"""`graphdl compare SCRIPT`: run a script's graph on XLA and on the interpreter, print the diff table.

The script convention (shared with `graphdl render`) is documented in docs/compare.md: the script
defines `build()` returning {"graph": Graph, "fetches": [...], "feed_dict": {...}, "init": op,
"name": str} ("init" and "name" optional). Exit status 0 when every fetch agrees, 1 otherwise,
2 when the script cannot be loaded or the graph cannot be run.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from graphdl.errors import GraphdlError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `compare` subcommand's options."""
    parser.add_argument("script", help="a Python file defining build() (see docs/compare.md)")
    parser.add_argument("--per-node", action="store_true", help="also name the first node that disagrees")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per backend (default 5)")
    parser.add_argument("--rtol", type=float, default=None, help="relative tolerance (default: per dtype)")
    parser.add_argument("--atol", type=float, default=None, help="absolute tolerance (default: per dtype)")
    parser.add_argument(
        "--no-optimize", action="store_true", help="run the plans without optimization passes"
    )
    parser.add_argument("--device", default=None, help="XLA device: cpu, gpu or tpu (default: JAX's default)")


def load_script(path: str) -> dict[str, Any]:
    """Run a script file's `build()` and return its checked dict (the convention of graphdl.scripts)."""
    from graphdl.scripts import load_script as shared_loader

    return shared_loader(path)


def main(args: argparse.Namespace) -> int:
    """Load the script, compare the backends, print the table; 0 when all fetches agree, else 1."""
    from runtime.compare import compare

    try:
        spec = load_script(args.script)
    except (OSError, ImportError, GraphdlError, SyntaxError) as exc:
        print(f"graphdl compare: {exc}", file=sys.stderr)
        return 2
    graph = spec["graph"]
    try:
        with graph.as_default():
            report = compare(
                spec["fetches"],
                spec.get("feed_dict"),
                graph=graph,
                init=spec.get("init"),
                per_node=args.per_node,
                repeats=max(1, args.repeats),
                rtol=args.rtol,
                atol=args.atol,
                optimize=not args.no_optimize,
                device=args.device,
            )
    except GraphdlError as exc:  # a bad feed, an unknown device, a run that failed on one backend
        print(f"graphdl compare: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    title = spec.get("name") or os.path.basename(args.script)
    print(f"{title}: {report.test} vs {report.reference}")
    print(report)
    return 0 if report.ok else 1
