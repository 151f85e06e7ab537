"""Regenerates tf_seq2seq.json with TensorFlow (not a test; graphdl's tests only read the JSON).

Run with TensorFlow installed in a separate environment (2.21.0 made the committed file):
    python tests/graphdl/data/make_tf_seq2seq.py  (writes tf_seq2seq.json beside itself)
TF 2.21 has no tf.contrib, so the char-rnn model is built here with tf.compat.v1's RNN cells and
TF 1.15's rnn_decoder loop (variable_scope(scope) ... reuse_variables() after step 0, loop_function
under variable_scope("loop_function", reuse=True)), followed by sequence_loss_by_example's formula.
The weights are fixed arrays (stored), so graphdl can load them and compare variable names,
logits, the final state and the loss, with and without the greedy loop function.
"""

# ruff: noqa
import json, os
import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_eager_execution()
from tensorflow.python.keras.layers.legacy_rnn import rnn_cell_impl as rci  # TF1 cells without Keras 3

rng = np.random.default_rng(7)
B, T, V, H, L = 2, 4, 5, 6, 2
x_ids = rng.integers(0, V, (B, T)).astype(np.int32)
y_ids = rng.integers(0, V, (B, T)).astype(np.int32)


def rnn_decoder(decoder_inputs, initial_state, cell, loop_function=None, scope=None):
    with tf1.variable_scope(scope or "rnn_decoder"):
        state, outputs, prev = initial_state, [], None
        for i, inp in enumerate(decoder_inputs):
            if loop_function is not None and prev is not None:
                with tf1.variable_scope("loop_function", reuse=True):
                    inp = loop_function(prev, i)
            if i > 0:
                tf1.get_variable_scope().reuse_variables()
            output, state = cell(inp, state)
            outputs.append(output)
            if loop_function is not None:
                prev = output
    return outputs, state


def build(infer):
    g = tf1.Graph()
    with g.as_default():
        cell = rci.MultiRNNCell([rci.BasicLSTMCell(H) for _ in range(L)])
        input_data = tf1.constant(x_ids)
        targets = tf1.constant(y_ids)
        initial_state = cell.zero_state(B, tf.float32)
        with tf1.variable_scope("rnnlm"):
            softmax_w = tf1.get_variable("softmax_w", [H, V])
            softmax_b = tf1.get_variable("softmax_b", [V])
        embedding = tf1.get_variable("embedding", [V, H])
        inputs = tf.split(tf1.nn.embedding_lookup(embedding, input_data), T, 1)
        inputs = [tf.squeeze(i, [1]) for i in inputs]

        def loop(prev, _):
            prev = tf.matmul(prev, softmax_w) + softmax_b
            prev_symbol = tf.stop_gradient(tf.argmax(prev, 1))
            return tf1.nn.embedding_lookup(embedding, prev_symbol)

        outputs, last_state = rnn_decoder(inputs, initial_state, cell, loop if infer else None, scope="rnnlm")
        output = tf.reshape(tf.concat(outputs, 1), [-1, H])
        logits = tf.matmul(output, softmax_w) + softmax_b
        # sequence_loss_by_example([logits], [reshape(targets, [-1])], [ones]) (TF 1.15's formula)
        w = tf.ones([B * T])
        crossent = (
            tf1.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.reshape(targets, [-1]), logits=logits)
            * w
        )
        loss = crossent / (w + 1e-12)
        cost = tf.reduce_sum(loss) / B / T
        variables = tf1.global_variables()
        values = {
            v.op.name: rng.standard_normal(v.shape.as_list()).astype(np.float32) * 0.5 for v in variables
        }
        with tf1.Session() as sess:
            for v in variables:
                v.load(values[v.op.name], sess)
            out = sess.run({"logits": logits, "cost": cost, "loss": loss, "state": nest_flat(last_state)})
    return {
        "variables": {k: v.tolist() for k, v in values.items()},
        "names": [v.op.name for v in variables],
        "logits": out["logits"].tolist(),
        "loss": out["loss"].tolist(),
        "cost": float(out["cost"]),
        "state": [s.tolist() for s in out["state"]],
    }


def nest_flat(s):
    return tf.nest.flatten(s)


ref = {
    "tf_version": tf.__version__,
    "B": B,
    "T": T,
    "V": V,
    "H": H,
    "L": L,
    "x": x_ids.tolist(),
    "y": y_ids.tolist(),
    "train": build(False),
    "infer": build(True),
}
here = os.path.dirname(os.path.abspath(__file__))
json.dump(ref, open(os.path.join(here, "tf_seq2seq.json"), "w"))
print("ok", tf.__version__, ref["train"]["names"], ref["train"]["cost"], ref["infer"]["cost"])
