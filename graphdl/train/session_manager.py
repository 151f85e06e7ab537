"""TF1's `tf.train.SessionManager`: a session restored from the newest checkpoint or initialized,
checked ready (the Supervisor's and Scaffold's way of making sessions)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from graphdl import tf_logging as logging
from graphdl.errors import FailedPreconditionError, GraphError
from graphdl.graph import Graph, get_default_graph

__all__ = ["SessionManager"]


class _ReportUninitialized:
    """A ready op checked on the host: the names of the uninitialized variables (TF1 runs a
    report_uninitialized_variables op)."""

    name = "report_uninitialized_variables"

    def __init__(self, local: bool) -> None:
        self._local = local  # also check local variables (ready_op) or only global ones

    def missing(self, session: Any) -> list[str]:
        from graphdl.variables import global_variables, local_variables

        with session.graph.as_default():
            variables = global_variables() + (local_variables() if self._local else [])
        return [v.op.name for v in variables if not session.is_initialized(v)]

    def __repr__(self) -> str:
        return f"<{self.name}>"


def _not_ready(session: Any, ready_op: Any) -> str | None:
    """None when `ready_op` reports nothing uninitialized, else TF1's message."""
    if ready_op is None:
        return None
    if isinstance(ready_op, _ReportUninitialized):
        names = ready_op.missing(session)
    else:
        out = session.run(ready_op)
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in list(out.reshape(-1))]
    return f"Variables not initialized: {', '.join(names)}" if names else None


def _maybe_name(op: Any) -> str:
    return "None" if op is None else str(getattr(op, "name", op))


