"""The run state both backends hand to op rules: the node, variables at run start, writes, the step."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphdl.errors import UninitializedVariableError
from graphdl.graph import Node


class RunContext:
    """Per-step view given to `evaluate` and `lower` rules; writes are collected, never applied here."""

    __slots__ = ("checks", "node", "platform", "static_input", "step", "variables", "writes")

    def __init__(self, variables: Mapping[str, Any], step: Any, platform: str = "cpu") -> None:
        self.node: Node | None = None
        self.platform = platform
        self.variables = variables
        self.writes: dict[str, Any] = {}
        self.step = step
        # lowering only: input i of the current step as a NumPy array known at trace time, or None
        self.static_input: Any = None
        # lowering only: run-time checks (ok, fail, data) added by `check`
        self.checks: list[tuple[Any, Any, tuple[Any, ...]]] = []

    def read_variable(self, name: str) -> Any:
        """The variable's value at the start of the run."""
        try:
            return self.variables[name]
        except KeyError:
            where = self.node.describe() if self.node is not None else name
            raise UninitializedVariableError(
                f"{where}: attempting to use uninitialized variable '{name}'; "
                "run graphdl.global_variables_initializer() (or the variable's initializer) first"
            ) from None

    def check(self, ok: Any, fail: Any, *data: Any) -> None:
        """Lowering: a run-time check. When the traced bool `ok` is false, the run's writes are
        dropped and the runtime calls `fail(*data as NumPy arrays)`, which raises."""
        self.checks.append((ok, fail, data))

    def write_variable(self, name: str, value: Any) -> None:
        """Record a write; the Session applies all writes of a run together when it succeeds."""
        self.writes[name] = value
