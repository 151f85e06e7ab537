"""graphdl's own exception classes; each subclasses the matching Python builtin."""

from __future__ import annotations


class GraphdlError(Exception):
    """Base class of every error graphdl raises on purpose."""


class ShapeError(GraphdlError, ValueError):
    """Shapes of an op's inputs do not fit together."""


class DTypeError(GraphdlError, TypeError):
    """Dtypes of an op's inputs do not fit together, or a value cannot be cast."""


class FeedError(GraphdlError, ValueError):
    """A feed is missing, of the wrong shape, or of a dtype that cannot be cast safely."""


class FailedPreconditionError(GraphdlError, RuntimeError):
    """A run needs state it does not have yet (TF1's `tf.errors.FailedPreconditionError`)."""


class UninitializedVariableError(FailedPreconditionError):
    """A variable was read before it was initialized in this session."""


class GraphError(GraphdlError, ValueError):
    """The graph is malformed: a cycle, a dangling input, an unknown op, a bad name."""


class CheckpointError(GraphdlError, OSError):
    """A checkpoint or graph file cannot be written or does not match the graph."""


class BackendError(GraphdlError, RuntimeError):
    """A backend (platform, device, op rule) is not available."""


class ExecutionError(GraphdlError, RuntimeError):
    """An op failed while a graph ran (bad index, invalid value); the message names the op and line."""


class PlacementError(GraphdlError, ValueError):
    """An op is pinned (tf.device) to a device this machine does not have."""


class InvalidArgumentError(ExecutionError, ValueError):
    """A run-time check failed: tf.Assert, an assert_* op, check_numerics (TF1's `InvalidArgumentError`)."""


class OutOfRangeError(GraphdlError, IndexError):
    """A tf.data iterator has no more elements (TF1's `tf.errors.OutOfRangeError`)."""


class NotFoundError(GraphdlError, FileNotFoundError):
    """A file a run needs does not exist: a reader's input, a checkpoint (TF1's `tf.errors.NotFoundError`)."""


class CancelledError(GraphdlError, RuntimeError):
    """A queue operation was cancelled: the queue closed with cancel_pending_enqueues, an enqueue to
    a closed queue, or the Session closed (TF1's `tf.errors.CancelledError`)."""


# TF1's base class of the errors a run raises: `except tf.errors.OpError` catches every graphdl error.
OpError = GraphdlError
