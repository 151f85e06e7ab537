"""tf.data sources and transformations beyond NumPy slices: graph tensors as sources (placeholders fed
to the initializer, variables, constants), from_generator, zip/concatenate/filter/flat_map,
padded_batch, shard, apply, text and fixed-length record files, feedable iterators (string handles).

Element sequences are checked on both backends against TF1's (tf_data_sources.json, made by
data/make_tf_data_sources.py) or NumPy.
"""

from __future__ import annotations

import gzip
import json
import os
from typing import Any

import numpy as np
import pytest

import graphdl as tf

BACKENDS = ["xla", "interpreter"]
HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "data", "tf_data_sources.json"), encoding="utf-8") as _f:
    TF1 = json.load(_f)
TEXT = {"a.txt": b"hello\nworld\r\n\nlast", "b.txt": b"b1\nb2\n"}  # as in make_tf_data_sources.py
RECORDS = bytes(range(2 + 4 * 3 + 1))


def as_json(v: Any) -> Any:
    """An element as the fixture spells it (bytes as latin-1 text)."""
    if isinstance(v, tuple | list):
        return [as_json(x) for x in v]
    if isinstance(v, bytes):
        return v.decode("latin-1")
    v = np.asarray(v)
    if v.dtype == object:
        return [as_json(x) for x in v] if v.ndim else as_json(v[()])
    return v.tolist()


def shapes(s: Any) -> Any:
    if isinstance(s, tuple):
        return [shapes(x) for x in s]
    return None if s.dims is None else s.as_list()


def drain(sess: Any, nxt: Any, feed: Any = None) -> list[Any]:
    out = []
    while True:
        try:
            out.append(sess.run(nxt, feed))
        except tf.errors.OutOfRangeError:
            return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory: Any) -> str:
    path = tmp_path_factory.mktemp("tfdata")
    for name, data in TEXT.items():
        (path / name).write_bytes(data)
    (path / "r.bin").write_bytes(RECORDS)
    (path / "a.txt.gz").write_bytes(gzip.compress(TEXT["a.txt"]))
    return str(path)


def cases(folder: str) -> dict[str, Any]:
    """The pipelines of make_tf_data_sources.py, in graphdl."""
    d = tf.data.Dataset
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    return {
        "padded_batch": d.range(5).map(lambda i: tf.fill([i], i)).padded_batch(2, [None]),
        "padded_batch_fixed": d.range(4)
        .map(lambda i: (tf.fill([i], tf.cast(i, tf.float32)), i))
        .padded_batch(3, ([5], []), padding_values=(-1.0, np.int64(7)), drop_remainder=True),
        "shard": d.range(10).shard(3, 1),
        "filter": d.range(10).filter(lambda i: tf.equal(i % 3, 0)),
        "flat_map": d.range(4).flat_map(lambda i: d.from_tensors(i).repeat(i)),
        "concatenate": d.from_tensor_slices(x[:2]).concatenate(d.from_tensor_slices(x[2:4] * 10)),
        "zip": d.zip((d.range(3), d.range(10, 15).batch(2))),
        "unbatch": d.range(5).batch(2).apply(tf.data.experimental.unbatch()),
        "generator": d.from_generator(
            lambda: iter([(1, [1.5, 2.0]), (2, [3.0, 4.5])]), (tf.int32, tf.float32), ([], [2])
        ),
        "map_and_batch": d.range(5).apply(tf.data.experimental.map_and_batch(lambda i: i * i, 2)),
        "text": tf.data.TextLineDataset([os.path.join(folder, "a.txt"), os.path.join(folder, "b.txt")]),
        "records": tf.data.FixedLengthRecordDataset(
            os.path.join(folder, "r.bin"), 4, header_bytes=2, footer_bytes=1
        ),
    }


@pytest.mark.parametrize("backend", BACKENDS)
def test_transformations_match_tf1(backend: str, folder: str) -> None:
    g = tf.Graph()
    with g.as_default():
        made = cases(folder)
        nexts = {k: ds.make_one_shot_iterator().get_next() for k, ds in made.items()}
    assert set(made) == set(TF1)
    sess = tf.Session(graph=g, backend=backend)
    for k, nxt in nexts.items():
        assert shapes(made[k].output_shapes) == TF1[k]["shapes"], k
        got = [as_json(e) for e in drain(sess, nxt)]
        assert got == TF1[k]["elements"], k
        assert [as_json(e) for e in made[k]] == TF1[k]["elements"], k  # iterated on the host too
    assert [t.name for t in made["generator"].output_types] == ["int32", "float32"]
    assert made["text"].output_types.name == "string"


