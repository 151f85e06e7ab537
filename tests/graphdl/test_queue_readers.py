"""TF1 readers (TextLineReader, FixedLengthRecordReader, WholeFileReader) fed by string_input_producer,
and tf.decode_raw: records read on the host, decoded numbers fed to either backend.

Outside truth: the "readers" entry of tests/graphdl/data/tf_queues.json (make_tf_queues.py, TF1) and
NumPy's frombuffer.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import graphdl as tf

BACKENDS = ["interpreter", "xla"]
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "tf_queues.json")) as _fh:
    TF1 = json.load(_fh)["readers"]


def reader_files(folder: str) -> tuple[str, str]:
    """The same files make_tf_queues.py reads with TensorFlow."""
    fixed = os.path.join(folder, "fixed.bin")
    with open(fixed, "wb") as fh:
        fh.write(bytes(range(2, 2 + 2 + 4 * 3 + 3)))
    text = os.path.join(folder, "lines.txt")
    with open(text, "wb") as fh:
        fh.write(b"header\nfirst line\nsecond\r\n\nlast")
    return fixed, text


def start(sess: tf.Session) -> tuple[tf.train.Coordinator, list]:
    sess.run(tf.local_variables_initializer())
    coord = tf.train.Coordinator()
    return coord, tf.train.start_queue_runners(sess, coord)


def stop(coord: tf.train.Coordinator, threads: list) -> None:
    coord.request_stop()
    coord.join(threads, stop_grace_period_secs=10)


@pytest.mark.parametrize("backend", BACKENDS)
def test_readers_match_tf1(backend: str, tmp_path: object) -> None:
    fixed, text = reader_files(str(tmp_path))
    fq = tf.train.string_input_producer([fixed], num_epochs=1, shuffle=False)
    k, v = tf.FixedLengthRecordReader(record_bytes=4, header_bytes=2, footer_bytes=1).read(fq)
    d16 = tf.decode_raw(v, tf.int16)
    doubled = d16 * 2  # the decoded numbers go through the backend
    assert d16.shape.as_list() == TF1["d16_static"] and d16.dtype == tf.int16
    tq = tf.train.string_input_producer([text, text], num_epochs=1, shuffle=False)
    tk, tv = tf.TextLineReader(skip_header_lines=1).read(tq)
    wq = tf.train.string_input_producer([text], num_epochs=1, shuffle=False)
    wk, wv = tf.WholeFileReader().read(wq)
    with tf.Session(backend=backend) as sess:
        coord, threads = start(sess)
        rec = []
        with pytest.raises(tf.errors.OutOfRangeError):
            while True:
                a, b, c, c2 = sess.run([k, v, d16, doubled])
                np.testing.assert_array_equal(c2, 2 * c)
                np.testing.assert_array_equal(c, np.frombuffer(b, "<i2"))
                rec.append([os.path.basename(a.decode()), list(b), c.tolist()])
        lines = []
        with pytest.raises(tf.errors.OutOfRangeError):
            while True:
                a, b = sess.run([tk, tv])
                lines.append([os.path.basename(a.decode()), b.decode()])
        a, b = sess.run([wk, wv])
        stop(coord, threads)
    assert rec == TF1["fixed"]
    assert lines == TF1["lines"]
    assert [os.path.basename(a.decode()), b.decode()] == TF1["whole"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_cifar_style_pipeline(backend: str, tmp_path: object) -> None:
    """cifar10_input's shape: FixedLengthRecordReader, decode_raw, strided_slice, reshape, batch."""
    rng = np.random.default_rng(0)
    records = [bytes([i]) + rng.integers(0, 256, 12, dtype=np.uint8).tobytes() for i in range(10)]
    names = []
    for f in range(2):
        names.append(os.path.join(str(tmp_path), f"data_{f}.bin"))
        with open(names[-1], "wb") as fh:
            fh.write(b"".join(records[5 * f : 5 * f + 5]))
    fq = tf.train.string_input_producer(names, num_epochs=1, shuffle=False)
    key, value = tf.FixedLengthRecordReader(record_bytes=13).read(fq)
    raw = tf.decode_raw(value, tf.uint8)
    label = tf.cast(tf.strided_slice(raw, [0], [1]), tf.int32)
    label.set_shape([1])
    image = tf.transpose(tf.reshape(tf.strided_slice(raw, [1], [13]), [3, 2, 2]), [1, 2, 0])
    image = tf.cast(image, tf.float32) / 255.0
    labels, images, keys = tf.train.batch([label, image, key], 4, allow_smaller_final_batch=True)
    assert images.shape.as_list() == [None, 2, 2, 3]
    with tf.Session(backend=backend) as sess:
        coord, threads = start(sess)
        got = []
        with pytest.raises(tf.errors.OutOfRangeError):
            while True:
                got.append(sess.run([labels, images, keys]))
        stop(coord, threads)
    assert [len(g[0]) for g in got] == [4, 4, 2]
    all_labels = np.concatenate([g[0] for g in got]).ravel()
    all_images = np.concatenate([g[1] for g in got])
    np.testing.assert_array_equal(all_labels, np.arange(10))
    want = (
        np.stack([np.frombuffer(r[1:], np.uint8).reshape(3, 2, 2).transpose(1, 2, 0) for r in records])
        / 255.0
    )
    np.testing.assert_allclose(all_images, want.astype(np.float32), rtol=1e-6)
    assert got[0][2][1].endswith(b"data_0.bin:1") and got[1][2][1].endswith(b"data_1.bin:0")


def test_decode_raw_needs_host_strings() -> None:
    with pytest.raises(tf.errors.DTypeError, match="decode_raw"):
        tf.decode_raw(tf.placeholder(tf.float32), tf.uint8)


def test_missing_input_file_is_tf1s_not_found_error(tmp_path: object) -> None:
    """A reader's missing file reaches the program as tf.errors.NotFoundError (an OpError), raised
    again by coord.join, as in TF1."""
    fq = tf.train.string_input_producer([os.path.join(str(tmp_path), "absent.bin")], shuffle=False)
    _, value = tf.FixedLengthRecordReader(record_bytes=4).read(fq)
    with tf.Session() as sess:
        coord, threads = start(sess)
        with pytest.raises(tf.errors.NotFoundError, match=r"absent\.bin"):
            sess.run(value)
        coord.request_stop()
    assert issubclass(tf.errors.NotFoundError, tf.errors.OpError)  # a TF1 `except OpError` catches it
    coord.join(threads, stop_grace_period_secs=5, ignore_live_threads=True)
