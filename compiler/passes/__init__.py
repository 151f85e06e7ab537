"""Graph optimization passes over a Plan; each pass is a function Plan -> Plan in its own module.

Passes never touch the user's Graph: they return a Plan with rewritten steps, keep `step.node` as
the origin node (names and source lines in errors), and redirect the inputs and fetches of a
removed step to the slot that holds the same value. `compiler.plan` runs `DEFAULT_PASSES` (in this
order) before either backend sees the plan; `Plan.log` records (pass name, steps before, after).
"""

from __future__ import annotations

from compiler.passes.cse import cse
from compiler.passes.dce import dce
from compiler.passes.fold import fold_constants
from compiler.passes.simplify import simplify
from compiler.plan import Pass

__all__ = ["DEFAULT_PASSES", "PASSES", "cse", "dce", "fold_constants", "simplify"]

# fold first (constants feed the simplifier's patterns), simplify, merge duplicates, then drop
# whatever the rewrites left unused
DEFAULT_PASSES: list[Pass] = [fold_constants, simplify, cse, dce]

PASSES: dict[str, Pass] = {p.__name__: p for p in (fold_constants, simplify, cse, dce)}
