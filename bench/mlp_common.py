"""The MNIST MLP 784-30-10 (sigmoid, sigmoid cross-entropy, SGD) in graphdl, hand-written jax.jit
and hand-written NumPy, with the same initial parameters and the same batch."""

from __future__ import annotations

from typing import Any

import numpy as np

BATCH = 128
SIZES = (784, 30, 10)
LR = 0.5


def init_params(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "W1": (rng.standard_normal((784, 30)) * 0.1).astype(np.float32),
        "b1": np.zeros(30, np.float32),
        "W2": (rng.standard_normal((30, 10)) * 0.1).astype(np.float32),
        "b2": np.zeros(10, np.float32),
    }


def batch(seed: int = 1, n: int = BATCH) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((n, 784), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
    return x, y


def build_graphdl(params: dict[str, np.ndarray]) -> dict[str, Any]:
    """The TF1-style graph in a new Graph: placeholders, variables, loss, minimize (autodiff)."""
    import graphdl as tf

    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 784], name="x")
        y = tf.placeholder(tf.float32, [None, 10], name="y")
        W1 = tf.Variable(params["W1"], name="W1")
        b1 = tf.Variable(params["b1"], name="b1")
        W2 = tf.Variable(params["W2"], name="W2")
        b2 = tf.Variable(params["b2"], name="b2")
        h = tf.sigmoid(tf.matmul(x, W1) + b1)
        logits = tf.matmul(h, W2) + b2
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
        train = tf.train.GradientDescentOptimizer(LR).minimize(loss)
        init = tf.global_variables_initializer()
    return {"graph": g, "x": x, "y": y, "loss": loss, "train": train, "init": init, "vars": [W1, b1, W2, b2]}


def _loss_jax(p: dict[str, Any], x: Any, y: Any) -> Any:
    from graphdl._jax import jax, jnp

    h = jax.nn.sigmoid(x @ p["W1"] + p["b1"])
    z = h @ p["W2"] + p["b2"]
    return jnp.mean(jnp.maximum(z, 0) - z * y + jnp.log1p(jnp.exp(-jnp.abs(z))))


def make_jax_step(donate: bool = False) -> Any:
    """A hand-written `jax.jit` SGD step (float32 throughout): (params, x, y) -> (params, loss)."""
    from graphdl._jax import jax

    lr = np.float32(LR)

    def step(p: dict[str, Any], x: Any, y: Any) -> Any:
        loss, g = jax.value_and_grad(_loss_jax)(p, x, y)
        return {k: p[k] - lr * g[k] for k in p}, loss

    return jax.jit(step, donate_argnums=(0,) if donate else ())


def numpy_step(p: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
    """A hand-written NumPy SGD step, in place; returns the loss."""
    n = x.shape[0]
    h = 1.0 / (1.0 + np.exp(-(x @ p["W1"] + p["b1"])))
    z = h @ p["W2"] + p["b2"]
    loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    s = 1.0 / (1.0 + np.exp(-z))
    dz = (s - y) / np.float32(z.size)
    dW2 = h.T @ dz
    db2 = dz.sum(0)
    dh = dz @ p["W2"].T
    da = dh * h * (1 - h)
    dW1 = x.T @ da
    db1 = da.sum(0)
    lr = np.float32(LR)
    p["W1"] -= lr * dW1
    p["b1"] -= lr * db1
    p["W2"] -= lr * dW2
    p["b2"] -= lr * db2
    del n
    return float(loss)
