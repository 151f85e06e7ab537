"""MNIST convolutional network of the course, with tf.layers: 93,322 parameters.

conv 32 3x3 ReLU, max-pool 2, conv 64 3x3 ReLU, max-pool 2, conv 64 3x3 ReLU, flatten,
dense 64 ReLU, dense 10; softmax cross-entropy, Adam. Defaults: 4 epochs, batch 64, learning rate
0.002 halved after each epoch (fed through a placeholder); reaches about 0.99 on the 10,000 test
images in a few minutes on 2 CPU cores (XLA backend, which lowers conv2d on CPU as patches times a
matrix).

    python examples/mnist_cnn.py [--backend xla|interpreter] [--epochs N] [--limit N] [--render DIR]
"""

from __future__ import annotations

from common import Model, parser, run, script_build

import graphdl as tf


def build_logits(images: tf.Tensor) -> tf.Tensor:
    """The course CNN on [batch, 28, 28, 1] images: logits [batch, 10]."""
    h = tf.layers.conv2d(images, 32, 3, activation=tf.nn.relu)
    h = tf.layers.max_pooling2d(h, 2, 2)
    h = tf.layers.conv2d(h, 64, 3, activation=tf.nn.relu)
    h = tf.layers.max_pooling2d(h, 2, 2)
    h = tf.layers.conv2d(h, 64, 3, activation=tf.nn.relu)
    h = tf.layers.flatten(h)
    h = tf.layers.dense(h, 64, activation=tf.nn.relu)
    return tf.layers.dense(h, 10)


def build_model(seed: int = 0) -> Model:
    """The graph: placeholders, the CNN, loss, Adam, and the count of correct answers."""
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(seed)
        x = tf.placeholder(tf.float32, shape=[None, 784], name="x")
        y = tf.placeholder(tf.float32, shape=[None, 10], name="y")
        logits = build_logits(tf.reshape(x, [-1, 28, 28, 1], name="images"))
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
        __doc__.splitlines()[0], epochs=4, batch_size=64, learning_rate=2e-3, lr_decay=0.5
    ).parse_args(argv)
    return run(build_model(args.seed), args, "mnist_cnn")


if __name__ == "__main__":
    main()
