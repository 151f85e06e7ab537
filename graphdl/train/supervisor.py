"""TF1's `tf.train.Supervisor` and `tf.train.SessionManager` (TF 1.0-1.2 era training programs).

`with sv.managed_session() as sess:` restores the newest checkpoint of `logdir` (else runs init_op,
init_fn and local_init_op), starts the standard services when `logdir` is set (a thread saving a
checkpoint every save_model_secs, threads writing the summary op and global_step/sec every
save_summaries_secs; as TF1's LooperThread, each runs once at start) and the graph's queue
runners; leaving the block requests a stop, joins the threads, closes the summary writer and the
session. As in TF1 no checkpoint is saved on exit, an OutOfRangeError raised in the block is a
clean stop and any other exception is re-raised after the threads are joined.

graphdl runs in one process with no chief to wait for, so a non-chief Supervisor initializes its
session as the chief does (like WorkerSessionCreator), but writes no checkpoints or events. graphdl
has no report_uninitialized_variables op: the default ready ops check the variables on the host.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from graphdl import tf_logging as logging
from graphdl.errors import GraphError
from graphdl.graph import Graph, GraphKeys, get_default_graph
from graphdl.train.coordinator import Coordinator, LooperThread
from graphdl.train.session_manager import SessionManager, _ReportUninitialized
from graphdl.train.supervisor_services import (
    _START,
    _STOP,
    _CheckpointThread,
    _session_log,
    _StepCounterThread,
    _SummaryThread,
)

__all__ = ["Supervisor", "SessionManager"]

# TF1's GraphKeys for the Supervisor's parts (as in graphdl/train/scaffold.py)
_INIT_OP, _READY_OP, _READY_FOR_LOCAL_INIT_OP = "init_op", "ready_op", "ready_for_local_init_op"
_LOCAL_INIT_OP, _SUMMARY_OP, _SAVERS = "local_init_op", "summary_op", "savers"


class Supervisor:
    """TF1 `tf.train.Supervisor`: initializes or restores a session, runs checkpoint, summary and
    queue-runner threads beside the training loop, and stops them together (see the module docstring).

    `backend` (graphdl's addition, as in `tf.Session`) picks 'xla' or 'interpreter'.
    """

    USE_DEFAULT = 0  # TF1's value

    def __init__(
        self,
        graph: Graph | None = None,
        ready_op: Any = USE_DEFAULT,
        ready_for_local_init_op: Any = USE_DEFAULT,
        is_chief: bool = True,
        init_op: Any = USE_DEFAULT,
        init_feed_dict: Any = None,
        local_init_op: Any = USE_DEFAULT,
        logdir: str | None = None,
        summary_op: Any = USE_DEFAULT,
        saver: Any = USE_DEFAULT,
        global_step: Any = USE_DEFAULT,
        save_summaries_secs: float = 120,
        save_model_secs: float = 600,
        recovery_wait_secs: float = 30,
        stop_grace_secs: float = 120,
        checkpoint_basename: str = "model.ckpt",
        session_manager: SessionManager | None = None,
        summary_writer: Any = USE_DEFAULT,
        init_fn: Callable[[Any], Any] | None = None,
        local_init_run_options: Any = None,
        backend: str | None = None,
    ) -> None:
        graph = graph if graph is not None else get_default_graph()
        self._graph = graph
        with graph.as_default():
            self._init_ready_op(ready_op, ready_for_local_init_op)
            self._init_init_op(init_op, init_feed_dict)
            self._init_local_init_op(local_init_op)
            self._init_saver(saver)
            self._init_summary_op(summary_op)
            self._init_global_step(global_step)
        self._is_chief = is_chief
        self._coord = Coordinator()
        self._recovery_wait_secs = recovery_wait_secs
        self._stop_grace_secs = stop_grace_secs
        self._init_fn = init_fn
        self._local_init_run_options = local_init_run_options
        self._backend = backend
        # only a chief writes checkpoints and events
        self._logdir: str | None = None
        self._save_summaries_secs: float | None = None
        self._save_model_secs: float | None = None
        self._save_path: str | None = None
        self._summary_writer: Any = None
        self._graph_added_to_summary = False
        if is_chief:
            self._logdir = logdir
            self._save_summaries_secs = save_summaries_secs
            self._save_model_secs = save_model_secs
            if logdir:
                self._save_path = os.path.join(logdir, checkpoint_basename)
            if summary_writer is Supervisor.USE_DEFAULT:
                if logdir:
                    from graphdl.events.writer import FileWriter

                    self._summary_writer = FileWriter(logdir)
            else:
                self._summary_writer = summary_writer
        if session_manager is None:
            session_manager = SessionManager(
                local_init_op=self._local_init_op,
                ready_op=self._ready_op,
                ready_for_local_init_op=self._ready_for_local_init_op,
                graph=graph,
                recovery_wait_secs=recovery_wait_secs,
                local_init_run_options=local_init_run_options,
                backend=backend,
            )
        self._session_manager = session_manager
        self._verify_setup()
        graph.finalize()

    def _verify_setup(self) -> None:
        """TF1: a non-chief (a replica) needs every variable placed on a device."""
        if self._is_chief:
            return
        for key in (GraphKeys.GLOBAL_VARIABLES, GraphKeys.LOCAL_VARIABLES):
            for v in self._graph.get_collection(key):
                if not v.op.device:
                    raise GraphError(
                        f"When using replicas, all Variables must have their device set: {v.op.name}"
                    )

    # --- the defaults (TF1: the graph's collection, else a new op added to it) ----------------
    def _first_in_collection(self, key: str) -> Any:
        items = self._graph.get_collection(key)
        if len(items) > 1:
            logging.info("Found %d %s operations. Returning the first one.", len(items), key)
        return items[0] if items else None

    def _init_ready_op(self, ready_op: Any, ready_for_local_init_op: Any) -> None:
        if ready_op is Supervisor.USE_DEFAULT:
            ready_op = self._first_in_collection(_READY_OP)
            if ready_op is None:
                ready_op = _ReportUninitialized(local=True)
        self._ready_op = ready_op
        if ready_for_local_init_op is Supervisor.USE_DEFAULT:
            ready_for_local_init_op = self._first_in_collection(_READY_FOR_LOCAL_INIT_OP)
            if ready_for_local_init_op is None:
                ready_for_local_init_op = _ReportUninitialized(local=False)
        self._ready_for_local_init_op = ready_for_local_init_op

    def _init_init_op(self, init_op: Any, init_feed_dict: Any) -> None:
        if init_op is Supervisor.USE_DEFAULT:
            init_op = self._first_in_collection(_INIT_OP)
            if init_op is None:
                from graphdl.variables import global_variables_initializer

                init_op = global_variables_initializer()
                self._graph.add_to_collection(_INIT_OP, init_op)
        self._init_op = init_op
        self._init_feed_dict = init_feed_dict

    def _init_local_init_op(self, local_init_op: Any) -> None:
        if local_init_op is Supervisor.USE_DEFAULT:
            local_init_op = self._first_in_collection(_LOCAL_INIT_OP)
            if local_init_op is None:  # TF1 groups it with tables_initializer (graphdl has no tables)
                from graphdl.variables import local_variables_initializer

                local_init_op = local_variables_initializer()
                self._graph.add_to_collection(_LOCAL_INIT_OP, local_init_op)
        self._local_init_op = local_init_op

    def _init_saver(self, saver: Any) -> None:
        if saver is Supervisor.USE_DEFAULT:
            saver = self._first_in_collection(_SAVERS)
            if saver is None:
                from graphdl.train.saver import Saver
                from graphdl.variables import global_variables

                if global_variables():  # TF1 also adds it to SAVERS; graphdl's graph files cannot hold one
                    saver = Saver()
        self._saver = saver

    def _init_summary_op(self, summary_op: Any) -> None:
        if summary_op is Supervisor.USE_DEFAULT:
            summary_op = self._first_in_collection(_SUMMARY_OP)
            if summary_op is None:
                from graphdl.ops.summary_ops import merge_all

                summary_op = merge_all()
                if summary_op is not None:
                    self._graph.add_to_collection(_SUMMARY_OP, summary_op)
        self._summary_op = summary_op

    def _init_global_step(self, global_step: Any) -> None:
        if global_step is Supervisor.USE_DEFAULT:
            global_step = self._first_in_collection(GraphKeys.GLOBAL_STEP)
            if global_step is None:
                global_step = self._default_global_step_tensor()
                if global_step is not None:
                    self._graph.add_to_collection(GraphKeys.GLOBAL_STEP, global_step)
        self._global_step = global_step

    def _default_global_step_tensor(self) -> Any:
        """TF1: the integer tensor named 'global_step:0', else None."""
        from graphdl.variables import global_variables

        found: Any = next((v for v in global_variables() if v.op.name == "global_step"), None)
        if found is None:
            try:
                found = self._graph.get_tensor_by_name("global_step:0")
            except (KeyError, GraphError, ValueError):
                return None
        if found.dtype.name not in ("int32", "int64"):
            logging.warning("Found 'global_step' is not an int type: %s", found.dtype)
            return None
        return found

    # --- properties ---------------------------------------------------------------------
    is_chief = property(lambda self: self._is_chief, doc="Whether this is the chief Supervisor.")
    session_manager = property(lambda self: self._session_manager, doc="The SessionManager used.")
    coord = property(lambda self: self._coord, doc="The Coordinator of the threads.")
    init_op = property(lambda self: self._init_op, doc="The op run to initialize the model.")
    init_feed_dict = property(lambda self: self._init_feed_dict, doc="The feed_dict for init_op.")
    ready_op = property(lambda self: self._ready_op, doc="The op checking the model is ready.")
    ready_for_local_init_op = property(lambda self: self._ready_for_local_init_op)
    summary_writer = property(lambda self: self._summary_writer, doc="The FileWriter (or None).")
    summary_op = property(lambda self: self._summary_op, doc="The summary op the summary thread runs.")
    save_summaries_secs = property(lambda self: self._save_summaries_secs)
    global_step = property(lambda self: self._global_step, doc="The global step tensor (or None).")
    saver = property(lambda self: self._saver, doc="The Saver the checkpoint thread uses.")
    save_model_secs = property(lambda self: self._save_model_secs)
    save_path = property(lambda self: self._save_path, doc="logdir/checkpoint_basename (or None).")

    # --- sessions and services ----------------------------------------------------------------
    def _write_graph(self) -> None:
        """Write graph.pbtxt into logdir and the graph into the summary writer (once)."""
        if self._logdir:
            from graphdl.train.meta_graph import write_graph

            write_graph(self._graph, self._logdir, "graph.pbtxt")
        if self._summary_writer and not self._graph_added_to_summary:
            self._summary_writer.add_graph(self._graph)
            self._graph_added_to_summary = True

    def start_standard_services(self, sess: Any) -> list[threading.Thread] | None:
        """TF1: start the summary, step-counter and checkpoint threads (they need a logdir)."""
        if not self._is_chief:
            raise RuntimeError(
                "Only chief supervisor can start standard services. Because only chief supervisors "
                "can write events."
            )
        if not self._logdir:
            logging.warning("Standard services need a 'logdir' passed to the SessionManager")
            return None
        if self._global_step is not None and self._summary_writer:
            _session_log(self._summary_writer, _START, int(sess.run(self._global_step)))
        threads: list[threading.Thread] = []
        if self._save_summaries_secs and self._summary_writer:
            if self._summary_op is not None:
                threads.append(_SummaryThread(self, sess))
            if self._global_step is not None:
                threads.append(_StepCounterThread(self, sess))
        if self._saver and self._save_model_secs:
            threads.append(_CheckpointThread(self, sess))
        for t in threads:
            t.start()
        return threads

    def prepare_or_wait_for_session(
        self,
        master: str = "",
        config: Any = None,
        wait_for_checkpoint: bool = False,
        max_wait_secs: float = 7200,
        start_standard_services: bool = True,
    ) -> Any:
        """TF1: a Session restored from logdir's newest checkpoint or initialized, with the standard
        services (chief only) and the queue runners started."""
        self._coord.clear_stop()
        if self._summary_writer:
            self._summary_writer.reopen()
        # a non-chief has no logdir: it initializes its own session (see the module docstring)
        sess = self._session_manager.prepare_session(
            master,
            init_op=self._init_op,
            saver=self._saver,
            checkpoint_dir=self._logdir,
            wait_for_checkpoint=wait_for_checkpoint,
            max_wait_secs=max_wait_secs,
            config=config,
            init_feed_dict=self._init_feed_dict,
            init_fn=self._init_fn,
        )
        if self._is_chief:
            self._write_graph()
            if start_standard_services:
                logging.info("Starting standard services.")
                self.start_standard_services(sess)
        if start_standard_services:
            logging.info("Starting queue runners.")
            self.start_queue_runners(sess)
        return sess

    def start_queue_runners(
        self, sess: Any, queue_runners: Sequence[Any] | None = None
    ) -> list[threading.Thread]:
        """TF1: start the threads of `queue_runners` (default: the graph's) under this coordinator."""
        if queue_runners is None:
            queue_runners = self._graph.get_collection(GraphKeys.QUEUE_RUNNERS)
        threads: list[threading.Thread] = []
        for qr in queue_runners:
            threads.extend(qr.create_threads(sess, coord=self._coord, daemon=True, start=True))
        return threads

    def loop(
        self,
        timer_interval_secs: float,
        target: Callable[..., Any],
        args: Sequence[Any] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> LooperThread:
        """TF1: a started thread calling target now and every timer_interval_secs until stop."""
        looper = LooperThread(self._coord, timer_interval_secs, target=target, args=args, kwargs=kwargs)
        looper.start()
        return looper

    def stop(
        self,
        threads: Sequence[threading.Thread] | None = None,
        close_summary_writer: bool = True,
        ignore_live_threads: bool = False,
    ) -> None:
        """TF1: request a stop, join the threads (re-raising the first exception reported), close
        the summary writer. Saves no checkpoint."""
        self._coord.request_stop()
        try:
            self._coord.join(
                threads, stop_grace_period_secs=self._stop_grace_secs, ignore_live_threads=ignore_live_threads
            )
        finally:
            if close_summary_writer and self._summary_writer:
                _session_log(self._summary_writer, _STOP)
                self._summary_writer.close()
                self._graph_added_to_summary = False

    def request_stop(self, ex: Any = None) -> None:
        """TF1: ask the threads and the training loop to stop (reporting `ex`)."""
        self._coord.request_stop(ex=ex)

    def should_stop(self) -> bool:
        """TF1: whether a stop was requested."""
        return self._coord.should_stop()

    def stop_on_exception(self) -> contextlib.AbstractContextManager[None]:
        """TF1: a context in which an exception requests a stop."""
        return self._coord.stop_on_exception()

    def wait_for_stop(self) -> None:
        """TF1: block until a stop is requested."""
        self._coord.wait_for_stop()

    def summary_computed(self, sess: Any, summary: Any, global_step: Any = None) -> None:
        """TF1: write a computed summary at `global_step` (default: the global step's value)."""
        if not self._summary_writer:
            raise RuntimeError("Writing a summary requires a summary writer.")
        if global_step is None and self._global_step is not None:
            global_step = int(sess.run(self._global_step))
        self._summary_writer.add_summary(summary, global_step)

    @contextlib.contextmanager
    def managed_session(
        self,
        master: str = "",
        config: Any = None,
        start_standard_services: bool = True,
        close_summary_writer: bool = True,
    ) -> Iterator[Any]:
        """TF1: a prepared Session for a `with` block; on exit stop and join the threads and close
        the session. OutOfRangeError in the block is a clean stop; other exceptions are re-raised."""
        sess: Any = None
        try:
            sess = self.prepare_or_wait_for_session(
                master=master, config=config, start_standard_services=start_standard_services
            )
            yield sess
        except Exception as e:
            self.request_stop(e)
        finally:
            try:
                self.stop(close_summary_writer=close_summary_writer)
            finally:
                if sess is not None:
                    with contextlib.suppress(Exception):
                        sess.close()

    # TF1's old CamelCase names
    PrepareSession = prepare_or_wait_for_session
    StartQueueRunners = start_queue_runners
    StartStandardServices = start_standard_services
    Stop = stop
    RequestStop = request_stop
    Loop = loop
    ShouldStop = should_stop
    StopOnException = stop_on_exception
    WaitForStop = wait_for_stop
    SummaryComputed = summary_computed
