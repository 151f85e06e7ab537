"""TF1 names course programs use around their models: tf.div, tf.log_sigmoid, the deprecated
initializer names, Dimension's `.value`, tf.gfile, tf.compat.v1, tf.flags and tf.errors."""

from __future__ import annotations

import os

import numpy as np
import pytest

import graphdl as tf
from graphdl import gradient_checker

BACKENDS = ["interpreter", "xla"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_div_is_python2_division(backend: str) -> None:
    g = tf.Graph()
    with g.as_default():
        a = tf.constant([7, -7, 7, -7], tf.int32)
        b = tf.constant([2, 2, -2, -2], tf.int32)
        ints = tf.div(a, b)
        floats = tf.div(tf.constant([7.0, -7.0]), tf.constant([2.0, 2.0]))
        with tf.Session(graph=g, backend=backend) as sess:
            i, f = sess.run([ints, floats])
    # Python 2's / on ints floors toward -inf, as Python 3's //
    np.testing.assert_array_equal(i, np.array([7, -7, 7, -7]) // np.array([2, 2, -2, -2]))
    assert i.dtype == np.int32
    np.testing.assert_array_equal(f, np.array([3.5, -3.5], np.float32))
    assert ints.op.type == "FloorDiv" and floats.op.type == "RealDiv"


def test_log_sigmoid_values_both_backends_and_gradient() -> None:
    xs = np.array([-100.0, -3.0, 0.0, 2.5, 40.0])
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, [5])
        y = tf.log_sigmoid(x)
        got = {b: run_graph(g, b, y, {x: xs}) for b in BACKENDS}
        err = gradient_checker.compute_gradient_error(x, [5], y, [5], x_init_value=xs[1:4].repeat(2)[:5])
    truth = -np.logaddexp(0.0, -xs)  # log(1 / (1 + exp(-x))) without overflow
    for b in BACKENDS:
        np.testing.assert_allclose(got[b], truth, rtol=1e-12, atol=0)
    assert err < 1e-6
    assert tf.math.log_sigmoid is tf.log_sigmoid


def run_graph(g: tf.Graph, backend: str, fetches: object, feed: dict) -> object:
    with tf.Session(graph=g, backend=backend) as sess:
        return sess.run(fetches, feed)


def test_deprecated_initializer_names() -> None:
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(3.0)
        w = tf.Variable(4.0)
        with tf.Session() as sess:
            sess.run(tf.initialize_variables([v]))
            assert sess.run(v) == 3.0
            with pytest.raises(tf.errors.FailedPreconditionError):
                sess.run(w)
            sess.run(tf.initialize_all_variables())
            assert sess.run(w) == 4.0
    assert tf.initialize_local_variables is tf.local_variables_initializer


def test_shape_items_are_dimensions_with_value() -> None:
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 784])
        d = x.get_shape()[1]
    assert d.value == 784 and d == 784 and isinstance(d, int)
    assert repr(d) == "Dimension(784)" and str(d) == "784" and f"{d}" == "784"
    assert d * 2 == 1568 and type(d * 2) is int
    assert x.shape[0] is None  # unknown dims stay None
    assert x.shape.as_list() == [None, 784] and all(type(v) is not tf.Dimension for v in x.shape.as_list())
    assert tf.dimension_value(d) == 784 and tf.dimension_value(None) is None and tf.dimension_value(5) == 5
    assert d.is_compatible_with(784) and d.is_compatible_with(None) and not d.is_compatible_with(10)
    w = tf.zeros([d, 10])  # a Dimension is accepted wherever an int is
    assert w.shape.as_list() == [784, 10]


