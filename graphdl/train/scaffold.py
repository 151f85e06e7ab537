"""TF1's Scaffold and session creators: how a MonitoredSession gets an initialized (or restored) Session.

`ChiefSessionCreator` restores the newest checkpoint of `checkpoint_dir` when there is one, else runs
the Scaffold's init_op and init_fn, then its local_init_op, and checks every variable is initialized.
The names are exported through graphdl/train/monitored_session.py. graphdl's `Graph.finalize()` is
a no-op, so the graph is not locked after creation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from graphdl import tf_logging as logging
from graphdl.errors import FailedPreconditionError, GraphError
from graphdl.graph import get_default_graph

__all__ = ["Scaffold", "SessionCreator", "ChiefSessionCreator", "WorkerSessionCreator"]

# TF1's GraphKeys for the Scaffold's parts (graphdl's GraphKeys does not list them)
INIT_OP, READY_OP, READY_FOR_LOCAL_INIT_OP = "init_op", "ready_op", "ready_for_local_init_op"
LOCAL_INIT_OP, SUMMARY_OP, SAVERS = "local_init_op", "summary_op", "savers"


class Scaffold:
    """TF1 `tf.train.Scaffold`: the init, ready, summary ops and Saver a monitored session uses."""

    def __init__(
        self,
        init_op: Any = None,
        init_feed_dict: Any = None,
        init_fn: Callable[[Scaffold, Any], None] | None = None,
        ready_op: Any = None,
        ready_for_local_init_op: Any = None,
        local_init_op: Any = None,
        summary_op: Any = None,
        saver: Any = None,
        copy_from_scaffold: Scaffold | None = None,
    ) -> None:
        if copy_from_scaffold is not None:
            if not isinstance(copy_from_scaffold, Scaffold):
                raise TypeError("copy_from_scaffold is not a Scaffold instance.")
            c = copy_from_scaffold
            init_op = init_op if init_op is not None else c.init_op
            init_feed_dict = init_feed_dict if init_feed_dict is not None else c.init_feed_dict
            init_fn = init_fn if init_fn is not None else c._user_init_fn
            ready_op = ready_op if ready_op is not None else c.ready_op
            ready_for_local_init_op = (
                ready_for_local_init_op if ready_for_local_init_op is not None else c.ready_for_local_init_op
            )
            local_init_op = local_init_op if local_init_op is not None else c.local_init_op
            summary_op = summary_op if summary_op is not None else c.summary_op
            saver = saver if saver is not None else c.saver
        self._user_init_fn: Callable[[Scaffold, Any], None] | None = init_fn
        self._init_fn = (lambda sess: init_fn(self, sess)) if init_fn else None
        self._init_op = init_op
        self._init_feed_dict = init_feed_dict
        self._ready_op = ready_op
        self._ready_for_local_init_op = ready_for_local_init_op
        self._local_init_op = local_init_op
        self._summary_op = summary_op
        self._saver = saver

    def finalize(self) -> Scaffold:
        """Fill in the defaults (initializers, merged summaries, a Saver), record them in the graph's
        collections as TF1 does, and finalize the graph."""
        from graphdl.ops.summary_ops import merge_all
        from graphdl.train.saver import Saver
        from graphdl.variables import global_variables_initializer

        if self._init_op is None:
            self._init_op = Scaffold.get_or_default("init_op", INIT_OP, global_variables_initializer)
        if self._local_init_op is None:
            self._local_init_op = Scaffold.get_or_default(
                "local_init_op", LOCAL_INIT_OP, Scaffold.default_local_init_op
            )
        if self._summary_op is None:
            self._summary_op = Scaffold.get_or_default("summary_op", SUMMARY_OP, merge_all)
        if self._saver is None:  # TF1 also adds a new Saver to SAVERS; graphdl's graph files cannot hold one
            found = Scaffold.get_or_default("saver", SAVERS, lambda: None)
            self._saver = found if found is not None else Saver(allow_empty=True)
        # ready_op / ready_for_local_init_op stay None: readiness is checked on the host (graphdl has
        # no report_uninitialized_variables op); a given ready_op must yield the uninitialized names.
        get_default_graph().finalize()
        logging.info("Graph was finalized.")
        return self

    init_op = property(lambda self: self._init_op)
    init_feed_dict = property(lambda self: self._init_feed_dict)
    init_fn = property(lambda self: self._init_fn)
    ready_op = property(lambda self: self._ready_op)
    ready_for_local_init_op = property(lambda self: self._ready_for_local_init_op)
    local_init_op = property(lambda self: self._local_init_op)
    summary_op = property(lambda self: self._summary_op)
    saver = property(lambda self: self._saver)

    @staticmethod
    def get_or_default(arg_name: str, collection_key: str, default_constructor: Callable[[], Any]) -> Any:
        """The one item of a collection, else `default_constructor()` (added to the collection)."""
        graph = get_default_graph()
        elements = graph.get_collection(collection_key)
        if elements:
            if len(elements) > 1:
                raise GraphError(
                    f'More than one item in the collection "{collection_key}". Please indicate which one '
                    f"to use by passing it to the tf.Scaffold constructor as:  tf.Scaffold({arg_name}=item "
                    "to use)"
                )
            return elements[0]
        op = default_constructor()
        if op is not None:
            graph.add_to_collection(collection_key, op)
        return op

    @staticmethod
    def default_local_init_op() -> Any:
        """TF1's default local_init_op: the local variables' initializer."""
        from graphdl.variables import local_variables_initializer

        return local_variables_initializer()


def _uninitialized(session: Any, ready_op: Any, variables: Sequence[Any]) -> list[str]:
    """Names of the variables not yet initialized (from `ready_op` when given)."""
    if ready_op is not None:
        names = session.run(ready_op)
        return [n.decode() if isinstance(n, bytes) else str(n) for n in list(names.reshape(-1))]
    return [v.op.name for v in variables if not session.is_initialized(v)]


class SessionCreator:
    """TF1 `tf.train.SessionCreator`: makes a tf.Session."""

    def create_session(self) -> Any:
        raise NotImplementedError("create_session is not implemented for interface class SessionCreator.")


class ChiefSessionCreator(SessionCreator):
    """TF1 `tf.train.ChiefSessionCreator`: a Session restored from a checkpoint, or initialized.

    `backend` (graphdl's addition, as in `tf.Session`) picks 'xla' or 'interpreter'.
    """

    def __init__(
        self,
        scaffold: Scaffold | None = None,
        master: str = "",
        config: Any = None,
        checkpoint_dir: str | None = None,
        checkpoint_filename_with_path: str | None = None,
        backend: str | None = None,
    ) -> None:
        if checkpoint_dir and checkpoint_filename_with_path:
            raise GraphError("Can not provide both checkpoint_dir and checkpoint_filename_with_path.")
        self._scaffold = scaffold or Scaffold()
        self._master = master
        self._config = config
        self._checkpoint_dir = checkpoint_dir
        self._checkpoint_filename_with_path = checkpoint_filename_with_path
        self._backend = backend

    def create_session(self) -> Any:
        from graphdl.train.saver import get_checkpoint_state
        from graphdl.variables import global_variables, local_variables
        from runtime.session import Session

        s = self._scaffold.finalize()
        sess = Session(self._master, graph=get_default_graph(), config=self._config, backend=self._backend)
        path = self._checkpoint_filename_with_path
        if path is None and self._checkpoint_dir and s.saver is not None:
            state = get_checkpoint_state(self._checkpoint_dir)
            if state is not None and state.model_checkpoint_path:
                path = state.model_checkpoint_path
                s.saver.recover_last_checkpoints(state.all_model_checkpoint_paths)
        if path is not None and s.saver is not None:
            s.saver.restore(sess, path)
            logging.info("Restoring parameters from %s", path)
        else:
            if s.init_op is None and not s.init_fn and s.local_init_op is None:
                raise FailedPreconditionError(
                    "Model is not initialized and no init_op or init_fn or local_init_op was given"
                )
            if s.init_op is not None:
                sess.run(s.init_op, feed_dict=s.init_feed_dict)
            if s.init_fn:
                s.init_fn(sess)
        if s.local_init_op is not None:
            missing = _uninitialized(sess, s.ready_for_local_init_op, global_variables())
            if missing:
                raise FailedPreconditionError(
                    f"Init operations did not make model ready for local_init. Init op: {_name(s.init_op)}, "
                    f"init fn: {s.init_fn}, error: Variables not initialized: {', '.join(missing)}"
                )
            logging.info("Running local_init_op.")
            sess.run(s.local_init_op)
            logging.info("Done running local_init_op.")
        missing = _uninitialized(sess, s.ready_op, global_variables() + local_variables())
        if missing:
            raise FailedPreconditionError(
                f"Init operations did not make model ready. Init op: {_name(s.init_op)}, init fn: "
                f"{s.init_fn}, local_init_op: {_name(s.local_init_op)}, error: Variables not "
                f"initialized: {', '.join(missing)}"
            )
        return sess


def _name(op: Any) -> str:
    return "None" if op is None else str(getattr(op, "name", op))


class WorkerSessionCreator(ChiefSessionCreator):
    """TF1 `tf.train.WorkerSessionCreator`. graphdl runs in one process with no chief to wait for,
    so a worker restores or initializes exactly as the chief does."""

    def __init__(
        self,
        scaffold: Scaffold | None = None,
        master: str = "",
        config: Any = None,
        max_wait_secs: float = 30 * 60,
        backend: str | None = None,
    ) -> None:
        super().__init__(scaffold, master, config, backend=backend)
