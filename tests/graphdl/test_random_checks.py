"""random_shuffle, random_crop, multinomial; tf.Assert, the assert_* family, check_numerics, tuple, identity_n."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import graphdl as tf
from graphdl.errors import DTypeError, InvalidArgumentError, ShapeError

BACKENDS = ("interpreter", "xla")
TF1 = json.loads((Path(__file__).parent / "data" / "tf_checks.json").read_text())


def run_both(fetches: Any, feed: Any = None, runs: int = 1) -> list[list[Any]]:
    """Per backend, `runs` results of the same graph in a fresh session."""
    out = []
    for b in BACKENDS:
        with tf.Session(backend=b) as s:
            out.append([s.run(fetches, feed) for _ in range(runs)])
    return out


# --- random ops -------------------------------------------------------------------------------


def test_random_shuffle_is_a_bit_identical_permutation() -> None:
    tf.reset_default_graph()
    tf.set_random_seed(7)
    x = tf.constant(np.arange(40, dtype=np.float32).reshape(20, 2))
    y = tf.random_shuffle(x, seed=3)
    interp, xla = run_both(y, runs=3)
    for a, b in zip(interp, xla, strict=True):
        np.testing.assert_array_equal(a, b)
        assert sorted(a[:, 0].tolist()) == list(range(0, 40, 2))  # rows permuted, kept whole
        np.testing.assert_array_equal(a[:, 1], a[:, 0] + 1)
    assert not np.array_equal(interp[0], interp[1])  # a new draw each run
    assert not np.array_equal(interp[0], np.arange(40).reshape(20, 2))


def test_random_shuffle_uniform_over_positions() -> None:
    tf.reset_default_graph()
    tf.set_random_seed(1)
    y = tf.random_shuffle(tf.range(4))
    counts = np.zeros((4, 4))
    with tf.Session(backend="xla") as s:
        for _ in range(800):
            p = s.run(y)
            counts[np.arange(4), p] += 1
    # each value lands in each slot with probability 1/4: 200 +- 5 sd (sd ~ 12.2)
    assert np.all(np.abs(counts - 200) < 62), counts


def test_random_crop_bounds_and_backends() -> None:
    tf.reset_default_graph()
    tf.set_random_seed(11)
    img = np.arange(6 * 7 * 3, dtype=np.float32).reshape(6, 7, 3)
    c = tf.random_crop(tf.constant(img), [3, 4, 3], seed=2)
    assert c.shape.as_list() == [3, 4, 3]
    interp, xla = run_both(c, runs=20)
    offsets = set()
    for a, b in zip(interp, xla, strict=True):
        np.testing.assert_array_equal(a, b)
        i, j = np.argwhere(img[:, :, 0] == a[0, 0, 0])[0]
        assert 0 <= i <= 3 and 0 <= j <= 3
        np.testing.assert_array_equal(a, img[i : i + 3, j : j + 4])
        offsets.add((i, j))
    assert len(offsets) > 5  # 16 possible offsets


def test_random_crop_too_big_is_a_build_error() -> None:
    tf.reset_default_graph()
    with pytest.raises(ShapeError, match=r"Need value\.shape >= size"):
        tf.random_crop(tf.zeros([3, 4]), [4, 4])


def test_multinomial_frequencies_match_softmax() -> None:
    tf.reset_default_graph()
    tf.set_random_seed(5)
    logits = np.log(np.array([[0.1, 0.2, 0.7, 0.0], [0.25, 0.25, 0.25, 0.25]]) + 1e-300)
    logits[0, 3] = -np.inf
    n = 4000
    m = tf.multinomial(tf.constant(logits, tf.float32), n, seed=1)
    assert m.dtype == tf.int64 and m.shape.as_list() == [2, n]
    interp, xla = run_both(m, runs=2)
    np.testing.assert_array_equal(interp[0], xla[0])
    np.testing.assert_array_equal(interp[1], xla[1])
    assert not np.array_equal(interp[0], interp[1])
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    for row in range(2):
        freq = np.bincount(interp[0][row], minlength=4) / n
        tol = 5 * np.sqrt(probs[row] * (1 - probs[row]) / n) + 1e-12
        assert np.all(np.abs(freq - probs[row]) <= tol), (freq, probs[row])
    assert not np.any(interp[0][0] == 3)  # probability 0 is never drawn


def test_multinomial_int32_and_bad_logits() -> None:
    tf.reset_default_graph()
    m = tf.multinomial(tf.zeros([3, 2]), 5, seed=1, output_dtype=tf.int32)
    assert m.dtype == tf.int32
    interp, xla = run_both(m)
    np.testing.assert_array_equal(interp[0], xla[0])
    assert set(np.unique(interp[0])) <= {0, 1}
    with pytest.raises(ShapeError, match="logits should be a matrix"):
        tf.multinomial(tf.zeros([3]), 2)


def test_random_crop_gradient_flows_at_the_crop_offset() -> None:
    # TF1's random_crop is a slice at a random offset, so gradients reach value (zero outside the crop),
    # also with a value of unknown size as an image pipeline feeds it
    tf.reset_default_graph()
    tf.set_random_seed(3)
    img = np.random.default_rng(0).standard_normal((5, 4, 3)).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, None, 3])
    c = tf.random_crop(x, [2, 2, 3])
    g = tf.gradients(tf.reduce_sum(c * c), x)[0]
    assert g is not None
    interp, xla = run_both([c, g], {x: img}, runs=4)
    corners = set()
    for (ci, gi), (cx, gx) in zip(interp, xla, strict=True):
        np.testing.assert_array_equal(ci, cx)
        np.testing.assert_array_equal(gi, gx)
        inside = gi != 0
        i, j, _ = np.argwhere(inside)[0]
        assert inside.sum() == 12 and inside[i : i + 2, j : j + 2].all()
        np.testing.assert_array_equal(ci, img[i : i + 2, j : j + 2])  # the crop of this same run
        np.testing.assert_allclose(gi[inside], 2 * img[inside], rtol=1e-6)
        corners.add((i, j))
    assert len(corners) > 1  # a new offset each run, followed by the gradient


def test_multinomial_num_samples_int64_and_no_classes_on_both_backends() -> None:
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, None])
    m = tf.multinomial(x, tf.constant(3, tf.int64), seed=1)
    assert m.shape.as_list() == [None, 3]
    with pytest.raises(DTypeError, match=r"multinomial.*num_samples must be an integer"):
        tf.multinomial(x, tf.constant(3.0))
    for b in BACKENDS:  # XLA returned zeros where the interpreter raised
        with tf.Session(backend=b) as s, pytest.raises(tf.errors.ExecutionError, match="at least one class"):
            s.run(m, {x: np.zeros((2, 0), np.float32)})


def test_same_seed_same_numbers_new_graph() -> None:
    res = []
    for _ in range(2):
        tf.reset_default_graph()
        tf.set_random_seed(3)
        res.append(run_both(tf.random_shuffle(tf.range(10)))[0][0])
    np.testing.assert_array_equal(res[0], res[1])


# --- checks: passing, failing with TF1's messages -------------------------------------------


def _fail_message(op: Any, feed: Any, backend: str) -> str:
    with tf.Session(backend=backend) as s, pytest.raises(InvalidArgumentError) as info:
        s.run(op, feed)
    return str(info.value)


CASES = [
    ("Assert", lambda x, y, i: tf.Assert(tf.reduce_all(x > 0), [x, "hello", y])),
    ("Assert_summarize", lambda x, y, i: tf.Assert(tf.reduce_all(x > 0), [x], summarize=10)),
    ("assert_equal", lambda x, y, i: tf.assert_equal(x, y)),
    ("assert_equal_message", lambda x, y, i: tf.assert_equal(x, y, message="msg!")),
    ("assert_none_equal", lambda x, y, i: tf.assert_none_equal(x, y)),
    ("assert_less", lambda x, y, i: tf.assert_less(x, y)),
    ("assert_less_equal", lambda x, y, i: tf.assert_less_equal(x, y)),
    ("assert_greater", lambda x, y, i: tf.assert_greater(x, y)),
    ("assert_greater_equal", lambda x, y, i: tf.assert_greater_equal(x, y)),
    ("assert_positive", lambda x, y, i: tf.assert_positive(x)),
    ("assert_negative", lambda x, y, i: tf.assert_negative(x)),
    ("assert_non_negative", lambda x, y, i: tf.assert_non_negative(x)),
    ("assert_non_positive", lambda x, y, i: tf.assert_non_positive(x)),
    ("assert_rank", lambda x, y, i: tf.assert_rank(i, 2)),
    ("assert_rank_message", lambda x, y, i: tf.assert_rank(i, 2, message="mm")),
    ("check_numerics", lambda x, y, i: tf.check_numerics(x, "bad x")),
    ("verify_tensor_all_finite", lambda x, y, i: tf.verify_tensor_all_finite(x, "bad v")),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("key", "build"), CASES, ids=[c[0] for c in CASES])
def test_check_fails_with_tf1_message(key: str, build: Any, backend: str) -> None:
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None], name="x")
    y = tf.placeholder(tf.float32, [None], name="y")
    i = tf.placeholder(tf.int32, None, name="i")
    op = build(x, y, i)
    bad_x = [1.0, np.nan, -np.inf] if "numerics" in key or "finite" in key else TF1["x"]
    msg = _fail_message(op, {x: bad_x, y: TF1["y"], i: np.zeros(4, np.int32)}, backend)
    assert msg.endswith(": " + TF1["messages"][key]), msg
    assert "test_random_checks.py" in msg  # the user's line


GOOD = {
    "Assert": ([1.0, 2.0, 3.0], [0.0, 0.0, 0.0]),
    "assert_equal": ([1.0, 2.0], [1.0, 2.0]),
    "assert_none_equal": ([1.0, 2.0], [2.0, 1.0]),
    "assert_less": ([1.0, 2.0], [2.0, 3.0]),
    "assert_less_equal": ([1.0, 2.0], [1.0, 3.0]),
    "assert_greater": ([3.0, 4.0], [2.0, 3.0]),
    "assert_greater_equal": ([3.0, 4.0], [3.0, 3.0]),
    "assert_positive": ([1.0, 2.0], [0.0, 0.0]),
    "assert_negative": ([-1.0, -2.0], [0.0, 0.0]),
    "assert_non_negative": ([0.0, 2.0], [0.0, 0.0]),
    "assert_non_positive": ([0.0, -2.0], [0.0, 0.0]),
    "check_numerics": ([1.0, 2.0], [0.0, 0.0]),
    "verify_tensor_all_finite": ([1.0, 2.0], [0.0, 0.0]),
}


@pytest.mark.parametrize("key", sorted(GOOD))
def test_check_passes_and_gates_the_result(key: str) -> None:
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None], name="x")
    y = tf.placeholder(tf.float32, [None], name="y")
    op = dict(CASES)[key](x, y, None)
    with tf.control_dependencies([op]):
        out = tf.identity(x * 2.0)
    xv, yv = GOOD[key]
    interp, xla = run_both(out, {x: xv, y: yv})
    np.testing.assert_array_equal(interp[0], np.array(xv, np.float32) * 2)
    np.testing.assert_array_equal(xla[0], interp[0])
    # the same graph fails when the data break the check (the op is never pruned or folded)
    bad = {x: [np.nan, -1.0], y: [5.0, 5.0]} if key != "assert_negative" else {x: [1.0, 1.0], y: [5.0, 5.0]}
    if key in ("assert_non_positive", "assert_none_equal"):
        bad = {x: [1.0, 5.0], y: [5.0, 5.0]}
    for b in BACKENDS:
        with tf.Session(backend=b) as s, pytest.raises(InvalidArgumentError):
            s.run(out, bad)


@pytest.mark.parametrize("backend", BACKENDS)
def test_failed_check_leaves_variables_unchanged(backend: str) -> None:
    tf.reset_default_graph()
    v = tf.Variable([1.0, 2.0], name="v")
    w = tf.Variable(5.0, name="w")
    x = tf.placeholder(tf.float32, [2], name="x")
    check = tf.assert_positive(x)
    with tf.control_dependencies([check]):
        train = tf.group(tf.assign_add(v, x), tf.assign(w, w * 2.0))
    with tf.Session(backend=backend) as s:
        s.run(tf.global_variables_initializer())
        s.run(train, {x: [1.0, 1.0]})
        for _ in range(2):
            with pytest.raises(InvalidArgumentError, match=r"Condition x > 0 did not hold"):
                s.run(train, {x: [1.0, -1.0]})
            np.testing.assert_array_equal(s.run(v), [2.0, 3.0])
            assert s.run(w) == 10.0
        s.run(train, {x: [0.5, 0.5]})  # the session still works after a failure
        np.testing.assert_array_equal(s.run(v), [2.5, 3.5])
        assert s.run(w) == 20.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_check_numerics_in_gradient(backend: str) -> None:
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [2], name="x")
    y = tf.check_numerics(x, "sqrt")
    (g,) = tf.gradients(tf.reduce_sum(tf.sqrt(y)), [x])
    with tf.Session(backend=backend) as s:
        np.testing.assert_allclose(s.run(g, {x: [1.0, 4.0]}), [0.5, 0.25])
        with pytest.raises(
            InvalidArgumentError, match=r"detected in gradient\. sqrt : Tensor had Inf values"
        ):
            s.run(g, {x: [0.0, 4.0]})


def test_static_checks_raise_at_build_time() -> None:
    tf.reset_default_graph()
    with pytest.raises(
        ShapeError, match=r"Tensor zeros:0 must have rank 1.  Received rank 2, shape \(2, 3\)"
    ):
        tf.assert_rank(tf.zeros([2, 3], name="zeros"), 1)
    with pytest.raises(ShapeError, match=r"hey.  Tensor"):
        tf.assert_rank(tf.zeros([2, 3]), 1, message="hey")
    assert tf.assert_rank(tf.zeros([2, 3]), 2).type == "NoOp"
    with pytest.raises(InvalidArgumentError, match=r"Condition x == y did not hold element-wise:\nx \(Const"):
        tf.assert_equal(tf.constant([1, 2]), tf.constant([1, 3]))
    with pytest.raises(InvalidArgumentError, match=r"\nCondition x > 0 did not hold element-wise:\nx "):
        tf.assert_positive(tf.constant([1, -2]))
    with pytest.raises(DTypeError, match=r"z:0 must be of type tf.int32; got tf.float32"):
        tf.assert_type(tf.zeros([2], name="z"), tf.int32)
    assert tf.assert_type(tf.zeros([2], tf.int32), tf.int32).type == "NoOp"
    with pytest.raises(DTypeError, match=r"Expected \"x\" to be integer type.  Found: z_\d:0 of dtype"):
        tf.assert_integer(tf.zeros([2], name="z"))
    with pytest.raises(ShapeError, match=r"Expected scalar shape for z_\d:0, saw shape: \(2,\)."):
        tf.assert_scalar(tf.zeros([2], name="z"))
    s = tf.constant(3.0)
    assert tf.assert_scalar(s) is s
    with pytest.raises(DTypeError, match="condition must be bool"):
        tf.Assert(tf.constant(1.0), ["x"])


def test_assert_prints_nested_and_bool_data() -> None:
    tf.reset_default_graph()
    p = tf.placeholder(tf.bool, [], name="p")
    op = tf.Assert(p, [tf.reshape(tf.range(12), [2, 2, 3]), tf.constant(True), tf.constant(1.5, tf.float64)])
    for b in BACKENDS:
        with tf.Session(backend=b) as s:
            assert s.run(op, {p: True}) is None
            with pytest.raises(InvalidArgumentError) as info:
                s.run(op, {p: False})
        assert str(info.value).endswith("assertion failed: [[[0 1 2]]...] [1] [1.5]")  # TF1's text


def test_tuple_and_identity_n() -> None:
    tf.reset_default_graph()
    v = tf.Variable(1.0)
    a = tf.constant([1.0, 2.0])
    inc = tf.assign_add(v, 1.0)
    t = tf.tuple([a, None, a * 3.0], control_inputs=[inc])
    assert t[1] is None and t[0].op.type == "Identity"
    ys = tf.identity_n([a, tf.constant(3, tf.int32)])
    assert [y.dtype for y in ys] == [tf.float32, tf.int32]
    (g,) = tf.gradients(tf.reduce_sum(ys[0] * 2.0), [a])
    for b in BACKENDS:
        with tf.Session(backend=b) as s:
            s.run(tf.global_variables_initializer())
            r0, r2 = s.run([t[0], t[2]])
            np.testing.assert_array_equal(r0, [1.0, 2.0])
            np.testing.assert_array_equal(r2, [3.0, 6.0])
            assert s.run(v) == 2.0  # the control input ran
            y0, y1 = s.run(ys)
            np.testing.assert_array_equal(y0, [1.0, 2.0])
            assert y1 == 3
            np.testing.assert_array_equal(s.run(g), [2.0, 2.0])