def test_gfile_local_files(tmp_path: os.PathLike) -> None:
    root = os.path.join(tmp_path, "logs")
    assert not tf.gfile.Exists(root)
    tf.gfile.MakeDirs(os.path.join(root, "a", "b"))
    tf.gfile.MakeDirs(root)  # exists already: no error
    assert tf.gfile.IsDirectory(os.path.join(root, "a"))
    path = os.path.join(root, "vocab.txt")
    with tf.gfile.GFile(path, "w") as f:
        f.write("the\nof\nand\n")
    with tf.gfile.GFile(path) as f:
        assert [w.strip() for w in f] == ["the", "of", "and"]
    with tf.gfile.Open(path, "rb") as f:
        assert f.read() == b"the\nof\nand\n"
    assert tf.gfile.Stat(path).length == 11 and not tf.gfile.Stat(path).is_directory
    assert tf.gfile.ListDirectory(root) == ["a", "vocab.txt"]
    assert tf.gfile.Glob(os.path.join(root, "*.txt")) == [path]
    tf.gfile.Copy(path, os.path.join(root, "copy.txt"))
    with pytest.raises(FileExistsError):
        tf.gfile.Copy(path, os.path.join(root, "copy.txt"))
    tf.gfile.Rename(os.path.join(root, "copy.txt"), os.path.join(root, "moved.txt"))
    assert sorted(f for _, _, files in tf.gfile.Walk(root) for f in files) == ["moved.txt", "vocab.txt"]
    tf.gfile.Remove(os.path.join(root, "moved.txt"))
    tf.gfile.DeleteRecursively(root)
    assert not tf.gfile.Exists(root)
    with pytest.raises(OSError, match="local files only"):
        tf.gfile.Exists("gs://bucket/x")


def test_compat_v1_is_graphdl_and_text_helpers() -> None:
    assert tf.compat.v1 is tf
    tf.compat.v1.disable_v2_behavior()
    tf.compat.v1.disable_eager_execution()
    assert tf.executing_eagerly() is False
    with pytest.raises(tf.GraphError, match="no eager execution"):
        tf.enable_eager_execution()
    assert tf.compat.as_bytes("é") == "é".encode() and tf.compat.as_text(b"abc") == "abc"
    assert tf.compat.as_str is tf.compat.as_text
    with pytest.raises(TypeError):
        tf.compat.as_bytes(3)
    assert tf.__version__ == tf.VERSION


def test_flags_is_app_flags() -> None:
    assert tf.flags is tf.app.flags
    assert tf.flags.FLAGS is tf.app.flags.FLAGS


def test_tf_errors_classes() -> None:
    assert issubclass(tf.errors.UninitializedVariableError, tf.errors.FailedPreconditionError)
    assert issubclass(tf.errors.InvalidArgumentError, tf.errors.OpError)
    assert issubclass(tf.errors.OutOfRangeError, tf.errors.OpError)
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(1.0)
        with tf.Session() as sess, pytest.raises(tf.errors.OpError, match="uninitialized"):
            sess.run(v + 1.0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_python_ints_beyond_int32_become_int64(backend: str) -> None:
    g = tf.Graph()
    with g.as_default():
        big, mixed, small = tf.constant(2**40), tf.constant([1, -(2**33)]), tf.constant([1, 2])
        with tf.Session(graph=g, backend=backend) as sess:
            b, m = sess.run([big, mixed])
    assert big.dtype == tf.int64 and mixed.dtype == tf.int64 and small.dtype == tf.int32  # as TF1
    assert int(b) == 2**40 and m.tolist() == [1, -(2**33)]


def test_collection_refs_and_tfrecord_hint() -> None:
    g = tf.Graph()
    with g.as_default():
        ref = tf.get_collection_ref("my")
        ref.append(1)
        tf.add_to_collections(["my", "other"], 2)
        assert tf.get_collection("my") == [1, 2] and tf.get_collection("other") == [2]
    with pytest.raises(AttributeError, match="not with a queue reader"):
        _ = tf.TFRecordReader  # TFRecord files are read with tf.data.TFRecordDataset
    assert issubclass(tf.errors.NotFoundError, tf.errors.OpError)


def test_newaxis() -> None:
    x = tf.placeholder(tf.float32, [None, 3, 4])
    assert tf.newaxis is None
    assert x[:, ::-1, tf.newaxis, ...].shape.as_list() == [None, 3, 1, 4]
