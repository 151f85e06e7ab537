"""One SGD step of the course's MNIST CNN (93,322 parameters, batch 64, softmax cross-entropy, NumPy feeds).

conv 32 3x3 ReLU, max-pool 2, conv 64 3x3 ReLU, max-pool 2, conv 64 3x3 ReLU, flatten, dense 64 ReLU,
dense 10. Timed alternately in this process, from the same parameters and batch:
  jax.jit naive        hand-written step with lax.conv_general_dilated and reduce_window pooling
  jax.jit patches      hand-written step with patches-times-matrix conv and reshape-max pooling
  graphdl xla          Session.run([train_op, loss], feed_dict), graph built with tf.layers
                       target on CPU: <= 0.5x jax.jit naive
TensorFlow 1 (tf.compat.v1 Session.run of the same graph) cannot share a process with JAX here; give
`--tf1-python PATH` (a Python with tensorflow installed) to time it in a subprocess with the same
parameters and batch, or run `PATH bench/cnn_step.py --tf1-only` yourself.

    python bench/cnn_step.py [--rounds 10] [--number 5] [--tf1-python /tmp/tfvenv/bin/python]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

BATCH = 64
LR = 0.01
# (name, shape) in the order tf.layers creates them
PARAMS = [
    ("conv2d/kernel", (3, 3, 1, 32)), ("conv2d/bias", (32,)),
    ("conv2d_1/kernel", (3, 3, 32, 64)), ("conv2d_1/bias", (64,)),
    ("conv2d_2/kernel", (3, 3, 64, 64)), ("conv2d_2/bias", (64,)),
    ("dense/kernel", (576, 64)), ("dense/bias", (64,)),
    ("dense_1/kernel", (64, 10)), ("dense_1/bias", (10,)),
]  # fmt: skip


def init_params(seed: int = 0) -> dict[str, np.ndarray]:
    """Glorot-uniform kernels, small random biases (so a wrong bias path shows in the losses)."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, shape in PARAMS:
        if len(shape) > 1:
            fan_in = int(np.prod(shape[:-1]))
            fan_out = shape[-1] * (int(np.prod(shape[:-2])) if len(shape) == 4 else 1)
            lim = np.sqrt(6.0 / (fan_in + fan_out))
            out[name] = rng.uniform(-lim, lim, shape).astype(np.float32)
        else:
            out[name] = rng.uniform(-0.05, 0.05, shape).astype(np.float32)
    return out