@pytest.mark.parametrize("backend", BACKENDS)
def test_placeholder_sources_fed_to_the_initializer_train_a_model(backend: str) -> None:
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((50, 3)).astype(np.float32)
    ys = (xs @ np.array([1.0, -2.0, 0.5], np.float32))[:, None]
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 3])
        y = tf.placeholder(tf.float32, [None, 1])
        ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
        assert shapes(ds.output_shapes) == [[None, 3], [None, 1]]
        assert [t.name for t in ds.output_types] == ["float32", "float32"]
        it = ds.make_initializable_iterator()
        bx, by = it.get_next()
        loss = tf.reduce_mean(tf.square(tf.layers.dense(bx, 1, use_bias=False) - by))
        opt = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        init = tf.global_variables_initializer()
    sess = tf.Session(graph=g, backend=backend)
    sess.run(init)
    sess.run(it.initializer, feed_dict={x: xs, y: ys})
    batches = drain(sess, (bx, by))
    assert [b[0].shape[0] for b in batches] == [16, 16, 16, 2]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), xs)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), ys)
    # a new feed restarts the iterator over new data
    sess.run(it.initializer, feed_dict={x: xs[:5] * 2, y: ys[:5]})
    np.testing.assert_array_equal(sess.run(bx), xs[:5] * 2)
    first = None
    for _ in range(40):
        sess.run(it.initializer, feed_dict={x: xs, y: ys})
        for _ in range(4):
            _, value = sess.run([opt, loss])
            first = value if first is None else first
    assert value < 0.01 * first


@pytest.mark.parametrize("backend", BACKENDS)
def test_variable_and_constant_sources(backend: str) -> None:
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable([1.0, 2.0, 3.0], name="v")
        scale = tf.placeholder(tf.float32, [])
        it = (
            tf.data.Dataset.from_tensor_slices(v * scale).map(lambda e: e + 1.0).make_initializable_iterator()
        )
        nxt = it.get_next()
        c = tf.constant(np.arange(6).reshape(3, 2))
        const_next = tf.data.Dataset.from_tensor_slices(c * 2).make_one_shot_iterator().get_next()
        bump = tf.assign(v, [10.0, 20.0, 30.0])
    sess = tf.Session(graph=g, backend=backend)
    sess.run(v.initializer)
    sess.run(it.initializer, {scale: 2.0})
    sess.run(bump)  # the dataset holds the values read when the initializer ran
    assert [float(e) for e in drain(sess, nxt)] == [3.0, 5.0, 7.0]
    sess.run(it.initializer, {scale: 0.5})
    assert [float(e) for e in drain(sess, nxt)] == [6.0, 11.0, 16.0]
    assert [e.tolist() for e in drain(sess, const_next)] == [[0, 2], [4, 6], [8, 10]]


@pytest.mark.parametrize("backend", BACKENDS)
def test_zip_of_a_placeholder_source_with_a_range_and_flat_map_over_slices(backend: str) -> None:
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.int32, [None, 2])
        ds = tf.data.Dataset.zip((tf.data.Dataset.from_tensor_slices(x), tf.data.Dataset.range(100)))
        flat = tf.data.Dataset.from_tensor_slices(x).flat_map(tf.data.Dataset.from_tensor_slices)
        it, fit = ds.make_initializable_iterator(), flat.make_initializable_iterator()
        (row, i), one = it.get_next(), fit.get_next()
    sess = tf.Session(graph=g, backend=backend)
    data = np.array([[1, 2], [3, 4], [5, 6]], np.int32)
    sess.run([it.initializer, fit.initializer], {x: data})
    assert [(r.tolist(), int(k)) for r, k in drain(sess, (row, i))] == [([1, 2], 0), ([3, 4], 1), ([5, 6], 2)]
    assert [int(e) for e in drain(sess, one)] == data.reshape(-1).tolist()


