"""The Supervisor's standard services: threads that write the summary op, global_step/sec and
checkpoints at intervals (each runs once at start, as TF1's), and SessionLog events."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from graphdl import tf_logging as logging
from graphdl.train.coordinator import LooperThread

if TYPE_CHECKING:
    from graphdl.train.supervisor import Supervisor

# SessionLog.status values (tensorflow/core/util/event.proto)
_START, _STOP, _CHECKPOINT = 1, 2, 3


def _session_log(writer: Any, status: int, step: int | None = None, checkpoint_path: str = "") -> None:
    """Write a SessionLog event (START, STOP or CHECKPOINT) as TF1's Supervisor does."""
    from graphdl.events.session_log import SessionLog

    writer.add_session_log(SessionLog(status=status, checkpoint_path=checkpoint_path), step)


class _SummaryThread(LooperThread):
    """TF1's SVSummaryThread: run the summary op (and the global step) and write it."""

    def __init__(self, sv: Supervisor, sess: Any) -> None:
        super().__init__(sv.coord, sv.save_summaries_secs)
        self._sv, self._sess = sv, sess
        self.name = "SVSummaryThread"

    def run_loop(self) -> None:
        sv = self._sv
        if sv.global_step is not None:
            summary, step = self._sess.run([sv.summary_op, sv.global_step])
        else:
            summary, step = self._sess.run(sv.summary_op), None
        if sv.summary_writer:
            logging.info("Recording summary at step %s.", step)
            sv.summary_writer.add_summary(summary, step)


class _StepCounterThread(LooperThread):
    """TF1's SVStepCounterThread: write global_step/sec."""

    def __init__(self, sv: Supervisor, sess: Any) -> None:
        super().__init__(sv.coord, sv.save_summaries_secs)
        self._sv, self._sess = sv, sess
        self._last_time, self._last_step = 0.0, 0
        self._tag = f"{sv.global_step.op.name}/sec"
        self.name = "SVStepCounterThread"

    def start_loop(self) -> None:
        self._last_time = time.time()
        self._last_step = int(self._sess.run(self._sv.global_step))

    def run_loop(self) -> None:
        from graphdl.events import proto

        step = int(self._sess.run(self._sv.global_step))
        added, self._last_step = step - self._last_step, step
        now = time.time()
        elapsed, self._last_time = now - self._last_time, now
        rate = added / elapsed if elapsed > 0 else float("inf")
        if self._sv.summary_writer:
            self._sv.summary_writer.add_summary(proto.scalar_value(self._tag, rate), step)
        logging.info("%s: %g", self._tag, rate)


class _CheckpointThread(LooperThread):
    """TF1's SVTimerCheckpointThread: save a checkpoint every save_model_secs."""

    def __init__(self, sv: Supervisor, sess: Any) -> None:
        super().__init__(sv.coord, sv.save_model_secs)
        self._sv, self._sess = sv, sess
        self.name = "SVTimerCheckpointThread"

    def run_loop(self) -> None:
        sv = self._sv
        logging.info("Saving checkpoint to path %s", sv.save_path)
        sv.saver.save(self._sess, sv.save_path, global_step=sv.global_step)
        if sv.summary_writer and sv.global_step is not None:
            step = int(self._sess.run(sv.global_step))
            _session_log(sv.summary_writer, _CHECKPOINT, step, sv.save_path or "")
