"""tf.errors: TF1's classes, codes and constructor form, each class also its Python builtin."""

from __future__ import annotations

import numpy as np
import pytest

import graphdl as tf

# (class name, TF1 code, builtin it also is); codes from TF1's error_codes.proto
TF1_ERRORS = [
    ("CancelledError", 1, RuntimeError),
    ("UnknownError", 2, RuntimeError),
    ("InvalidArgumentError", 3, ValueError),
    ("DeadlineExceededError", 4, TimeoutError),
    ("NotFoundError", 5, FileNotFoundError),
    ("AlreadyExistsError", 6, FileExistsError),
    ("PermissionDeniedError", 7, PermissionError),
    ("ResourceExhaustedError", 8, RuntimeError),
    ("FailedPreconditionError", 9, RuntimeError),
    ("AbortedError", 10, RuntimeError),
    ("OutOfRangeError", 11, IndexError),
    ("UnimplementedError", 12, NotImplementedError),
    ("InternalError", 13, RuntimeError),
    ("UnavailableError", 14, RuntimeError),
    ("DataLossError", 15, RuntimeError),
    ("UnauthenticatedError", 16, PermissionError),
]


@pytest.mark.parametrize(("name", "code", "builtin"), TF1_ERRORS)
def test_tf1_error_classes(name, code, builtin):
    cls = getattr(tf.errors, name)
    assert issubclass(cls, tf.errors.OpError) and issubclass(cls, builtin)
    assert cls.error_code == code
    assert tf.errors.exception_type_from_error_code(code) is cls
    assert tf.errors.error_code_from_exception_type(cls) == code
    code_name = {1: "CANCELLED", 11: "OUT_OF_RANGE", 14: "UNAVAILABLE"}.get(code)
    if code_name:
        assert getattr(tf.errors, code_name) == code
    err = cls(None, None, "what went wrong")  # TF1's (node_def, op, message)
    assert str(err) == err.message == "what went wrong"
    assert err.op is None and err.node_def is None and err.error_code == code
    with pytest.raises(tf.errors.OpError, match="what went wrong"):
        raise err
    plain = cls("as graphdl raises it")
    assert plain.message == "as graphdl raises it" and plain.error_code == code


def test_op_error_with_a_code_and_graphdl_errors_carry_codes():
    err = tf.errors.OpError(None, None, "stopped", tf.errors.ABORTED)
    assert err.error_code == 10 and err.message == "stopped"
    assert tf.errors.UninitializedVariableError("v").error_code == tf.errors.FAILED_PRECONDITION
    with pytest.raises(KeyError):
        tf.errors.error_code_from_exception_type(ValueError)

    g = tf.Graph()
    with g.as_default():
        ds = tf.data.Dataset.from_tensor_slices(np.arange(2, dtype=np.int64))
        nxt = ds.make_one_shot_iterator().get_next()
        with tf.Session() as sess:
            assert [int(sess.run(nxt)) for _ in range(2)] == [0, 1]
            with pytest.raises(tf.errors.OpError) as info:
                sess.run(nxt)
    assert info.value.error_code == tf.errors.OUT_OF_RANGE
    assert isinstance(info.value, tf.errors.OutOfRangeError)
