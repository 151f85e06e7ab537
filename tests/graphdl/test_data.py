"""tf.data on the host: datasets' elements, iterators fed by the Session, OutOfRangeError, map."""

from __future__ import annotations

import numpy as np
import pytest

import graphdl as tf

BACKENDS = ["xla", "interpreter"]


def elements(ds) -> list:
    return [
        tuple(np.asarray(x).tolist() for x in e) if isinstance(e, tuple) else np.asarray(e).tolist()
        for e in ds
    ]


def test_slices_batch_repeat_take_skip() -> None:
    xs = np.arange(10).reshape(5, 2)
    ys = np.array([10, 11, 12, 13, 14])
    ds = tf.data.Dataset.from_tensor_slices((xs, ys))
    assert elements(ds)[1] == ([2, 3], 11)
    batched = elements(ds.batch(2))
    assert [b[1] for b in batched] == [[10, 11], [12, 13], [14]]
    assert [b[1] for b in elements(ds.batch(2, drop_remainder=True))] == [[10, 11], [12, 13]]
    assert [e[1] for e in elements(ds.repeat(2))] == [10, 11, 12, 13, 14] * 2
    assert [e[1] for e in elements(ds.skip(1).take(2))] == [11, 12]
    assert elements(tf.data.Dataset.range(2, 8, 3)) == [2, 5]
    assert [e[1] for e in elements(ds.repeat().take(7))] == [10, 11, 12, 13, 14, 10, 11]
    assert ds.batch(2).output_shapes[0].as_list() == [None, 2]
    assert ds.batch(2, drop_remainder=True).output_shapes[0].as_list() == [2, 2]
    assert [t.name for t in ds.output_types] == ["int64", "int64"]


def test_shuffle_is_a_permutation_seeded_and_reshuffled() -> None:
    ds = tf.data.Dataset.range(20).shuffle(5, seed=3)
    first, second = elements(ds), elements(ds)
    assert sorted(first) == list(range(20)) and first != list(range(20))
    assert first != second  # reshuffled for the next pass ...
    again = tf.data.Dataset.range(20).shuffle(5, seed=3)
    assert elements(again) == first and elements(again) == second  # ... the same way for the same seed
    # a buffer of 5 cannot move an element more than 4 places earlier
    assert all(v - i <= 4 for i, v in enumerate(first))


def test_map_builds_graph_ops_per_element() -> None:
    ds = tf.data.Dataset.from_tensor_slices(
        {"x": np.arange(6, dtype=np.float32).reshape(3, 2), "y": np.array([1, 2, 3])}
    )
    mapped = ds.map(lambda d: (tf.reduce_sum(d["x"]) * 2.0, tf.one_hot(d["y"], 4)))
    got = list(mapped)
    np.testing.assert_allclose([g[0] for g in got], [2.0, 10.0, 18.0])
    np.testing.assert_array_equal(got[2][1], [0, 0, 0, 1])
    assert [t.name for t in mapped.output_types] == ["float32", "float32"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_initializable_iterator_feeds_runs_and_restarts(backend: str) -> None:
    g = tf.Graph()
    with g.as_default():
        xs = np.arange(12, dtype=np.float32).reshape(6, 2)
        ds = tf.data.Dataset.from_tensor_slices((xs, np.arange(6))).batch(4)
        it = ds.make_initializable_iterator()
        x, idx = it.get_next()
        assert it.get_next()[0] is x  # the same tensors every call
        w = tf.Variable(0.0, name="w")
        step = tf.assign_add(w, tf.reduce_sum(x))
        unrelated = tf.placeholder(tf.float32, [None], name="unrelated")
    s = tf.Session(graph=g, backend=backend)
    s.run(w.initializer)
    with pytest.raises(tf.errors.FailedPreconditionError, match="has not been initialized"):
        s.run(step)
    s.run(it.initializer, {unrelated: [1.0]})  # feeding a tensor the run does not need is fine
    assert s.run(step) == xs[:4].sum()
    assert s.run(idx).tolist() == [4, 5]  # every run that needs get_next takes the next element
    with pytest.raises(tf.errors.OutOfRangeError, match="End of sequence"):
        s.run(step)
    assert s.run(w) == xs[:4].sum()  # the failed run changed nothing
    s.run(it.initializer)
    assert s.run(step) == 2 * xs[:4].sum()
    # a value fed by hand takes the place of the iterator's element
    assert s.run(x, {x: np.ones((1, 2), np.float32)}).tolist() == [[1.0, 1.0]]
    assert s.run(idx).tolist() == [4, 5]


@pytest.mark.parametrize("backend", BACKENDS)
def test_one_shot_and_reinitializable_iterators_train_a_model(backend: str) -> None:
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((64, 3)).astype(np.float32)
    ys = (xs @ np.array([1.0, -2.0, 0.5], np.float32))[:, None]
    g = tf.Graph()
    with g.as_default():
        train = tf.data.Dataset.from_tensor_slices((xs, ys)).shuffle(64, seed=1).batch(16).repeat()
        test = tf.data.Dataset.from_tensor_slices((xs, ys)).batch(64)
        it = tf.data.Iterator.from_structure(train.output_types, train.output_shapes)
        use_train, use_test = it.make_initializer(train), it.make_initializer(test)
        x, y = it.get_next()
        pred = tf.layers.dense(x, 1, use_bias=False)
        loss = tf.reduce_mean(tf.square(pred - y))
        opt = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        one_shot = tf.data.Dataset.from_tensor_slices(xs).batch(64).make_one_shot_iterator().get_next()
        init = tf.global_variables_initializer()
    s = tf.Session(graph=g, backend=backend)
    s.run(init)
    s.run(use_test)
    before = s.run(loss)
    s.run(use_train)
    for _ in range(60):
        s.run(opt)
    s.run(use_test)
    after = s.run(loss)
    assert after < 0.01 * before
    np.testing.assert_array_equal(s.run(one_shot), xs)
    with pytest.raises(tf.errors.OutOfRangeError):
        s.run(one_shot)


def test_errors() -> None:
    g = tf.Graph()
    with g.as_default():
        p = tf.placeholder(tf.float32, [3])
        with pytest.raises(tf.GraphError, match="one-shot iterator cannot capture"):
            tf.data.Dataset.from_tensor_slices(p).make_one_shot_iterator()
        with pytest.raises(tf.errors.ShapeError, match="different first dimensions"):
            tf.data.Dataset.from_tensor_slices((np.zeros(3), np.zeros(4)))
        it = tf.data.Iterator.from_structure(tf.float32, [None])
        with pytest.raises(tf.GraphError, match="do not match"):
            it.make_initializer(tf.data.Dataset.from_tensor_slices(np.zeros((2, 2), np.int32)))
        with pytest.raises(tf.GraphError, match="make_initializer"):
            it.initializer  # noqa: B018
    assert tf.contrib.data.Dataset is tf.data.Dataset
