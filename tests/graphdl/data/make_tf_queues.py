"""Writes tf_queues.json: what TF1 (tf.compat.v1, TensorFlow 2.x) gives for a few queue programs.

Run with a TensorFlow venv: /tmp/tfvenv/bin/python tests/graphdl/data/make_tf_queues.py
The tests (test_queues.py) run the same programs with graphdl and compare.
"""

import json
import os

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_eager_execution()
out: dict = {}


def run_until_oor(sess, t):
    got = []
    try:
        while True:
            v = sess.run(t)
            got.append([np.asarray(x).tolist() for x in v] if isinstance(v, list) else np.asarray(v).tolist())
    except tf.errors.OutOfRangeError as e:
        return got, type(e).__name__


# FIFO order, dequeue_many / dequeue_up_to on a closed queue
with tf.Graph().as_default():
    q = tf.FIFOQueue(10, [tf.float32, tf.int32], shapes=[[2], []])
    enq = q.enqueue_many([np.arange(14, dtype=np.float32).reshape(7, 2), np.arange(7, dtype=np.int32) * 10])
    many = q.dequeue_many(3)
    upto = q.dequeue_up_to(3)
    one = q.dequeue()
    with tf.Session() as sess:
        sess.run(enq)
        a = sess.run(many)
        b = sess.run(one)
        sess.run(q.close())
        c = sess.run(upto)
        d, err = run_until_oor(sess, upto)
        out["fifo"] = {
            "many": [x.tolist() for x in a],
            "one": [np.asarray(x).tolist() for x in b],
            "upto_closed": [x.tolist() for x in c],
            "after": d,
            "error": err,
            "static": [many[0].shape.as_list(), many[1].shape.as_list(), upto[0].shape.as_list()],
        }

# PaddingFIFOQueue
with tf.Graph().as_default():
    q = tf.PaddingFIFOQueue(5, [tf.int32], shapes=[[None]])
    x = tf.placeholder(tf.int32, [None])
    enq = q.enqueue([x])
    deq = q.dequeue_many(3)
    with tf.Session() as sess:
        for v in ([1], [2, 3, 4], [5, 6]):
            sess.run(enq, {x: v})
        out["padding"] = sess.run(deq).tolist()

# range_input_producer, shuffle=False, num_epochs=2
with tf.Graph().as_default():
    i = tf.train.range_input_producer(4, num_epochs=2, shuffle=False).dequeue()
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        got, err = run_until_oor(sess, i)
        coord.request_stop()
        coord.join(threads)
        out["range"] = {"values": got, "error": err}

# slice_input_producer + batch with a smaller final batch
with tf.Graph().as_default():
    xs = np.arange(10, dtype=np.float32).reshape(5, 2)
    ys = np.arange(5, dtype=np.int32)
    x, y = tf.train.slice_input_producer([xs, ys], num_epochs=1, shuffle=False)
    bx, by = tf.train.batch([x, y], 2, allow_smaller_final_batch=True)
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        got, err = run_until_oor(sess, [bx, by])
        coord.request_stop()
        coord.join(threads)
        out["slice_batch"] = {"values": got, "error": err, "static": [bx.shape.as_list(), by.shape.as_list()]}

# string_input_producer, shuffle=False, num_epochs=1
with tf.Graph().as_default():
    q = tf.train.string_input_producer(["a.txt", "b.txt", "c.txt"], num_epochs=1, shuffle=False)
    f = q.dequeue()
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        got = []
        try:
            while True:
                got.append(sess.run(f).decode())
        except tf.errors.OutOfRangeError:
            pass
        coord.request_stop()
        coord.join(threads)
        out["strings"] = got

# batch returns one tensor for a one-element list; shuffle_batch shapes
with tf.Graph().as_default():
    b1 = tf.train.batch([tf.constant([1.0, 2.0])], 4)
    sb = tf.train.shuffle_batch({"a": tf.constant(1), "b": tf.constant([1.0, 2.0, 3.0])}, 5, 20, 10)
    out["structure"] = {
        "one": [not isinstance(b1, (list, tuple)), b1.shape.as_list()],
        "dict": sorted(sb),
        "dict_shapes": [sb["a"].shape.as_list(), sb["b"].shape.as_list()],
    }


def reader_files(folder):
    """The files the reader programs read (the tests write the same ones)."""
    fixed = os.path.join(folder, "fixed.bin")
    with open(fixed, "wb") as fh:
        fh.write(bytes(range(2, 2 + 2 + 4 * 3 + 3)))  # header 2, three records of 4, 3 left (footer 1)
    text = os.path.join(folder, "lines.txt")
    with open(text, "wb") as fh:
        fh.write(b"header\nfirst line\nsecond\r\n\nlast")
    return fixed, text


# readers and decode_raw
import tempfile  # noqa: E402

with tempfile.TemporaryDirectory() as folder, tf.Graph().as_default():
    fixed, text = reader_files(folder)
    fq = tf.train.string_input_producer([fixed], num_epochs=1, shuffle=False)
    k, v = tf.FixedLengthRecordReader(record_bytes=4, header_bytes=2, footer_bytes=1).read(fq)
    d16 = tf.decode_raw(v, tf.int16)
    tq = tf.train.string_input_producer([text, text], num_epochs=1, shuffle=False)
    tk, tv = tf.TextLineReader(skip_header_lines=1).read(tq)
    wq = tf.train.string_input_producer([text], num_epochs=1, shuffle=False)
    wk, wv = tf.WholeFileReader().read(wq)
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        rec = []
        try:
            while True:
                a, b, c = sess.run([k, v, d16])
                rec.append([os.path.basename(a.decode()), list(b), c.tolist()])
        except tf.errors.OutOfRangeError:
            pass
        lines = []
        try:
            while True:
                a, b = sess.run([tk, tv])
                lines.append([os.path.basename(a.decode()), b.decode()])
        except tf.errors.OutOfRangeError:
            pass
        a, b = sess.run([wk, wv])
        whole = [os.path.basename(a.decode()), b.decode()]
        coord.request_stop()
        coord.join(threads)
    out["readers"] = {"fixed": rec, "lines": lines, "whole": whole, "d16_static": d16.shape.as_list()}

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_queues.json"), "w") as fh:
    json.dump(out, fh, indent=1, sort_keys=True)
print(json.dumps(out))
