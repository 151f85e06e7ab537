"""Generate docs/ops.md, the op reference, from the op table (run: python docs/make_op_reference.py)."""

from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def render() -> str:
    """The op reference as Markdown: one row per registered op."""
    from graphdl.registry import all_op_defs

    lines = [
        "# Op reference",
        "",
        "Generated from the op table by `docs/make_op_reference.py`; do not edit by hand.",
        "Every op has its four rules (infer, evaluate, lower, gradient) in one entry of",
        "`graphdl/ops/<family>.py`. *grad* says whether gradients flow through it; *kind* is what",
        "drawings and passes see.",
        "",
        "| op type | API | family | kind | grad | what it does |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for op in all_op_defs():
        family = op.module.rpartition(".")[2]
        doc = " ".join((op.doc or "").split()).replace("|", "\\|")
        grad = "yes" if op.differentiable else "no"
        lines.append(f"| `{op.name}` | `{op.api_name}` | {family} | {op.kind} | {grad} | {doc} |")
    lines.append("")
    return "\n".join(lines)


def main() -> int:
    sys.path.insert(0, os.path.dirname(HERE))
    path = os.path.join(HERE, "ops.md")
    with open(path, "w") as f:
        f.write(render())
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
