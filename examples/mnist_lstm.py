"""MNIST with an LSTM: each image is read as 28 rows of 28 pixels by tf.nn.static_rnn over a BasicLSTMCell.

The last output of the 128-unit LSTM goes through a dense softmax head; softmax cross-entropy, Adam.
Defaults: 3 epochs, batch 128, learning rate 0.005 halved after each epoch; reaches about 0.98 on the 10,000 test images in a
few minutes on 2 CPU cores (XLA backend). `--render DIR` draws the unrolled graph with each time
step's cell collapsed into one box.

    python examples/mnist_lstm.py [--backend xla|interpreter] [--epochs N] [--limit N] [--render DIR]
"""

from __future__ import annotations

from common import Model, parser, run, script_build

import graphdl as tf

STEPS = 28  # rows, read one per time step
PIXELS = 28  # pixels per row
UNITS = 128
# drawings: fold each time step's cell (rnn/basic_lstm_cell_k, gradients/rnn/basic_lstm_cell_k) into one box
COLLAPSE = {"forward": 1, "gradient": 2}


def build_model(seed: int = 0, units: int = UNITS) -> Model:
    """The graph: the images as 28 row-inputs, the unrolled LSTM, a dense head, loss and Adam."""
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(seed)
        x = tf.placeholder(tf.float32, shape=[None, STEPS * PIXELS], name="x")
        y = tf.placeholder(tf.float32, shape=[None, 10], name="y")
        rows = tf.unstack(tf.reshape(x, [-1, STEPS, PIXELS]), STEPS, axis=1)
        cell = tf.nn.rnn_cell.BasicLSTMCell(units)
        outputs, _ = tf.nn.static_rnn(cell, rows, dtype=tf.float32)
        logits = tf.layers.dense(outputs[-1], 10, name="softmax")
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits), name="loss")
        lr = tf.placeholder(tf.float32, shape=[], name="learning_rate")
        train_op = tf.train.AdamOptimizer(lr).minimize(loss)
        correct = tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1))
        n_correct = tf.reduce_sum(tf.cast(correct, tf.float32), name="n_correct")
        init = tf.global_variables_initializer()
    return Model(graph, x, y, train_op, loss, n_correct, init, learning_rate=lr)


def build() -> dict:
    """The script convention of `graphdl render` / `graphdl compare`: graph, fetches, a feed of 8 images."""
    return script_build(build_model())


def main(argv: list[str] | None = None) -> float:
    """Train and test; returns the test accuracy."""
    args = parser(
        __doc__.splitlines()[0], epochs=3, batch_size=128, learning_rate=5e-3, lr_decay=0.5
    ).parse_args(argv)
    return run(build_model(args.seed), args, "mnist_lstm", collapse=COLLAPSE)


if __name__ == "__main__":
    main()
