"""Shared helpers of the MNIST examples: arguments, data, the tqdm training loop, evaluation, drawings."""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
if os.path.dirname(HERE) not in sys.path:  # `python examples/x.py` from a checkout without an install
    sys.path.insert(0, os.path.dirname(HERE))

import graphdl as tf  # noqa: E402
from graphdl.datasets.mnist import DataSet, Datasets, read_data_sets  # noqa: E402


def parser(
    description: str, epochs: int, batch_size: int, learning_rate: float, lr_decay: float = 1.0
) -> argparse.ArgumentParser:
    """The options every MNIST example takes, with that example's defaults."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument(
        "--backend", choices=["xla", "interpreter"], default="xla", help="Session backend (default: xla)"
    )
    p.add_argument(
        "--epochs", type=int, default=epochs, help=f"passes over the training images (default: {epochs})"
    )
    p.add_argument("--batch-size", type=int, default=batch_size, help=f"(default: {batch_size})")
    p.add_argument(
        "--lr", type=float, default=learning_rate, help=f"learning rate (default: {learning_rate})"
    )
    p.add_argument(
        "--lr-decay",
        type=float,
        default=lr_decay,
        help=f"learning rate factor per epoch (default: {lr_decay})",
    )
    p.add_argument("--limit", type=int, default=None, help="train on the first N training images only")
    p.add_argument("--test-limit", type=int, default=None, help="evaluate on the first N test images only")
    p.add_argument(
        "--render", metavar="DIR", default=None, help="draw the forward and gradient graphs into DIR"
    )
    p.add_argument("--seed", type=int, default=0, help="graph seed and data-shuffling seed (default: 0)")
    p.add_argument(
        "--data-dir", default=None, help="folder with the MNIST IDX files (default: $GRAPHDL_DATA_DIR/mnist)"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    return p


def load_mnist(args: argparse.Namespace) -> Datasets:
    """MNIST (one-hot labels) with the training set cut to `--limit` images and the test set to `--test-limit`."""
    data = read_data_sets(args.data_dir, one_hot=True, seed=args.seed)
    train, test = data.train, data.test
    if args.limit is not None:
        train = DataSet(train.images[: args.limit], train.labels[: args.limit], seed=args.seed)
    if args.test_limit is not None:
        test = DataSet(test.images[: args.test_limit], test.labels[: args.test_limit], seed=args.seed)
    return Datasets(train=train, validation=data.validation, test=test)


@dataclass
class Model:
    """What the training loop needs: inputs, the train op, the loss and the number of correct predictions."""

    graph: Any
    x: Any
    y: Any
    train_op: Any
    loss: Any
    n_correct: Any
    init: Any
    train_feed: Mapping[Any, Any] = field(default_factory=dict)
    eval_feed: Mapping[Any, Any] = field(default_factory=dict)
    reshape: Callable[[np.ndarray], np.ndarray] | None = None
    learning_rate: Any = None  # a float32 scalar placeholder, fed the scheduled rate each step


def script_build(model: Model, batch: int = 8) -> dict[str, Any]:
    """`build()` for `graphdl render`/`compare`: fetch the loss and the training step on a seeded random batch."""
    rng = np.random.default_rng(0)
    images = rng.random((batch, 784), dtype=np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch)]
    feed = {model.x: model.reshape(images) if model.reshape else images, model.y: labels}
    feed.update(model.train_feed)
    if model.learning_rate is not None:
        feed[model.learning_rate] = np.float32(1e-3)
    return {
        "graph": model.graph,
        "fetches": [model.loss, model.train_op],
        "feed_dict": feed,
        "init": model.init,
    }


def train(
    sess: Any,
    model: Model,
    data: DataSet,
    epochs: int,
    batch_size: int,
    progress: bool = True,
    lr: float | None = None,
    lr_decay: float = 1.0,
) -> float:
    """Run `epochs` passes of mini-batch training, a tqdm bar per epoch with the running loss and
    accuracy; the learning rate of epoch e (from 1) is lr * lr_decay**(e - 1). Returns the seconds spent."""
    from tqdm import tqdm

    steps = max(1, math.ceil(data.num_examples / batch_size))
    fetch = [model.train_op, model.loss, model.n_correct]
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        feed_extra = dict(model.train_feed)
        if model.learning_rate is not None:
            assert lr is not None
            feed_extra[model.learning_rate] = np.float32(lr * lr_decay ** (epoch - 1))
        total_loss = 0.0
        correct = 0.0
        seen = 0
        bar = tqdm(range(steps), desc=f"epoch {epoch}/{epochs}", unit="step", disable=not progress,
                   file=sys.stderr, dynamic_ncols=True, mininterval=0.5)  # fmt: skip
        for i in bar:
            xb, yb = data.next_batch(batch_size)
            if model.reshape is not None:
                xb = model.reshape(xb)
            _, loss, n_ok = sess.run(fetch, {model.x: xb, model.y: yb, **feed_extra})
            total_loss += float(loss)
            correct += float(n_ok)
            seen += len(yb)
            if i % 20 == 0 or i == steps - 1:
                bar.set_postfix(
                    loss=f"{total_loss / (i + 1):.4f}", acc=f"{correct / seen:.4f}", refresh=False
                )
        bar.close()
    return time.perf_counter() - start


def evaluate(sess: Any, model: Model, data: DataSet, batch_size: int = 1000) -> float:
    """The accuracy on all of `data`, in batches of `batch_size`."""
    correct = 0.0
    n = data.num_examples
    for lo in range(0, n, batch_size):
        xb, yb = data.images[lo : lo + batch_size], data.labels[lo : lo + batch_size]
        if model.reshape is not None:
            xb = model.reshape(xb)
        correct += float(sess.run(model.n_correct, {model.x: xb, model.y: yb, **model.eval_feed}))
    return correct / n


def render(directory: str, name: str, graph: Any, collapse: Any = None) -> list[str]:
    """Draw the forward and the gradient graph of `graph` as `<directory>/<name>_{forward,gradient}.svg`
    (`.dot` text when Graphviz's `dot` is not installed); `collapse` may be a dict per view."""
    import graphdl.viz as viz

    os.makedirs(directory, exist_ok=True)
    ext = "svg" if viz.dot_available() else "dot"
    paths = []
    for view in ("forward", "gradient"):
        path = os.path.join(directory, f"{name}_{view}.{ext}")
        fold = collapse.get(view) if isinstance(collapse, dict) else collapse
        paths.append(viz.render(path, graph, view=view, collapse=fold))
    for p in paths:
        print(f"drew {p}")
    return paths


def run(model: Model, args: argparse.Namespace, name: str, collapse: Any = None) -> float:
    """Train, evaluate on the test set and print the result; the last line is `test accuracy: 0.XXXX`."""
    data = load_mnist(args)
    if args.render:
        render(args.render, name, model.graph, collapse)
    with tf.Session(graph=model.graph, backend=args.backend) as sess:
        sess.run(model.init)
        seconds = train(
            sess,
            model,
            data.train,
            args.epochs,
            args.batch_size,
            not args.no_progress,
            args.lr,
            args.lr_decay,
        )
        t0 = time.perf_counter()
        acc = evaluate(sess, model, data.test)
        eval_s = time.perf_counter() - t0
    n_steps = args.epochs * max(1, math.ceil(data.train.num_examples / args.batch_size))
    print(
        f"backend {args.backend}: {args.epochs} epoch(s) on {data.train.num_examples} images, "
        f"{n_steps} steps in {seconds:.1f} s ({1e3 * seconds / n_steps:.1f} ms/step), "
        f"evaluation on {data.test.num_examples} images in {eval_s:.1f} s"
    )
    print(f"test accuracy: {acc:.4f}")
    return acc
