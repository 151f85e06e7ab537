"""The Optimizer base class (TF1 `tf.train.Optimizer`): compute_gradients, apply_gradients, minimize, slots."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from graphdl.errors import DTypeError, GraphError
from graphdl.graph import Graph, GraphKeys, Node
from graphdl.tensor import Tensor
from graphdl.variables import Variable

GradsAndVars = list[tuple[Tensor | None, Variable]]


def _as_variable(v: Any) -> Variable:
    if not isinstance(v, Variable):
        raise GraphError(f"optimizers update Variables; {v!r} is not a Variable")
    return v


class Optimizer:
    """TF1 `tf.train.Optimizer`: subclasses give `_create_slots`, `_prepare`, `_apply_dense`, `_finish`."""

    GATE_NONE = 0
    GATE_OP = 1
    GATE_GRAPH = 2

    def __init__(self, use_locking: bool, name: str) -> None:
        if not name:
            raise GraphError("an optimizer needs a non-empty name")
        self._use_locking = use_locking
        self._name = name
        self._slots: dict[str, dict[Variable, Variable]] = {}
        self._non_slots: dict[tuple[str, Graph], Variable] = {}

    def get_name(self) -> str:
        """The optimizer's name (its name scope and the suffix of its slot variables)."""
        return self._name

    # --- the three public steps -------------------------------------------------------------
    def compute_gradients(
        self,
        loss: Any,
        var_list: Sequence[Variable] | None = None,
        gate_gradients: int = GATE_OP,
        aggregation_method: Any = None,
        colocate_gradients_with_ops: bool = False,
        grad_loss: Any = None,
    ) -> GradsAndVars:
        """(gradient, variable) pairs for d(loss)/d(var); a non-scalar loss is summed; None if unconnected."""
        from compiler.autodiff import gradients
        from graphdl.convert import convert_to_tensor

        loss_t = convert_to_tensor(loss)
        if not loss_t.dtype.is_floating:
            raise DTypeError(f"the loss '{loss_t.name}' must be floating, got {loss_t.dtype.name}")
        if var_list is None:
            var_list = loss_t.graph.get_collection(GraphKeys.TRAINABLE_VARIABLES)
        var_list = [_as_variable(v) for v in var_list]
        if not var_list:
            raise GraphError("No variables to optimize.")
        grads = gradients(loss_t, var_list, grad_ys=grad_loss)
        return list(zip(grads, var_list, strict=True))

    def apply_gradients(self, grads_and_vars: Any, global_step: Any = None, name: str | None = None) -> Node:
        """An op applying the gradients (pairs with a None gradient are skipped), then counting global_step."""
        from graphdl.ops.state import assign_add

        pairs = [(g, _as_variable(v)) for g, v in grads_and_vars]
        if not pairs:
            raise GraphError("No variables provided.")
        present = [(g, v) for g, v in pairs if g is not None]
        if not present:
            raise GraphError(f"No gradients provided for any variable: {[v.name for _, v in pairs]}.")
        for g, v in present:
            if g.dtype != v.dtype:
                raise DTypeError(
                    f"gradient '{g.name}' is {g.dtype.name}, but variable '{v.name}' is {v.dtype.name}"
                )
        graph = present[0][1].graph
        with graph.as_default():
            self._create_slots([v for _, v in present])
            with graph.name_scope(name or self._name) as scope:
                self._prepare()
                updates: list[Any] = []
                for g, v in present:
                    with graph.name_scope("update_" + v.op.name):
                        updates.append(self._apply_dense(g, v))
                if global_step is None:
                    result: Node = self._finish(updates, scope)
                else:
                    with graph.control_dependencies([self._finish(updates, "update")]):
                        result = assign_add(global_step, 1, name=scope).op
            train_ops = graph.get_collection_ref(GraphKeys.TRAIN_OP)
            if result not in train_ops:
                train_ops.append(result)
        return result

    def minimize(
        self,
        loss: Any,
        global_step: Any = None,
        var_list: Sequence[Variable] | None = None,
        gate_gradients: int = GATE_OP,
        aggregation_method: Any = None,
        colocate_gradients_with_ops: bool = False,
        name: str | None = None,
        grad_loss: Any = None,
    ) -> Node:
        """compute_gradients then apply_gradients; an error names the variables when no gradient reaches any."""
        pairs = self.compute_gradients(loss, var_list=var_list, grad_loss=grad_loss)
        if all(g is None for g, _ in pairs):
            from graphdl.convert import convert_to_tensor

            raise GraphError(
                "No gradients provided for any variable, check your graph for ops that do not support "
                f"gradients, between variables {[v.name for _, v in pairs]} and loss "
                f"'{convert_to_tensor(loss).name}' ({convert_to_tensor(loss).op.describe()})."
            )
        return self.apply_gradients(pairs, global_step=global_step, name=name)

    # --- slots --------------------------------------------------------------------------------
    def get_slot(self, var: Variable, name: str) -> Variable | None:
        """The slot variable `name` of `var` (e.g. 'm' and 'v' for Adam), or None."""
        return self._slots.get(name, {}).get(var)

    def get_slot_names(self) -> list[str]:
        """The names of the slots this optimizer creates, sorted."""
        return sorted(self._slots)

    def variables(self) -> list[Variable]:
        """The optimizer's own variables: its slots and non-slot variables (e.g. Adam's beta powers)."""
        out = [v for slots in self._slots.values() for v in slots.values()]
        out += list(self._non_slots.values())
        return sorted(out, key=lambda v: v.name)

    def _make_slot(self, var: Variable, slot_name: str, value: float, init_name: str) -> Variable:
        """A non-trainable variable `<var>/<optimizer name>` (TF1 adds `_1`, `_2`, ...) filled with value."""
        slots = self._slots.setdefault(slot_name, {})
        if var in slots:
            return slots[var]
        from graphdl.ops.state import constant

        graph = var.graph
        with graph.as_default(), graph.name_scope(None):
            scope = graph.unique_name(f"{var.op.name}/{self._name}")

            def init() -> Tensor:
                if var.shape.is_fully_defined():
                    return constant(np.full(var.shape.as_list(), value, dtype=var.dtype.np), name=init_name)
                from graphdl.ops import array

                return array.ones_like(var.initial_value) * value  # type: ignore[no-any-return]

            slot = Variable(init, trainable=False, _scope=scope + "/")
        slots[var] = slot
        return slot

    def _zeros_slot(self, var: Variable, slot_name: str) -> Variable:
        return self._make_slot(var, slot_name, 0.0, "zeros")

    def _non_slot_variable(self, initial_value: Any, name: str, graph: Graph) -> Variable:
        """A variable shared by all the optimizer's updates (TF1: Adam's `beta1_power`), made once per graph."""
        key = (name, graph)
        if key not in self._non_slots:
            with graph.as_default():
                self._non_slots[key] = Variable(initial_value, name=name, trainable=False)
        return self._non_slots[key]

    # --- what subclasses give -----------------------------------------------------------------
    def _create_slots(self, var_list: list[Variable]) -> None:
        """Create the slot variables of `var_list` (before any update op)."""

    def _prepare(self) -> None:
        """Create the hyperparameter tensors, inside the optimizer's name scope."""

    def _apply_dense(self, grad: Tensor, var: Variable) -> Tensor:
        raise NotImplementedError

    def _finish(self, update_ops: list[Any], name_scope: str) -> Node:
        """The op grouping the updates (Adam also updates its beta powers here)."""
        from graphdl.ops.state import group

        return group(*update_ops, name=name_scope)


def cast_to(t: Tensor, var: Variable) -> Tensor:
    """A hyperparameter tensor in the variable's dtype (TF1 casts them in `_apply_dense`)."""
    from graphdl.ops.math import cast

    return cast(t, var.dtype)  # type: ignore[no-any-return]
