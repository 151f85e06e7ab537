"""Graph optimization passes over a Plan; each pass is a function Plan -> Plan in its own module."""

from __future__ import annotations

from compiler.plan import Pass

DEFAULT_PASSES: list[Pass] = []
