"""Regenerates tf_supervisor.json with TensorFlow (not a test; graphdl's tests only read the JSON).

Run with TensorFlow installed in a separate environment (2.21.0 made the committed file):
    python tests/graphdl/data/make_tf_supervisor.py  (writes tf_supervisor.json beside it)

It records what TF1's tf.train.Supervisor does with a small linear regression: the checkpoints a
managed_session writes (the checkpoint thread saves once at start; nothing is saved on exit), the
PTB tutorial's `sv.saver.save(session, path, global_step=sv.global_step)`, the session-log events,
a second Supervisor restoring from the same logdir, init_feed_dict and init_fn, a tf.data input
running out inside the `with` block, another exception leaving it, and logdir=None.
"""

# ruff: noqa
import json, os, tempfile, threading, time
import numpy as np
import tensorflow as tf
from tensorflow.python.summary.summary_iterator import summary_iterator

tf1 = tf.compat.v1
tf1.disable_eager_execution()


def build():
    tf1.reset_default_graph()
    gs = tf1.train.get_or_create_global_step()
    x = tf.constant(np.arange(8, dtype=np.float32).reshape(8, 1))
    y = 3 * x + 1
    w = tf1.Variable(tf.zeros([1, 1]), name="w")
    b = tf1.Variable(tf.zeros([1]), name="b")
    loss = tf1.reduce_mean(tf1.square(tf1.matmul(x, w) + b - y))
    tf1.summary.scalar("loss", loss)
    train = tf1.train.GradientDescentOptimizer(0.01).minimize(loss, global_step=gs)
    return gs, loss, train, w, b


def steps_of(d):
    state = tf1.train.get_checkpoint_state(d)
    return [int(p.rsplit("-", 1)[1]) for p in state.all_model_checkpoint_paths]


def events(d):
    """Scalar summaries (tag, step, value) and session logs (status, step), over all event files."""
    scalars, logs = [], []
    for f in sorted(os.listdir(d)):
        if f.startswith("events"):
            for e in summary_iterator(os.path.join(d, f)):
                for v in e.summary.value:
                    scalars.append([v.tag, int(e.step), float(v.simple_value)])
                if e.HasField("session_log"):
                    logs.append([int(e.session_log.status), int(e.step)])
    return scalars, logs


def wait_for_checkpoint_log(sv, d, count):
    """Wait until the checkpoint thread logged `count` saves (it reads the step after saving)."""
    deadline = time.time() + 30
    while [s for s, _ in (sv.summary_writer.flush() or events(d)[1])].count(3) < count:
        assert time.time() < deadline
        time.sleep(0.01)


out = {}
d = tempfile.mkdtemp()
gs, loss, train, w, b = build()
sv = tf1.train.Supervisor(logdir=d, save_summaries_secs=0)  # no summary threads: deterministic events
out["save_path_base"] = os.path.basename(sv.save_path)
with sv.managed_session() as sess:
    wait_for_checkpoint_log(sv, d, 1)
    out["initial_w"] = sess.run(w).tolist()
    for _ in range(5):
        sess.run(train)
    sv.summary_computed(sess, sess.run(sv.summary_op))
    out["ptb_save_return"] = os.path.basename(
        sv.saver.save(sess, os.path.join(d, "model.ckpt"), global_step=sv.global_step)
    )
    for _ in range(2):
        sess.run(train)  # steps 6, 7: no checkpoint on exit
    out["should_stop_inside"] = sv.should_stop()
out["should_stop_after"] = sv.should_stop()
out["checkpoints"] = steps_of(d)
out["w5"] = tf1.train.load_variable(d, "w").tolist()
out["b5"] = tf1.train.load_variable(d, "b").tolist()
out["files"] = sorted(
    f for f in os.listdir(d) if not f.startswith("events") and not f.startswith("model.ckpt")
)
scalars, logs = events(d)
out["scalars"] = scalars
out["session_logs"] = sorted(logs)

gs, loss, train, w, b = build()
sv = tf1.train.Supervisor(logdir=d, save_summaries_secs=0)
with sv.managed_session() as sess:
    wait_for_checkpoint_log(sv, d, 2)
    out["restored_step"] = int(sess.run(gs))
    out["restored_w"] = sess.run(w).tolist()
    for _ in range(3):
        sess.run(train)
    out["step_after_restore"] = int(sess.run(gs))
out["checkpoints2"] = steps_of(d)

# init_feed_dict and init_fn, logdir=None
tf1.reset_default_graph()
p = tf1.placeholder(tf.float32, [])
v = tf1.Variable(p * 2.0, name="v")
u = tf1.Variable(1.0, name="u")
set_u = u.assign(5.0)
calls = []
sv = tf1.train.Supervisor(init_feed_dict={p: 7.0}, init_fn=lambda s: calls.append(s.run(set_u)))
out["none_save_path"] = sv.save_path
out["none_writer"] = sv.summary_writer is None
with sv.managed_session() as sess:
    out["init_values"] = [float(sess.run(v)), float(sess.run(u))]
out["init_fn_calls"] = len(calls)

# a tf.data input running out inside the with block: a clean stop
tf1.reset_default_graph()
nxt = tf1.data.make_one_shot_iterator(tf1.data.Dataset.range(3).map(lambda i: i * 10)).get_next()
sv = tf1.train.Supervisor()
values = []
with sv.managed_session() as sess:
    while not sv.should_stop():
        values.append(int(sess.run(nxt)))
out["data_values"] = values
out["data_should_stop_after"] = sv.should_stop()

# another exception propagates
tf1.reset_default_graph()
tf1.Variable(1.0)
sv = tf1.train.Supervisor()
try:
    with sv.managed_session() as sess:
        raise ValueError("boom")
except ValueError as e:
    out["raised"] = ["ValueError", str(e)]
out["threads_after"] = sorted(t.name for t in threading.enumerate() if t is not threading.main_thread())

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_supervisor.json"), "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(json.dumps(out))