def batch(seed: int = 1, n: int = BATCH) -> tuple[np.ndarray, np.ndarray]:
    """Random images in [0, 1] shaped [n, 784] and one-hot labels."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, 784), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
    return x, y


# --- graphdl ------------------------------------------------------------------------------------------


def build_graphdl(params: dict[str, np.ndarray]) -> dict[str, Any]:
    """The CNN with tf.layers in a new graph; returns the graph, feeds, train op, loss and variables."""
    import graphdl as tf

    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 784], name="x")
        y = tf.placeholder(tf.float32, [None, 10], name="y")
        h = tf.reshape(x, [-1, 28, 28, 1])
        h = tf.layers.conv2d(h, 32, 3, activation=tf.nn.relu)
        h = tf.layers.max_pooling2d(h, 2, 2)
        h = tf.layers.conv2d(h, 64, 3, activation=tf.nn.relu)
        h = tf.layers.max_pooling2d(h, 2, 2)
        h = tf.layers.conv2d(h, 64, 3, activation=tf.nn.relu)
        h = tf.layers.flatten(h)
        h = tf.layers.dense(h, 64, activation=tf.nn.relu)
        logits = tf.layers.dense(h, 10)
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
        train = tf.train.GradientDescentOptimizer(LR).minimize(loss)
        init = tf.global_variables_initializer()
        variables = {v.op.name: v for v in tf.global_variables()}
    assert list(variables) == [n for n, _ in PARAMS], list(variables)
    return {"graph": g, "x": x, "y": y, "loss": loss, "train": train, "init": init, "vars": variables}


# --- hand-written jax ---------------------------------------------------------------------------------


def _loss_fn(conv: Any, pool: Any) -> Any:
    from graphdl._jax import jax, jnp

    def loss(p: dict[str, Any], x: Any, y: Any) -> Any:
        h = x.reshape(-1, 28, 28, 1)
        h = pool(jax.nn.relu(conv(h, p["conv2d/kernel"]) + p["conv2d/bias"]))
        h = pool(jax.nn.relu(conv(h, p["conv2d_1/kernel"]) + p["conv2d_1/bias"]))
        h = jax.nn.relu(conv(h, p["conv2d_2/kernel"]) + p["conv2d_2/bias"])
        h = h.reshape(h.shape[0], -1)
        h = jax.nn.relu(h @ p["dense/kernel"] + p["dense/bias"])
        z = h @ p["dense_1/kernel"] + p["dense_1/bias"]
        return jnp.mean(-jnp.sum(y * jax.nn.log_softmax(z), axis=-1))

    return loss


def _conv_native(x: Any, w: Any) -> Any:
    from graphdl._jax import jax

    return jax.lax.conv_general_dilated(x, w, (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC"))


def _pool_reduce_window(x: Any) -> Any:
    from graphdl._jax import jax, jnp

    return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")


def _conv_patches(x: Any, w: Any) -> Any:
    from graphdl._jax import jnp

    kh, kw, c, f = w.shape
    n, hgt, wid, _ = x.shape
    oh, ow = hgt - kh + 1, wid - kw + 1
    cols = [x[:, i : i + oh, j : j + ow, :] for i in range(kh) for j in range(kw)]
    patches = jnp.concatenate(cols, axis=-1).reshape(n * oh * ow, kh * kw * c)
    return (patches @ w.reshape(kh * kw * c, f)).reshape(n, oh, ow, f)


def _pool_reshape_max(x: Any) -> Any:
    n, hgt, wid, c = x.shape
    x = x[:, : hgt // 2 * 2, : wid // 2 * 2, :]
    return x.reshape(n, hgt // 2, 2, wid // 2, 2, c).max(axis=(2, 4))


def make_jax_step(conv: Any, pool: Any) -> Any:
    """A jitted SGD step (params, x, y) -> (params, loss)."""
    from graphdl._jax import jax

    loss_fn = _loss_fn(conv, pool)
    lr = np.float32(LR)

    def step(p: dict[str, Any], x: Any, y: Any) -> Any:
        loss, g = jax.value_and_grad(loss_fn)(p, x, y)
        return {k: p[k] - lr * g[k] for k in p}, loss

    return jax.jit(step)


# --- TensorFlow 1 (run in a Python that has tensorflow; no graphdl, no jax) ---------------------------


def tf1_only(rounds: int, number: int) -> dict[str, Any]:
    """Time TF1 Session.run of the same CNN step; returns the first loss and per-step samples (seconds)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    params = init_params()
    xb, yb = batch()
    x = tf.placeholder(tf.float32, [None, 784])
    y = tf.placeholder(tf.float32, [None, 10])
    # tf.compat.v1.layers needs Keras 2; the same graph from tf.nn ops and Variables
    p = {n: tf.Variable(v, name=n.replace("/", "_")) for n, v in params.items()}

    def conv(h: Any, name: str) -> Any:
        z = tf.nn.conv2d(h, p[name + "/kernel"], strides=[1, 1, 1, 1], padding="VALID")
        return tf.nn.relu(tf.nn.bias_add(z, p[name + "/bias"]))

    def pool(h: Any) -> Any:
        return tf.nn.max_pool(h, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")

    h = pool(conv(tf.reshape(x, [-1, 28, 28, 1]), "conv2d"))
    h = pool(conv(h, "conv2d_1"))
    h = tf.reshape(conv(h, "conv2d_2"), [-1, 576])
    h = tf.nn.relu(tf.matmul(h, p["dense/kernel"]) + p["dense/bias"])
    logits = tf.matmul(h, p["dense_1/kernel"]) + p["dense_1/bias"]
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
    train = tf.train.GradientDescentOptimizer(LR).minimize(loss)
    sess = tf.Session(config=tf.ConfigProto(intra_op_parallelism_threads=0, inter_op_parallelism_threads=0))
    sess.run(tf.global_variables_initializer())
    first = float(sess.run([train, loss], {x: xb, y: yb})[1])
    for _ in range(3):
        sess.run([train, loss], {x: xb, y: yb})
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(number):
            sess.run([train, loss], {x: xb, y: yb})
        samples.append((time.perf_counter() - t0) / number)
    return {
        "first_loss": first,
        "samples": samples,
        "version": tf.__version__ if hasattr(tf, "__version__") else "?",
    }


def main() -> None:
    """Check the runners agree on the first step, time them alternately and print the ratios."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--number", type=int, default=5)
    ap.add_argument(
        "--tf1-python", default=None, help="a Python with tensorflow, to time TF1 in a subprocess"
    )
    ap.add_argument(
        "--tf1-only", action="store_true", help="(in a Python with tensorflow) time only TF1, print JSON"
    )
    args = ap.parse_args()
    if args.tf1_only:
        print(json.dumps(tf1_only(args.rounds, args.number)))
        return

    from _timing import alternate, machine, report

    import graphdl as gd

    params = init_params()
    xb, yb = batch()
    m = build_graphdl(params)
    sess = gd.Session(graph=m["graph"], backend="xla")
    sess.run(m["init"])
    for name, v in m["vars"].items():
        sess.load_variable(v, params[name])
    fetch = [m["train"], m["loss"]]
    feed = {m["x"]: xb, m["y"]: yb}

    steps = {
        "naive": make_jax_step(_conv_native, _pool_reduce_window),
        "patches": make_jax_step(_conv_patches, _pool_reshape_max),
    }
    state = {k: {n: v.copy() for n, v in params.items()} for k in steps}

    def jit_runner(kind: str) -> Any:
        def run() -> float:
            state[kind], loss = steps[kind](state[kind], xb, yb)
            return float(np.asarray(loss))

        return run

    run_naive, run_patches = jit_runner("naive"), jit_runner("patches")
    l_gd = float(sess.run(fetch, feed)[1])
    l_naive, l_patches = run_naive(), run_patches()
    print(machine())
    print(
        f"first-step loss: graphdl xla {l_gd:.6f}  jax.jit naive {l_naive:.6f}  jax.jit patches {l_patches:.6f}"
    )
    assert abs(l_gd - l_naive) < 1e-4 and abs(l_gd - l_patches) < 1e-4, "the runners disagree"

    runners = {
        "jax.jit naive (conv_general_dilated, reduce_window)": run_naive,
        "jax.jit patches (hand-written)": run_patches,
        "graphdl xla Session.run": lambda: sess.run(fetch, feed),
    }
    samples = alternate(runners, args.number, args.rounds)
    med = report(
        f"MNIST CNN SGD step, batch {BATCH}",
        samples,
        "jax.jit naive (conv_general_dilated, reduce_window)",
        unit="ms",
    )
    naive = med["jax.jit naive (conv_general_dilated, reduce_window)"]
    r = med["graphdl xla Session.run"] / naive
    r2 = med["graphdl xla Session.run"] / med["jax.jit patches (hand-written)"]

    tf1 = None
    if args.tf1_python:
        proc = subprocess.run([args.tf1_python, os.path.abspath(__file__), "--tf1-only", "--rounds", str(args.rounds),
                               "--number", str(args.number)], capture_output=True, text=True)  # fmt: skip
        if proc.returncode != 0:
            print(f"TF1 run failed:\n{proc.stderr[-2000:]}")
        else:
            tf1 = json.loads(proc.stdout.strip().splitlines()[-1])
            t = statistics.median(tf1["samples"])
            print(
                f"\nTensorFlow {tf1['version']} (tf.compat.v1 Session.run, separate process, timed after the above)"
            )
            print(
                f"  first-step loss {tf1['first_loss']:.6f}   median {t * 1e3:9.1f} ms   x{t / naive:.3f} vs naive jit"
            )
            assert abs(tf1["first_loss"] - l_gd) < 1e-4, "TF1 disagrees"
    print(f"\nRESULT cnn xla/naive-jit = {r:.3f} (target <= 0.5)")
    print(f"RESULT cnn xla/patches-jit = {r2:.3f}")
    if tf1 is not None:
        print(
            f"RESULT cnn xla/tf1 = {med['graphdl xla Session.run'] / statistics.median(tf1['samples']):.3f}"
        )


if __name__ == "__main__":
    main()
