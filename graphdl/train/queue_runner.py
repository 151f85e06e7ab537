"""TF1's `tf.train.QueueRunner`, `add_queue_runner` and `start_queue_runners`: threads that run a
queue's enqueue ops (on the host, through the Session's queue feeder) under a Coordinator."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from graphdl.data_flow import QueueBase
from graphdl.errors import CancelledError, GraphError, OutOfRangeError
from graphdl.graph import GraphKeys, Node, get_default_graph

__all__ = ["QueueRunner", "add_queue_runner", "start_queue_runners"]

QUEUE_RUNNERS = GraphKeys.QUEUE_RUNNERS


def _quiet_errors() -> tuple[type[BaseException], ...]:
    return (OutOfRangeError, CancelledError)


class QueueRunner:
    """TF1 `tf.train.QueueRunner`: threads that run the enqueue ops until the queue is closed or an
    input runs out (then the last one closes the queue, so consumers drain it and get OutOfRangeError)."""

    def __init__(
        self,
        queue: QueueBase | None = None,
        enqueue_ops: Sequence[Node] | None = None,
        close_op: Node | None = None,
        cancel_op: Node | None = None,
        queue_closed_exception_types: Sequence[type[BaseException]] | None = None,
        queue_runner_def: Any = None,
        import_scope: str | None = None,
    ) -> None:
        if queue is None or not enqueue_ops:
            raise GraphError("QueueRunner: queue and enqueue_ops must be given")
        self._queue = queue
        self._enqueue_ops = list(enqueue_ops)
        self._close_op = close_op if close_op is not None else queue.close()
        self._cancel_op = cancel_op if cancel_op is not None else queue.close(cancel_pending_enqueues=True)
        self._queue_closed_exception_types = (
            tuple(queue_closed_exception_types) if queue_closed_exception_types else _quiet_errors()
        )
        self._lock = threading.Lock()
        self._runs_per_session: dict[int, int] = {}
        self._exceptions_raised: list[BaseException] = []

    @property
    def queue(self) -> QueueBase:
        return self._queue

    @property
    def enqueue_ops(self) -> list[Node]:
        return list(self._enqueue_ops)

    @property
    def close_op(self) -> Node:
        return self._close_op

    @property
    def cancel_op(self) -> Node:
        return self._cancel_op

    @property
    def queue_closed_exception_types(self) -> tuple[type[BaseException], ...]:
        return self._queue_closed_exception_types

    @property
    def exceptions_raised(self) -> list[BaseException]:
        """Exceptions the threads raised when they had no coordinator to report to."""
        return list(self._exceptions_raised)

    @property
    def name(self) -> str:
        return self._queue.name

    def _run(self, sess: Any, enqueue_op: Node, coord: Any) -> None:
        decremented = False
        try:
            while True:
                if coord is not None and coord.should_stop():
                    break
                try:
                    sess.run(enqueue_op)
                except self._queue_closed_exception_types:
                    with self._lock:
                        self._runs_per_session[id(sess)] -= 1
                        decremented = True
                        last = self._runs_per_session[id(sess)] == 0
                    if last:
                        try:
                            sess.run(self._close_op)
                        except Exception:
                            pass  # TF1 ignores errors of the close op
                    return
        except Exception as e:
            if getattr(sess, "_closed", False):
                return  # the session was closed under the thread (TF1: a CancelledError)
            if coord is not None:
                coord.request_stop(e)
            else:
                with self._lock:
                    self._exceptions_raised.append(e)
                raise
        finally:
            if not decremented:
                with self._lock:
                    self._runs_per_session[id(sess)] -= 1

    def _close_on_stop(self, sess: Any, coord: Any) -> None:
        coord.wait_for_stop()
        try:
            sess.run(self._cancel_op)
        except Exception:
            pass  # TF1 logs and ignores it (the session may be closed already)

    def create_threads(
        self, sess: Any, coord: Any = None, daemon: bool = False, start: bool = False
    ) -> list[threading.Thread]:
        """One thread per enqueue op (plus one that cancels the queue when coord stops); none when
        threads of this runner already run for sess."""
        with self._lock:
            if self._runs_per_session.get(id(sess), 0) > 0:
                return []
            self._runs_per_session[id(sess)] = len(self._enqueue_ops)
            self._exceptions_raised = []
        threads = [
            threading.Thread(
                target=self._run, args=(sess, op, coord), name=f"QueueRunnerThread-{self.name}-{op.name}"
            )
            for op in self._enqueue_ops
        ]
        if coord is not None:
            threads.append(
                threading.Thread(
                    target=self._close_on_stop,
                    args=(sess, coord),
                    name=f"QueueRunnerThread-{self.name}-close_on_stop",
                )
            )
        for t in threads:
            if coord is not None:
                coord.register_thread(t)
            t.daemon = daemon
            if start:
                t.start()
        return threads


def add_queue_runner(qr: QueueRunner, collection: str = QUEUE_RUNNERS) -> None:
    """TF1: add a QueueRunner to a graph collection (start_queue_runners starts them)."""
    get_default_graph().add_to_collection(collection, qr)


def start_queue_runners(
    sess: Any = None,
    coord: Any = None,
    daemon: bool = True,
    start: bool = True,
    collection: str = QUEUE_RUNNERS,
) -> list[threading.Thread]:
    """TF1: start the threads of every QueueRunner in the session graph's collection; their list."""
    if sess is None:
        from runtime.session import get_default_session

        sess = get_default_session()
    threads: list[threading.Thread] = []
    for qr in sess.graph.get_collection(collection):
        threads.extend(qr.create_threads(sess, coord=coord, daemon=daemon, start=start))
    return threads