@pytest.mark.parametrize("backend", BACKENDS)
def test_text_lines_from_fed_file_names_and_gzip(backend: str, folder: str) -> None:
    g = tf.Graph()
    with g.as_default():
        names = tf.placeholder(tf.string, [None])
        it = tf.data.TextLineDataset(names).batch(2).make_initializable_iterator()
        lines = it.get_next()
        gz = tf.data.TextLineDataset(os.path.join(folder, "a.txt.gz"), compression_type="GZIP")
        gz_line = gz.make_one_shot_iterator().get_next()
        zipped = tf.data.Dataset.zip((tf.data.TextLineDataset(names), tf.data.Dataset.range(10)))
        zit = zipped.make_initializable_iterator()
        text, k = zit.get_next()
        doubled = k * 2
    sess = tf.Session(graph=g, backend=backend)
    sess.run(it.initializer, {names: [os.path.join(folder, "b.txt"), os.path.join(folder, "a.txt")]})
    got = drain(sess, lines)
    assert [b.tolist() for b in got] == [[b"b1", b"b2"], [b"hello", b"world"], [b"", b"last"]]
    assert drain(sess, gz_line) == [b"hello", b"world", b"", b"last"]
    sess.run(zit.initializer, {names: [os.path.join(folder, "b.txt")]})
    assert sess.run([text, doubled]) == [b"b1", 0]
    assert int(sess.run(doubled)) == 2  # the next element, its string part unfetched
    with pytest.raises(tf.errors.OutOfRangeError):
        sess.run(text)
    assert sess.run(text, {text: "by hand"}) == b"by hand"


@pytest.mark.parametrize("backend", BACKENDS)
def test_feedable_iterator_switches_between_train_and_validation(backend: str) -> None:
    g = tf.Graph()
    with g.as_default():
        train = tf.data.Dataset.range(6).map(lambda i: tf.cast(i, tf.float32)).repeat()
        val = tf.data.Dataset.from_tensor_slices(np.array([100.0, 200.0], np.float32))
        train_it = train.make_one_shot_iterator()
        val_it = val.make_initializable_iterator()
        handle = tf.placeholder(tf.string, shape=[])
        it = tf.data.Iterator.from_string_handle(handle, train.output_types, train.output_shapes)
        nxt = it.get_next()
        doubled = nxt * 2.0
        other = tf.data.Dataset.range(3).make_one_shot_iterator()
        bad = tf.data.Iterator.from_string_handle(handle, tf.int32, [])
        bad_next = bad.get_next()
        train_handle_t = train_it.string_handle()
    sess = tf.Session(graph=g, backend=backend)
    train_handle, val_handle = sess.run([train_handle_t, val_it.string_handle()])
    assert isinstance(train_handle, bytes) and train_handle != val_handle
    assert train_it.string_handle().dtype.name == "string"
    assert [float(sess.run(doubled, {handle: train_handle})) for _ in range(3)] == [0.0, 2.0, 4.0]
    with pytest.raises(
        tf.errors.FailedPreconditionError,
        match="GetNext\\(\\) failed because the iterator has not been initialized",
    ):
        sess.run(nxt, {handle: val_handle})
    sess.run(val_it.initializer)
    assert [float(e) for e in drain(sess, nxt, {handle: val_handle})] == [100.0, 200.0]
    assert float(sess.run(nxt, {handle: train_handle})) == 3.0  # train went on where it stopped
    with pytest.raises(tf.errors.FeedError, match="must feed a value"):
        sess.run(nxt)
    with pytest.raises(tf.errors.FeedError, match="not the string handle"):
        sess.run(nxt, {handle: b"nonsense"})
    with pytest.raises(tf.errors.DTypeError, match="from_string_handle iterator expects"):
        sess.run(bad_next, {handle: sess.run(other.string_handle())})


