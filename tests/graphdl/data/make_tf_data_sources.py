"""Regenerates tf_data_sources.json with TensorFlow (not a test; graphdl's tests only read the JSON).

Run with TensorFlow installed in a separate environment (2.21.0 made the committed file):
    python tests/graphdl/data/make_tf_data_sources.py  (writes /tmp/s5c/tf_data_sources.json; copy it here)
Each case is a pipeline spelled the same way in tests/graphdl/test_data_sources.py; the JSON holds the
element sequence TF1 gives (lists) and the static output shapes.
"""

# ruff: noqa
import json, os, tempfile
import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_eager_execution()

TEXT = {"a.txt": b"hello\nworld\r\n\nlast", "b.txt": b"b1\nb2\n"}
RECORDS = bytes(range(2 + 4 * 3 + 1))  # header 2, three records of 4, footer 1


def cases(folder):
    d = tf1.data.Dataset
    X = np.arange(12, dtype=np.float32).reshape(6, 2)
    return {
        "padded_batch": d.range(5).map(lambda i: tf.fill([i], i)).padded_batch(2, [None]),
        "padded_batch_fixed": d.range(4)
        .map(lambda i: (tf.fill([i], tf.cast(i, tf.float32)), i))
        .padded_batch(3, ([5], []), padding_values=(-1.0, np.int64(7)), drop_remainder=True),
        "shard": d.range(10).shard(3, 1),
        "filter": d.range(10).filter(lambda i: tf.equal(i % 3, 0)),
        "flat_map": d.range(4).flat_map(lambda i: d.from_tensors(i).repeat(i)),
        "concatenate": d.from_tensor_slices(X[:2]).concatenate(d.from_tensor_slices(X[2:4] * 10)),
        "zip": d.zip((d.range(3), d.range(10, 15).batch(2))),
        "unbatch": d.range(5).batch(2).apply(tf1.data.experimental.unbatch()),
        "generator": d.from_generator(
            lambda: iter([(1, [1.5, 2.0]), (2, [3.0, 4.5])]), (tf.int32, tf.float32), ([], [2])
        ),
        "map_and_batch": d.range(5).apply(tf1.data.experimental.map_and_batch(lambda i: i * i, 2)),
        "text": tf1.data.TextLineDataset([os.path.join(folder, "a.txt"), os.path.join(folder, "b.txt")]),
        "records": tf1.data.FixedLengthRecordDataset(
            os.path.join(folder, "r.bin"), 4, header_bytes=2, footer_bytes=1
        ),
    }


def as_json(v):
    if isinstance(v, tuple):
        return [as_json(x) for x in v]
    if isinstance(v, bytes):
        return v.decode("latin-1")
    v = np.asarray(v)
    if v.dtype == object:
        return (
            np.vectorize(lambda b: b.decode("latin-1"), otypes=[object])(v).tolist()
            if v.ndim
            else v[()].decode("latin-1")
        )
    return v.tolist()


def shapes(s):
    if isinstance(s, tuple):
        return [shapes(x) for x in s]
    return None if s.rank is None else s.as_list()


folder = tempfile.mkdtemp()
for name, data in TEXT.items():
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)
with open(os.path.join(folder, "r.bin"), "wb") as f:
    f.write(RECORDS)
out = {}
g = tf1.Graph()
with g.as_default():
    made = cases(folder)
    nexts = {k: tf1.data.make_one_shot_iterator(ds).get_next() for k, ds in made.items()}
    with tf1.Session() as sess:
        for k, nxt in nexts.items():
            seq = []
            try:
                while True:
                    seq.append(as_json(sess.run(nxt)))
            except tf.errors.OutOfRangeError:
                pass
            out[k] = {"elements": seq, "shapes": shapes(tf1.data.get_output_shapes(made[k]))}
os.makedirs("/tmp/s5c", exist_ok=True)
with open("/tmp/s5c/tf_data_sources.json", "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
print("wrote /tmp/s5c/tf_data_sources.json")
