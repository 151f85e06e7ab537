"""TF1's session-run hook interface: SessionRunHook, SessionRunArgs/Context/Values, SecondOrStepTimer.

A hook sees every `MonitoredSession.run`: `before_run` may add fetches and feeds (a SessionRunArgs),
which are merged into the one underlying `Session.run`, and `after_run` gets its own results back.
Timers read the clock through `_now()` so tests can move time without sleeping. The names are
exported through graphdl/train/session_hooks.py.
"""

from __future__ import annotations

import os
import time
from typing import Any, NamedTuple

from graphdl.errors import FailedPreconditionError, GraphError
from graphdl.graph import get_default_graph

__all__ = ["SessionRunHook", "SessionRunArgs", "SessionRunContext", "SessionRunValues", "SecondOrStepTimer"]


def _now() -> float:
    """The clock the timed hooks read (monkeypatched in tests)."""
    return time.time()


class SessionRunHook:
    """TF1 `tf.train.SessionRunHook`: the no-op base of hooks into a MonitoredSession's life."""

    def begin(self) -> None:
        """Called once before the session is made; the graph may still be changed here."""

    def after_create_session(self, session: Any, coord: Any) -> None:
        """Called when the session is made and initialized (or restored)."""

    def before_run(self, run_context: SessionRunContext) -> SessionRunArgs | None:
        """Called before each run; may return SessionRunArgs to add fetches and feeds."""
        return None

    def after_run(self, run_context: SessionRunContext, run_values: SessionRunValues) -> None:
        """Called after each successful run with this hook's results."""

    def end(self, session: Any) -> None:
        """Called when the monitored session closes without an error."""


class SessionRunArgs(NamedTuple):
    """TF1 `tf.train.SessionRunArgs`: what a hook adds to a run."""

    fetches: Any
    feed_dict: Any = None
    options: Any = None


class SessionRunValues(NamedTuple):
    """TF1 `tf.train.SessionRunValues`: a hook's results of a run."""

    results: Any
    options: Any
    run_metadata: Any


class SessionRunContext:
    """TF1 `tf.train.SessionRunContext`: the run's original arguments, the raw session, request_stop."""

    def __init__(self, original_args: SessionRunArgs, session: Any) -> None:
        self._original_args = original_args
        self._session = session
        self._stop_requested = False

    @property
    def original_args(self) -> SessionRunArgs:
        return self._original_args

    @property
    def session(self) -> Any:
        return self._session

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested

    def request_stop(self) -> None:
        """Ask the monitored session to stop after this run (should_stop() becomes True)."""
        self._stop_requested = True


class SecondOrStepTimer:
    """TF1 `tf.train.SecondOrStepTimer`: triggers every `every_secs` seconds or every `every_steps` steps."""

    def __init__(self, every_secs: float | None = None, every_steps: int | None = None) -> None:
        self.reset()
        self._every_secs = every_secs
        self._every_steps = every_steps
        if every_secs is None and every_steps is None:
            raise GraphError("Either every_secs or every_steps should be provided.")
        if every_secs is not None and every_steps is not None:
            raise GraphError("Can not provide both every_secs and every_steps.")

    def reset(self) -> None:
        self._last_triggered_step: int | None = None
        self._last_triggered_time: float | None = None

    def should_trigger_for_step(self, step: int) -> bool:
        """Whether enough time or steps have passed since the last trigger (always true the first time)."""
        if self._last_triggered_step is None:
            return True
        if self._last_triggered_step == step:
            return False
        if (
            self._every_secs is not None
            and self._last_triggered_time is not None
            and _now() >= self._last_triggered_time + self._every_secs
        ):
            return True
        return self._every_steps is not None and step >= self._last_triggered_step + self._every_steps

    def update_last_triggered_step(self, step: int) -> tuple[float | None, int | None]:
        """Record a trigger at `step`; returns (seconds, steps) since the previous one (None the first time)."""
        current = _now()
        if self._last_triggered_time is None:
            elapsed: tuple[float | None, int | None] = (None, None)
        else:
            elapsed = (current - self._last_triggered_time, step - (self._last_triggered_step or 0))
        self._last_triggered_time = current
        self._last_triggered_step = step
        return elapsed

    def last_triggered_step(self) -> int | None:
        return self._last_triggered_step


class _NeverTriggerTimer(SecondOrStepTimer):
    def __init__(self) -> None:
        self.reset()

    def should_trigger_for_step(self, step: int) -> bool:
        return False

    def update_last_triggered_step(self, step: int) -> tuple[float | None, int | None]:
        return (None, None)


def _require_global_step(hook: str) -> Any:
    """The graph's global step, or TF1's error for a hook that needs one."""
    from graphdl.train.global_step import get_global_step

    step = get_global_step()
    if step is None:
        raise FailedPreconditionError(f"Global step should be created to use {hook}.")
    return step


_WRITERS: dict[str, Any] = {}


def _writer_for(logdir: str) -> Any:
    """TF1's SummaryWriterCache.get: one FileWriter (with the default graph) per directory."""
    from graphdl.events.writer import FileWriter

    key = os.path.abspath(logdir)
    writer = _WRITERS.get(key)
    if writer is None:
        writer = _WRITERS[key] = FileWriter(logdir, graph=get_default_graph())
    else:
        writer.reopen()
    return writer
