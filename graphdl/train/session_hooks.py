"""TF1's session-run hooks (`tf.train.SessionRunHook` and the standard hooks) for MonitoredSession.

The interface and SecondOrStepTimer are in session_run_hook.py, the hooks that write checkpoints and
summaries in saving_hooks.py; this module holds the others and exports all of them (tf.train.*).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from graphdl import tf_logging as logging
from graphdl.errors import GraphdlError, GraphError, OutOfRangeError
from graphdl.graph import get_default_graph
from graphdl.train.saving_hooks import (
    CheckpointSaverHook,
    CheckpointSaverListener,
    StepCounterHook,
    SummarySaverHook,
)
from graphdl.train.session_run_hook import (
    SecondOrStepTimer,
    SessionRunArgs,
    SessionRunContext,
    SessionRunHook,
    SessionRunValues,
    _NeverTriggerTimer,
    _require_global_step,
)

__all__ = [
    "SessionRunHook",
    "SessionRunArgs",
    "SessionRunContext",
    "SessionRunValues",
    "SecondOrStepTimer",
    "StopAtStepHook",
    "LoggingTensorHook",
    "CheckpointSaverListener",
    "CheckpointSaverHook",
    "StepCounterHook",
    "SummarySaverHook",
    "NanLossDuringTrainingError",
    "NanTensorHook",
    "FeedFnHook",
    "FinalOpsHook",
    "GlobalStepWaiterHook",
]


def _sleep(secs: float) -> None:
    time.sleep(secs)


class StopAtStepHook(SessionRunHook):
    """TF1 `tf.train.StopAtStepHook`: request a stop when the global step reaches `last_step`."""

    def __init__(self, num_steps: int | None = None, last_step: int | None = None) -> None:
        if num_steps is None and last_step is None:
            raise GraphError("One of num_steps or last_step must be specified.")
        if num_steps is not None and last_step is not None:
            raise GraphError("Only one of num_steps or last_step can be specified.")
        self._num_steps = num_steps
        self._last_step = last_step

    def begin(self) -> None:
        self._global_step_tensor = _require_global_step("StopAtStepHook")

    def after_create_session(self, session: Any, coord: Any) -> None:
        if self._last_step is None:
            self._last_step = int(session.run(self._global_step_tensor)) + int(self._num_steps or 0)

    def before_run(self, run_context: SessionRunContext) -> SessionRunArgs:
        return SessionRunArgs(self._global_step_tensor)

    def after_run(self, run_context: SessionRunContext, run_values: SessionRunValues) -> None:
        assert self._last_step is not None
        # the fetched value is the step before this run's update: then read the updated one
        if (
            int(run_values.results) + 1 >= self._last_step
            and int(run_context.session.run(self._global_step_tensor)) >= self._last_step
        ):
            run_context.request_stop()


class LoggingTensorHook(SessionRunHook):
    """TF1 `tf.train.LoggingTensorHook`: log "tag = value, ..." every N runs or seconds, and/or at end."""

    def __init__(
        self,
        tensors: Any,
        every_n_iter: int | None = None,
        every_n_secs: float | None = None,
        at_end: bool = False,
        formatter: Callable[[dict[Any, Any]], str] | None = None,
    ) -> None:
        only_at_end = at_end and every_n_iter is None and every_n_secs is None
        if not only_at_end and (every_n_iter is None) == (every_n_secs is None):
            raise GraphError(
                "either at_end and/or exactly one of every_n_iter and every_n_secs must be provided."
            )
        if every_n_iter is not None and every_n_iter <= 0:
            raise GraphError(f"invalid every_n_iter={every_n_iter}.")
        if isinstance(tensors, dict):
            self._tag_order = sorted(tensors)
        else:
            self._tag_order = list(tensors)
            tensors = {item: item for item in tensors}
        self._tensors = tensors
        self._formatter = formatter
        self._timer = _NeverTriggerTimer() if only_at_end else SecondOrStepTimer(every_n_secs, every_n_iter)
        self._log_at_end = at_end

    def begin(self) -> None:
        self._timer.reset()
        self._iter_count = 0
        graph = get_default_graph()
        self._current_tensors = {
            tag: graph.as_graph_element(t) if isinstance(t, str) else t for tag, t in self._tensors.items()
        }

    def before_run(self, run_context: SessionRunContext) -> SessionRunArgs | None:
        self._should_trigger = self._timer.should_trigger_for_step(self._iter_count)
        return SessionRunArgs(self._current_tensors) if self._should_trigger else None

    def _log_tensors(self, values: dict[Any, Any]) -> None:
        elapsed, _ = self._timer.update_last_triggered_step(self._iter_count)
        with np.printoptions(suppress=True):
            if self._formatter is not None:
                logging.info(self._formatter(values))
                return
            stats = ", ".join(
                f"{tag} = {values[tag]!s}" for tag in self._tag_order
            )  # str(): np.float32 as TF1
            if elapsed is not None:
                logging.info("%s (%.3f sec)", stats, elapsed)
            else:
                logging.info("%s", stats)

    def after_run(self, run_context: SessionRunContext, run_values: SessionRunValues) -> None:
        if self._should_trigger:
            self._log_tensors(run_values.results)
        self._iter_count += 1

    def end(self, session: Any) -> None:
        if self._log_at_end:
            self._log_tensors(session.run(self._current_tensors))


class NanLossDuringTrainingError(GraphdlError, RuntimeError):
    """TF1 `tf.train.NanLossDuringTrainingError`: NanTensorHook saw a NaN loss."""

    def __str__(self) -> str:
        return "NaN loss during training."


class NanTensorHook(SessionRunHook):
    """TF1 `tf.train.NanTensorHook`: fail (or stop) when the loss is NaN."""

    def __init__(self, loss_tensor: Any, fail_on_nan_loss: bool = True) -> None:
        self._loss_tensor = loss_tensor
        self._fail_on_nan_loss = fail_on_nan_loss

    def before_run(self, run_context: SessionRunContext) -> SessionRunArgs:
        return SessionRunArgs(self._loss_tensor)

    def after_run(self, run_context: SessionRunContext, run_values: SessionRunValues) -> None:
        if np.isnan(run_values.results):
            message = "Model diverged with loss = NaN."
            if self._fail_on_nan_loss:
                logging.error(message)
                raise NanLossDuringTrainingError
            logging.warning(message)
            run_context.request_stop()


class FeedFnHook(SessionRunHook):
    """TF1 `tf.train.FeedFnHook`: feed `feed_fn()` into every run."""

    def __init__(self, feed_fn: Callable[[], Any]) -> None:
        self.feed_fn = feed_fn

    def before_run(self, run_context: SessionRunContext) -> SessionRunArgs:
        return SessionRunArgs(fetches=None, feed_dict=self.feed_fn())


class FinalOpsHook(SessionRunHook):
    """TF1 `tf.train.FinalOpsHook`: run `final_ops` when the session ends; see `final_ops_values`."""

    def __init__(self, final_ops: Any, final_ops_feed_dict: Any = None) -> None:
        self._final_ops = final_ops
        self._final_ops_feed_dict = final_ops_feed_dict
        self._final_ops_values: Any = None

    @property
    def final_ops_values(self) -> Any:
        return self._final_ops_values

    def end(self, session: Any) -> None:
        if self._final_ops is not None:
            try:
                self._final_ops_values = session.run(self._final_ops, feed_dict=self._final_ops_feed_dict)
            except (OutOfRangeError, StopIteration):
                logging.warning(
                    "An OutOfRangeError or StopIteration exception is raised by the code in FinalOpsHook. "
                    "This typically means the Ops running by the FinalOpsHook have a dependency back to "
                    "some input source, which should not happen."
                )
                raise


class GlobalStepWaiterHook(SessionRunHook):
    """TF1 `tf.train.GlobalStepWaiterHook`: hold a worker's first run until the global step reaches N."""

    def __init__(self, wait_until_step: int) -> None:
        self._wait_until_step = wait_until_step

    def begin(self) -> None:
        self._worker_is_started = False
        self._global_step_tensor = _require_global_step("_GlobalStepWaiterHook")

    def before_run(self, run_context: SessionRunContext) -> None:
        if self._worker_is_started:
            return None
        if self._wait_until_step <= 0:
            self._worker_is_started = True
            return None
        logging.info("Waiting for global step %d before starting training.", self._wait_until_step)
        last_logged = 0
        while True:
            current = int(run_context.session.run(self._global_step_tensor))
            if current >= self._wait_until_step:
                self._worker_is_started = True
                return None
            if current - last_logged > 1000:
                logging.info(
                    "Waiting for global step %d before starting training. Current step is %d.",
                    self._wait_until_step,
                    current,
                )
                last_logged = current
            _sleep(0.5)
