"""The `graphdl` command: version, demo, render, compare (each subcommand lives in its own module)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# subcommand -> (module with `add_arguments(parser)` and `main(args) -> int`, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("graphdl.demo", "train the XOR MLP and the worked backprop example, draw and compare them"),
    "render": ("graphdl.viz.cli", "draw a script's graph to SVG, PNG or PDF"),
    "compare": ("runtime.compare_cli", "run a script's graph compiled and interpreted and compare"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="graphdl",
        description="graphdl: a declarative graph compiler for neural networks (TF1-style API, XLA via JAX).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("version", help="print graphdl's version")
    for name, (module, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        try:
            importlib.import_module(module).add_arguments(p)
        except ModuleNotFoundError as exc:
            if not exc.name or not module.startswith(exc.name):
                raise
            p.set_defaults(_unavailable=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if args.command == "version":
        from graphdl import __version__

        print(f"graphdl {__version__}")
        return 0
    if getattr(args, "_unavailable", None):
        print(f"graphdl {args.command}: not available in this build", file=sys.stderr)
        return 2
    module = importlib.import_module(SUBCOMMANDS[args.command][0])
    return int(module.main(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
