"""TF1's `tf.train.Saver` and checkpoint helpers, over the files of `graphdl.train.checkpoint_io`.

`saver.save(sess, "ckpt/model", global_step=100)` writes `ckpt/model-100.npz` and the `checkpoint`
state file, and returns the prefix `ckpt/model-100`; `saver.restore(sess, prefix)` checks every
variable's name, shape and dtype against the file, reports every mismatch at once in a
`CheckpointError`, and changes nothing in the session unless all of them fit.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from graphdl.errors import CheckpointError, UninitializedVariableError
from graphdl.train import checkpoint_io as io
from graphdl.variables import Variable, global_variables

__all__ = [
    "Saver",
    "latest_checkpoint",
    "get_checkpoint_state",
    "checkpoint_exists",
    "list_variables",
    "load_variable",
]


class CheckpointState(NamedTuple):
    """What `get_checkpoint_state` returns: TF1's field names."""

    model_checkpoint_path: str
    all_model_checkpoint_paths: list[str]


def _by_name(var_list: Any) -> dict[str, Variable]:
    if var_list is None:
        var_list = global_variables()
    if isinstance(var_list, Mapping):
        items = list(var_list.items())
    elif isinstance(var_list, Sequence) and not isinstance(var_list, str):
        items = [(getattr(v, "op", None) and v.op.name, v) for v in var_list]
    else:
        raise CheckpointError(
            f"Saver var_list must be a list or a dict of variables, got {type(var_list).__name__}"
        )
    out: dict[str, Variable] = {}
    for name, v in items:
        if not isinstance(v, Variable):
            raise CheckpointError(f"Saver can save variables only; got {v!r} for {name!r}")
        if name in out and out[name] is not v:
            raise CheckpointError(f"two variables are saved under the name {name!r}")
        out[str(name)] = v
    return out


class Saver:
    """TF1 `tf.train.Saver`: saves and restores variables of a session (see the module docstring).

    var_list: None (all global variables, taken when the Saver is made), a list of variables (saved
    under their op names) or a dict name -> variable. max_to_keep: how many of this Saver's newest
    checkpoints to keep (None or 0 keeps all). allow_empty: with no variables, save and restore do
    nothing instead of raising.
    """

    def __init__(
        self,
        var_list: Any = None,
        reshape: bool = False,
        sharded: bool = False,
        max_to_keep: int | None = 5,
        keep_checkpoint_every_n_hours: float = 10000.0,
        name: str | None = None,
        restore_sequentially: bool = False,
        saver_def: Any = None,
        builder: Any = None,
        defer_build: bool = False,
        allow_empty: bool = False,
        write_version: Any = None,
        pad_step_number: bool = False,
        save_relative_paths: bool = False,
        filename: str | None = None,
    ) -> None:
        self._vars = _by_name(var_list)
        if not self._vars and not allow_empty:
            raise CheckpointError(
                "no variables to save (create them before the Saver, or pass allow_empty=True)"
            )
        self._max_to_keep = max_to_keep
        self._pad = pad_step_number
        self._last: list[str] = []

    @property
    def last_checkpoints(self) -> list[str]:
        """This Saver's kept checkpoint prefixes, oldest first."""
        return list(self._last)

    def save(
        self,
        sess: Any,
        save_path: str,
        global_step: Any = None,
        latest_filename: str | None = None,
        meta_graph_suffix: str = "meta",
        write_meta_graph: bool = True,
        write_state: bool = True,
        strip_default_attrs: bool = False,
    ) -> str | None:
        """Write the variables' values in `sess`; returns the checkpoint prefix."""
        if not self._vars:
            return None
        prefix = save_path
        if global_step is not None:
            known = isinstance(global_step, int | np.integer) or (
                isinstance(global_step, np.ndarray)
                and global_step.ndim == 0
                and global_step.dtype.kind in "iu"
            )
            step = global_step if known else sess.run(global_step)
            prefix = f"{save_path}-{int(step):08d}" if self._pad else f"{save_path}-{int(step)}"
        values = sess.variable_values()
        missing = [n for n, v in self._vars.items() if v.op.name not in values]
        if missing:
            raise UninitializedVariableError(
                f"cannot save uninitialized variable(s) {', '.join(repr(m) for m in missing)}; "
                "run their initializer (or restore them) first"
            )
        io.write_checkpoint(prefix, {n: values[v.op.name] for n, v in self._vars.items()})
        if write_meta_graph:
            from graphdl.serialize import write_graph

            write_graph(next(iter(self._vars.values())).graph, f"{prefix}.{meta_graph_suffix}")
        if prefix in self._last:
            self._last.remove(prefix)
        self._last.append(prefix)
        if self._max_to_keep:
            while len(self._last) > self._max_to_keep:
                old = self._last.pop(0)
                for path in (
                    io.data_path(old),
                    f"{old}.{meta_graph_suffix}",
                    f"{old}.{meta_graph_suffix}.npz",
                ):
                    if os.path.exists(path):
                        os.remove(path)
        if write_state:
            io.write_state(
                os.path.dirname(os.path.abspath(prefix)), prefix, self._last, latest_filename or "checkpoint"
            )
        return prefix

    def restore(self, sess: Any, save_path: str | None) -> None:
        """Set the variables in `sess` from checkpoint `save_path`, all or none."""
        if save_path is None:
            raise CheckpointError("cannot restore: save_path is None (no checkpoint found?)")
        if not self._vars:
            return
        problems: list[str] = []
        new: dict[Variable, np.ndarray] = {}
        with io.open_checkpoint(save_path) as (manifest, archive):
            saved = manifest["variables"]
            for name, v in self._vars.items():
                if name not in saved:
                    problems.append(f"'{name}' is not in the checkpoint")
                    continue
                shape, dtype = tuple(saved[name]["shape"]), saved[name]["dtype"]
                want_shape = v.shape.as_list() if v.shape.dims is not None else None
                if want_shape is not None and (
                    len(want_shape) != len(shape)
                    or any(w is not None and w != s for w, s in zip(want_shape, shape, strict=True))
                ):
                    problems.append(
                        f"'{name}' has shape {list(shape)} in the checkpoint but {v.shape} in the graph"
                    )
                if np.dtype(dtype) != v.dtype.np:
                    problems.append(
                        f"'{name}' has dtype {dtype} in the checkpoint but {v.dtype.name} in the graph"
                    )
                if not problems:
                    new[v] = np.asarray(archive[name])
        if problems:
            raise CheckpointError(
                f"cannot restore {save_path!r} ({len(problems)} mismatch(es); nothing was changed):\n  "
                + "\n  ".join(problems)
            )
        sess.load_variables(new)

    def recover_last_checkpoints(self, checkpoint_paths: list[str]) -> None:
        """TF1: adopt existing checkpoints (oldest first) as this Saver's kept ones."""
        self._last = [p for p in checkpoint_paths if checkpoint_exists(p)]

    def set_last_checkpoints_with_time(self, last_checkpoints_with_time: list[tuple[str, float]]) -> None:
        self._last = [p for p, _ in last_checkpoints_with_time]


