"""graphdl's own exception classes; each subclasses the matching Python builtin."""

from __future__ import annotations

# TF1's error codes (tf.errors.OK ... tf.errors.UNAUTHENTICATED), the `error_code` of each class below
OK, CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND, ALREADY_EXISTS = 0, 1, 2, 3, 4, 5, 6
PERMISSION_DENIED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE = 7, 8, 9, 10, 11
UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS, UNAUTHENTICATED = 12, 13, 14, 15, 16


class GraphdlError(Exception):
    """Base class of every error graphdl raises on purpose; TF1's `tf.errors.OpError`.

    Made with a message, as graphdl raises them, or with TF1's arguments `(node_def, op, message)`
    (`OpError` itself also takes an `error_code`), as TF1 programs raise them.
    """

    error_code = UNKNOWN

    def __init__(self, *args: object) -> None:
        self._node_def: object = None
        self._op: object = None
        if len(args) in (3, 4) and isinstance(args[2], str):
            self._node_def, self._op = args[0], args[1]
            if len(args) == 4 and isinstance(args[3], int):
                self.error_code = args[3]
            args = (args[2],)
        super().__init__(*args)

    @property
    def message(self) -> str:
        return str(self.args[0]) if len(self.args) == 1 else str(self)

    @property
    def op(self) -> object:
        return self._op

    @property
    def node_def(self) -> object:
        return self._node_def


class ShapeError(GraphdlError, ValueError):
    """Shapes of an op's inputs do not fit together."""

    error_code = INVALID_ARGUMENT


class DTypeError(GraphdlError, TypeError):
    """Dtypes of an op's inputs do not fit together, or a value cannot be cast."""

    error_code = INVALID_ARGUMENT


class FeedError(GraphdlError, ValueError):
    """A feed is missing, of the wrong shape, or of a dtype that cannot be cast safely."""

    error_code = INVALID_ARGUMENT


class FailedPreconditionError(GraphdlError, RuntimeError):
    """A run needs state it does not have yet (TF1's `tf.errors.FailedPreconditionError`)."""

    error_code = FAILED_PRECONDITION


class UninitializedVariableError(FailedPreconditionError):
    """A variable was read before it was initialized in this session."""


class GraphError(GraphdlError, ValueError):
    """The graph is malformed: a cycle, a dangling input, an unknown op, a bad name."""

    error_code = INVALID_ARGUMENT


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

    error_code = INVALID_ARGUMENT


class OutOfRangeError(GraphdlError, IndexError):
    """A tf.data iterator has no more elements (TF1's `tf.errors.OutOfRangeError`)."""

    error_code = OUT_OF_RANGE


class NotFoundError(GraphdlError, FileNotFoundError):
    """A file a run needs does not exist: a reader's input, a checkpoint (TF1's `tf.errors.NotFoundError`)."""

    error_code = NOT_FOUND


class CancelledError(GraphdlError, RuntimeError):
    """A queue operation was cancelled: the queue closed with cancel_pending_enqueues, an enqueue to
    a closed queue, or the Session closed (TF1's `tf.errors.CancelledError`)."""

    error_code = CANCELLED


class UnknownError(GraphdlError, RuntimeError):
    """TF1's `tf.errors.UnknownError`."""


class DeadlineExceededError(GraphdlError, TimeoutError):
    """An operation ran out of time (TF1's `tf.errors.DeadlineExceededError`)."""

    error_code = DEADLINE_EXCEEDED


class AlreadyExistsError(GraphdlError, FileExistsError):
    """TF1's `tf.errors.AlreadyExistsError`."""

    error_code = ALREADY_EXISTS


class PermissionDeniedError(GraphdlError, PermissionError):
    """TF1's `tf.errors.PermissionDeniedError`."""

    error_code = PERMISSION_DENIED


class UnauthenticatedError(GraphdlError, PermissionError):
    """TF1's `tf.errors.UnauthenticatedError`."""

    error_code = UNAUTHENTICATED


class ResourceExhaustedError(GraphdlError, RuntimeError):
    """Out of memory or of a quota (TF1's `tf.errors.ResourceExhaustedError`)."""

    error_code = RESOURCE_EXHAUSTED


class AbortedError(GraphdlError, RuntimeError):
    """TF1's `tf.errors.AbortedError` (a MonitoredSession recreates its session on it)."""

    error_code = ABORTED


class UnimplementedError(GraphdlError, NotImplementedError):
    """TF1's `tf.errors.UnimplementedError`."""

    error_code = UNIMPLEMENTED


class InternalError(GraphdlError, RuntimeError):
    """TF1's `tf.errors.InternalError`."""

    error_code = INTERNAL


class UnavailableError(GraphdlError, RuntimeError):
    """TF1's `tf.errors.UnavailableError` (a MonitoredSession recreates its session on it)."""

    error_code = UNAVAILABLE


class DataLossError(GraphdlError, RuntimeError):
    """TF1's `tf.errors.DataLossError`."""

    error_code = DATA_LOSS


# TF1's base class of the errors a run raises: `except tf.errors.OpError` catches every graphdl error.
OpError = GraphdlError

_BY_CODE: dict[int, type[GraphdlError]] = {
    CANCELLED: CancelledError, UNKNOWN: UnknownError, INVALID_ARGUMENT: InvalidArgumentError,
    DEADLINE_EXCEEDED: DeadlineExceededError, NOT_FOUND: NotFoundError, ALREADY_EXISTS: AlreadyExistsError,
    PERMISSION_DENIED: PermissionDeniedError, RESOURCE_EXHAUSTED: ResourceExhaustedError,
    FAILED_PRECONDITION: FailedPreconditionError, ABORTED: AbortedError, OUT_OF_RANGE: OutOfRangeError,
    UNIMPLEMENTED: UnimplementedError, INTERNAL: InternalError, UNAVAILABLE: UnavailableError,
    DATA_LOSS: DataLossError, UNAUTHENTICATED: UnauthenticatedError,
}  # fmt: skip


def exception_type_from_error_code(error_code: int) -> type[GraphdlError]:
    """TF1's `tf.errors.exception_type_from_error_code`: the class of an error code."""
    return _BY_CODE[error_code]


def error_code_from_exception_type(cls: type[BaseException]) -> int:
    """TF1's `tf.errors.error_code_from_exception_type`: the code of an error class."""
    code = getattr(cls, "error_code", None)
    if not isinstance(code, int):
        raise KeyError(f"{cls.__name__} is not an error class with a TF1 error code")
    return code