@pytest.mark.parametrize("backend", BACKENDS)
def test_apply_contrib_batch_and_drop_remainder_and_shard_of_placeholder(backend: str) -> None:
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None])
        ds = (
            tf.data.Dataset.from_tensor_slices(x)
            .shard(2, 0)
            .apply(tf.contrib.data.batch_and_drop_remainder(2))
        )
        assert ds.output_shapes.as_list() == [2]
        it = ds.make_initializable_iterator()
        nxt = it.get_next()
        total = tf.reduce_sum(nxt)
    sess = tf.Session(graph=g, backend=backend)
    xs = np.arange(9, dtype=np.float32)
    sess.run(it.initializer, {x: xs})
    evens = xs[::2]
    assert [float(t) for t in drain(sess, total)] == [evens[:2].sum(), evens[2:4].sum()]


@pytest.mark.parametrize("backend", BACKENDS)
def test_range_and_shard_take_tensors_read_at_initialization(backend: str) -> None:
    """A worker's shard of a range whose bounds and shard numbers are fed to the initializer."""
    g = tf.Graph()
    with g.as_default():
        n = tf.placeholder(tf.int64, [])
        k = tf.placeholder(tf.int32, [])
        it = tf.data.Dataset.range(2, n, 1).shard(k, tf.constant(1)).make_initializable_iterator()
        doubled = it.get_next() * 2
        with pytest.raises(tf.errors.DTypeError, match="integer scalars"):
            tf.data.Dataset.range(tf.constant(2.0))
        with pytest.raises(tf.errors.GraphError, match="num_shards"):
            tf.data.Dataset.range(3).shard(2, 2)
    sess = tf.Session(graph=g, backend=backend)
    for limit, shards in ((12, 3), (7, 2)):
        sess.run(it.initializer, {n: limit, k: shards})
        assert [int(v) for v in drain(sess, doubled)] == [
            2 * v for j, v in enumerate(range(2, limit)) if j % shards == 1
        ]
    sess.run(it.initializer, {n: 5, k: 0})
    with pytest.raises(tf.errors.InvalidArgumentError, match="num_shards >= 1"):
        sess.run(doubled)


@pytest.mark.parametrize("backend", BACKENDS)
def test_generator_is_called_again_at_each_initialization_and_checked(backend: str) -> None:
    calls = []

    def gen() -> Any:
        calls.append(1)
        yield from ([1, 2], [3, 4])

    def bad_shape() -> Any:
        yield [1, 2, 3]

    def bad_type() -> Any:
        yield "abc"

    def bad_structure() -> Any:
        yield (1, 2)

    g = tf.Graph()
    with g.as_default():
        it = tf.data.Dataset.from_generator(gen, tf.int64, tf.TensorShape([2])).make_initializable_iterator()
        nxt = it.get_next()
        errs = [
            tf.data.Dataset.from_generator(f, t, s).make_one_shot_iterator().get_next()
            for f, t, s in [
                (bad_shape, tf.int32, [2]),
                (bad_type, tf.int32, None),
                (bad_structure, (tf.int32, tf.int32, tf.int32), None),
            ]
        ]
    sess = tf.Session(graph=g, backend=backend)
    for _ in range(2):
        sess.run(it.initializer)
        assert [e.tolist() for e in drain(sess, nxt)] == [[1, 2], [3, 4]]
    assert len(calls) == 2
    with pytest.raises(
        tf.errors.ShapeError, match=r"yielded an element of shape \(3,\) where an element of shape"
    ):
        sess.run(errs[0])
    with pytest.raises(tf.errors.DTypeError, match="could not be converted to the expected type int32"):
        sess.run(errs[1])
    with pytest.raises(tf.errors.DTypeError, match="did not match the expected structure"):
        sess.run(errs[2])


@pytest.mark.parametrize("backend", BACKENDS)
def test_run_time_errors_of_sources_and_padding(backend: str) -> None:
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None])
        y = tf.placeholder(tf.float32, [None])
        it = tf.data.Dataset.from_tensor_slices((x, y)).make_initializable_iterator()
        nxt = it.get_next()
        small = tf.data.Dataset.range(5).map(lambda i: tf.fill([i], i)).padded_batch(2, [2])
        small_next = small.make_one_shot_iterator().get_next()
    sess = tf.Session(graph=g, backend=backend)
    sess.run(it.initializer, {x: [1.0, 2.0], y: [3.0]})
    with pytest.raises(tf.errors.ShapeError, match="different first dimensions"):
        sess.run(nxt)
    with pytest.raises(tf.errors.FeedError, match="Placeholder"):
        sess.run(it.initializer, {x: [1.0]})  # y is not fed
    assert [e.tolist() for e in [sess.run(small_next)]] == [[[0, 0], [1, 0]]]
    with pytest.raises(tf.errors.ShapeError, match="pad to a smaller size"):
        sess.run(small_next)