def latest_checkpoint(checkpoint_dir: str, latest_filename: str | None = None) -> str | None:
    """The newest checkpoint prefix recorded in `checkpoint_dir`, or None (TF1's behaviour)."""
    state = io.read_state(checkpoint_dir, latest_filename or "checkpoint")
    if state is None or not checkpoint_exists(state[0]):
        return None
    return state[0]


def get_checkpoint_state(checkpoint_dir: str, latest_filename: str | None = None) -> CheckpointState | None:
    """TF1's `tf.train.get_checkpoint_state`: the state file's contents, or None."""
    state = io.read_state(checkpoint_dir, latest_filename or "checkpoint")
    return None if state is None else CheckpointState(state[0], state[1])


def checkpoint_exists(checkpoint_prefix: str) -> bool:
    """Whether a checkpoint file exists for this prefix."""
    return os.path.isfile(io.data_path(checkpoint_prefix))


def _resolve(ckpt_dir_or_file: str) -> str:
    if os.path.isdir(ckpt_dir_or_file):
        found = latest_checkpoint(ckpt_dir_or_file)
        if found is None:
            raise CheckpointError(f"no checkpoint recorded in the folder {ckpt_dir_or_file!r}")
        return found
    return ckpt_dir_or_file


def list_variables(ckpt_dir_or_file: str) -> list[tuple[str, list[int]]]:
    """TF1's `tf.train.list_variables`: (name, shape) of each saved variable, sorted by name."""
    with io.open_checkpoint(_resolve(ckpt_dir_or_file)) as (manifest, _):
        return sorted((n, list(m["shape"])) for n, m in manifest["variables"].items())


def load_variable(ckpt_dir_or_file: str, name: str) -> np.ndarray:
    """TF1's `tf.train.load_variable`: one saved value as a NumPy array."""
    with io.open_checkpoint(_resolve(ckpt_dir_or_file)) as (manifest, archive):
        if name not in manifest["variables"]:
            have = ", ".join(sorted(manifest["variables"])) or "none"
            raise CheckpointError(f"'{name}' is not in the checkpoint (it holds: {have})")
        return np.asarray(archive[name])