class SessionManager:
    """TF1 `tf.train.SessionManager`: a Session restored from a checkpoint or initialized, then made
    ready (local_init_op run, ready_op checked).

    `backend` (graphdl's addition, as in `tf.Session`) picks 'xla' or 'interpreter'.
    """

    def __init__(
        self,
        local_init_op: Any = None,
        ready_op: Any = None,
        ready_for_local_init_op: Any = None,
        graph: Graph | None = None,
        recovery_wait_secs: float = 30,
        local_init_run_options: Any = None,
        local_init_feed_dict: Any = None,
        backend: str | None = None,
    ) -> None:
        self._local_init_op = local_init_op
        self._ready_op = ready_op
        self._ready_for_local_init_op = ready_for_local_init_op
        self._graph = graph if graph is not None else get_default_graph()
        self._recovery_wait_secs = recovery_wait_secs
        self._local_init_run_options = local_init_run_options
        self._local_init_feed_dict = local_init_feed_dict
        self._backend = backend

    def _new_session(self, master: str, config: Any) -> Any:
        from runtime.session import Session

        return Session(master, graph=self._graph, config=config, backend=self._backend)

    def _restore_checkpoint(
        self,
        master: str,
        saver: Any,
        checkpoint_dir: str | None,
        checkpoint_filename_with_path: str | None,
        wait_for_checkpoint: bool,
        max_wait_secs: float,
        config: Any,
    ) -> tuple[Any, bool]:
        """A new Session and whether a checkpoint was restored into it."""
        from graphdl.train.saver import get_checkpoint_state

        if checkpoint_dir and checkpoint_filename_with_path:
            raise GraphError("Can not provide both checkpoint_dir and checkpoint_filename_with_path.")
        sess = self._new_session(master, config)
        if not saver or not (checkpoint_dir or checkpoint_filename_with_path):
            return sess, False
        if checkpoint_filename_with_path:
            saver.restore(sess, checkpoint_filename_with_path)
            return sess, True
        assert checkpoint_dir is not None
        waited = 0.0
        state = get_checkpoint_state(checkpoint_dir)
        while state is None or not state.model_checkpoint_path:
            if not (wait_for_checkpoint and waited < max_wait_secs):
                return sess, False
            logging.info("Waiting for checkpoint to be available.")
            time.sleep(self._recovery_wait_secs)
            waited += self._recovery_wait_secs
            state = get_checkpoint_state(checkpoint_dir)
        logging.info("Restoring parameters from %s", state.model_checkpoint_path)
        saver.restore(sess, state.model_checkpoint_path)
        saver.recover_last_checkpoints(state.all_model_checkpoint_paths)
        return sess, True

    def _try_run_local_init_op(self, sess: Any) -> str | None:
        """Run local_init_op when the model is ready for it; None, or why it is not."""
        if self._local_init_op is None:
            return None
        msg = _not_ready(sess, self._ready_for_local_init_op)
        if msg is not None:
            return msg
        logging.info("Running local_init_op.")
        sess.run(
            self._local_init_op, feed_dict=self._local_init_feed_dict, options=self._local_init_run_options
        )
        logging.info("Done running local_init_op.")
        return None

    def prepare_session(
        self,
        master: str,
        init_op: Any = None,
        saver: Any = None,
        checkpoint_dir: str | None = None,
        checkpoint_filename_with_path: str | None = None,
        wait_for_checkpoint: bool = False,
        max_wait_secs: float = 7200,
        config: Any = None,
        init_feed_dict: Any = None,
        init_fn: Callable[[Any], Any] | None = None,
    ) -> Any:
        """TF1: restore the newest checkpoint, else run init_op (with init_feed_dict) and init_fn;
        then run local_init_op and check the model is ready."""
        sess, restored = self._restore_checkpoint(
            master,
            saver,
            checkpoint_dir,
            checkpoint_filename_with_path,
            wait_for_checkpoint,
            max_wait_secs,
            config,
        )
        if not restored:
            if init_op is None and not init_fn and self._local_init_op is None:
                raise FailedPreconditionError(
                    "Model is not initialized and no init_op or init_fn or local_init_op was given"
                )
            if init_op is not None:
                sess.run(init_op, feed_dict=init_feed_dict)
            if init_fn:
                init_fn(sess)
        msg = self._try_run_local_init_op(sess)
        if msg is not None:
            raise FailedPreconditionError(
                "Init operations did not make model ready for local_init.  Init op: "
                f"{_maybe_name(init_op)}, init fn: {init_fn}, error: {msg}"
            )
        msg = _not_ready(sess, self._ready_op)
        if msg is not None:
            raise FailedPreconditionError(
                f"Init operations did not make model ready.  Init op: {_maybe_name(init_op)}, init fn: "
                f"{init_fn}, local_init_op: {_maybe_name(self._local_init_op)}, error: {msg}"
            )
        return sess

    def recover_session(
        self,
        master: str,
        saver: Any = None,
        checkpoint_dir: str | None = None,
        checkpoint_filename_with_path: str | None = None,
        wait_for_checkpoint: bool = False,
        max_wait_secs: float = 7200,
        config: Any = None,
    ) -> tuple[Any, bool]:
        """TF1: a Session and whether it was restored from a checkpoint and is ready."""
        sess, restored = self._restore_checkpoint(
            master,
            saver,
            checkpoint_dir,
            checkpoint_filename_with_path,
            wait_for_checkpoint,
            max_wait_secs,
            config,
        )
        msg = self._try_run_local_init_op(sess)
        if not restored:
            return sess, False
        source = checkpoint_dir or checkpoint_filename_with_path
        if msg is not None:
            logging.info("Restoring model from %s did not make model ready for local init: %s", source, msg)
            return sess, False
        msg = _not_ready(sess, self._ready_op)
        if msg is not None:
            logging.info("Restoring model from %s did not make model ready: %s", source, msg)
            return sess, False
        logging.info("Restored model from %s", source)
        return sess, True

    def wait_for_session(self, master: str, config: Any = None, max_wait_secs: float | None = None) -> Any:
        """TF1: a new Session once the model is ready in it (retrying every recovery_wait_secs);
        FailedPreconditionError after max_wait_secs (TF1 raises DeadlineExceededError). A graphdl
        Session holds its own variables, so only a model with nothing to initialize is ready."""
        limit = float("inf") if max_wait_secs is None else max_wait_secs
        deadline = time.monotonic() + limit
        while True:
            sess = self._new_session(master, config)
            local_msg = self._try_run_local_init_op(sess)
            msg = None
            if local_msg is None:
                msg = _not_ready(sess, self._ready_op)
                if msg is None:
                    return sess
            sess.close()
            if deadline - time.monotonic() - self._recovery_wait_secs < 0:
                raise FailedPreconditionError(f"Session was not ready after waiting {max_wait_secs} secs.")
            logging.info(
                "Waiting for model to be ready.  Ready_for_local_init_op:  %s, ready: %s", local_msg, msg
            )
            time.sleep(self._recovery_wait_secs)