def test_build_time_errors() -> None:
    d = tf.data.Dataset
    g = tf.Graph()
    with g.as_default():
        p = tf.placeholder(tf.float32, [None])
        v = tf.Variable([1.0])
        for source in (p, v):
            with pytest.raises(tf.GraphError, match="one-shot iterator cannot capture"):
                d.from_tensor_slices(source).make_one_shot_iterator()
        with pytest.raises(tf.GraphError, match="iterate it with make_initializable_iterator"):
            list(d.from_tensor_slices(p))
        with pytest.raises(tf.errors.ShapeError, match="first dimension"):
            d.from_tensor_slices(tf.constant(1.0))
        with pytest.raises(tf.errors.DTypeError, match="must return a bool scalar"):
            d.range(3).filter(lambda i: i)
        with pytest.raises(tf.errors.DTypeError, match="must return a bool scalar"):
            d.range(3).filter(lambda i: tf.fill([2], True))
        with pytest.raises(tf.errors.ShapeError, match="not compatible with the shape"):
            d.from_tensor_slices(np.zeros((3, 4), np.float32)).padded_batch(2, [2])
        with pytest.raises(tf.errors.DTypeError, match="incompatible dataset elements"):
            d.from_tensor_slices(np.zeros((3, 2), np.float32)).concatenate(d.range(3))
        with pytest.raises(tf.GraphError, match="index < num_shards"):
            d.range(5).shard(2, 2)
        with pytest.raises(tf.GraphError, match="must return a Dataset"):
            d.range(3).flat_map(lambda i: i)
        it = tf.data.Iterator.from_structure(tf.float32, [None, 2])
        with pytest.raises(tf.GraphError, match="does not fit"):
            it.make_initializer(d.from_tensor_slices(np.zeros((3, 3), np.float32)))
        with pytest.raises(tf.GraphError, match="do not match"):
            it.make_initializer(d.from_tensor_slices(np.zeros((3, 2), np.int32)))
        with pytest.raises(tf.errors.DTypeError, match=r"tf\.string tensor"):
            tf.data.Iterator.from_string_handle(p, tf.float32)
        with pytest.raises(tf.GraphError, match="output_types and output_shapes"):
            d.from_generator(lambda: iter([]), (tf.int32, tf.int32), [[]])


def test_concatenate_shapes_and_namespaces() -> None:
    d = tf.data.Dataset
    a = d.from_tensor_slices(np.zeros((3, 2), np.float32))
    b = d.from_tensor_slices(np.zeros((3, 4), np.float32))
    assert a.concatenate(b).output_shapes.as_list() == [None]  # TF1's most specific common shape
    assert len(list(a.concatenate(b))) == 6
    assert tf.contrib.data.Dataset is tf.data.Dataset
    assert tf.data.make_one_shot_iterator(a).output_shapes.as_list() == [2]
    assert tf.data.get_output_types(a).name == "float32"
    got = list(d.range(10).apply(tf.data.experimental.shuffle_and_repeat(4, count=2, seed=1)))
    assert sorted(int(e) for e in got) == sorted(list(range(10)) * 2)


@pytest.mark.parametrize("backend", BACKENDS)
def test_python_lists_and_scalars_take_tf1_dtypes_and_train_a_float32_model(backend: str) -> None:
    d = tf.data.Dataset
    assert d.from_tensor_slices(([1, 2], [0.5, 1.5])).output_types == (tf.int32, tf.float32)
    assert d.from_tensor_slices({"a": [1, 2], "b": [[1.0], [2.0]]}).output_types == {
        "a": tf.int32,
        "b": tf.float32,
    }
    assert d.from_tensors(3).output_types == tf.int32 and d.from_tensors(2**40).output_types == tf.int64
    assert d.from_tensors([1.5, 2.0]).output_types == tf.float32
    assert d.from_tensor_slices(np.zeros(3)).output_types == tf.float64  # NumPy keeps its own dtype
    assert d.from_tensor_slices(np.arange(3)).output_types == tf.int64
    g = tf.Graph()
    with g.as_default():
        xs = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]  # Python lists, as in TF1 tutorials
        it = d.from_tensor_slices((xs, [0, 1, 1, 0])).repeat().batch(4).make_one_shot_iterator()
        x, y = it.get_next()
        w = tf.Variable(tf.zeros([2, 2]))
        loss = tf.losses.sparse_softmax_cross_entropy(y, tf.matmul(x, w))
        train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
        init = tf.global_variables_initializer()
    with tf.Session(graph=g, backend=backend) as sess:
        sess.run(init)
        first = sess.run([loss, train])[0]
        for _ in range(5):
            last = sess.run([loss, train])[0]
    assert np.isclose(first, np.log(2.0)) and last < first


@pytest.mark.parametrize("backend", BACKENDS)
def test_batch_buffer_and_padding_given_as_tensors_fed_to_the_initializer(backend: str) -> None:
    g = tf.Graph()
    with g.as_default():
        size = tf.placeholder(tf.int64, [])
        fill = tf.placeholder(tf.int32, [])
        it = tf.data.Dataset.range(5).shuffle(size).batch(size).make_initializable_iterator()
        nxt = it.get_next()
        seqs = tf.data.Dataset.range(1, 4).map(lambda i: tf.fill([i], tf.cast(i, tf.int32)))
        pit = seqs.padded_batch(size, [None], padding_values=fill).make_initializable_iterator()
        pnxt = pit.get_next()
        static = tf.data.Dataset.range(5).batch(tf.constant(2, tf.int64), drop_remainder=True)
        padded = seqs.padded_batch(2, [3], padding_values=tf.constant(-1), drop_remainder=True)
        assert static.output_shapes.as_list() == [2] and padded.output_shapes.as_list() == [2, 3]
        assert tf.data.Dataset.range(5).batch(size, drop_remainder=True).output_shapes.as_list() == [None]
        with pytest.raises(tf.errors.DTypeError, match="batch_size must be an integer scalar"):
            tf.data.Dataset.range(5).batch(tf.constant(2.0))
        with pytest.raises(tf.errors.DTypeError, match="padding value of type float32"):
            seqs.padded_batch(2, [3], padding_values=tf.constant(0.0))
    with tf.Session(graph=g, backend=backend) as sess:
        for n in (2, 3):
            sess.run(it.initializer, {size: n})
            got = drain(sess, nxt)
            assert [len(b) for b in got] == {2: [2, 2, 1], 3: [3, 2]}[n]
            assert sorted(np.concatenate(got).tolist()) == [0, 1, 2, 3, 4]
        sess.run(pit.initializer, {size: 2, fill: 9})
        assert [b.tolist() for b in drain(sess, pnxt)] == [[[1, 9], [2, 2]], [[3, 3, 3]]]
        sess.run(it.initializer, {size: 0})
        with pytest.raises(tf.errors.InvalidArgumentError, match="batch_size must be positive, got 0"):
            sess.run(nxt)


def test_shapes_of_a_structure_are_read_up_to_its_types() -> None:
    types = (tf.int64, tf.float32)
    gen = tf.data.Dataset.from_generator(lambda: iter([([1, 2], 0.5)]), types, (None, None))
    assert [s.dims for s in gen.output_shapes] == [None, None]
    assert [e.tolist() for e in next(iter(gen))] == [[1, 2], 0.5]
    it = tf.data.Iterator.from_structure(types, (None, [None]))
    assert [s.dims for s in it.output_shapes] == [None, (None,)]
    assert tf.data.Iterator.from_structure(tf.float32, [None, 3]).output_shapes.as_list() == [None, 3]
    g = tf.Graph()
    with g.as_default():
        bad = tf.data.Dataset.from_generator(lambda: iter([1]), tf.int32).apply(
            tf.data.experimental.unbatch()
        )
        nxt = bad.make_one_shot_iterator().get_next()
    with pytest.raises(tf.errors.InvalidArgumentError, match="unbatch: every component needs"):
        tf.Session(graph=g, backend="interpreter").run(nxt)
