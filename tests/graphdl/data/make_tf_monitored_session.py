"""Regenerates tf_monitored_session.json with TensorFlow (not a test; graphdl's tests only read the JSON).

Run with TensorFlow installed in a separate environment (2.21.0 made the committed file):
    python tests/graphdl/data/make_tf_monitored_session.py  (writes tf_monitored_session.json beside it)

It records what TF1's MonitoredTrainingSession does with a small linear regression: the steps of
the summaries and checkpoints it writes, LoggingTensorHook's values, the weights after training,
a second session continuing from the checkpoint, and a tf.data input ending inside the `with`.
"""

# ruff: noqa
import json, os, re, tempfile, logging
import numpy as np
import tensorflow as tf
from tensorflow.python.summary.summary_iterator import summary_iterator

tf1 = tf.compat.v1
tf1.disable_eager_execution()
tf1.logging.set_verbosity(tf1.logging.INFO)
logged: list[str] = []


class Capture(logging.Handler):
    def emit(self, record):
        logged.append(record.getMessage())


logging.getLogger("tensorflow").addHandler(Capture())


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


out = {}
d = tempfile.mkdtemp()
gs, loss, train, w, b = build()
hooks = [tf1.train.StopAtStepHook(last_step=5), tf1.train.LoggingTensorHook({"loss": loss}, every_n_iter=2)]
with tf1.train.MonitoredTrainingSession(
    checkpoint_dir=d, hooks=hooks, save_summaries_steps=2, log_step_count_steps=2
) as sess:
    runs = 0
    while not sess.should_stop():
        sess.run(train)
        runs += 1
out["runs"] = runs
out["loss_log"] = [m for m in logged if m.startswith("loss = ")]
steps: dict[str, list[int]] = {}
for f in sorted(os.listdir(d)):
    if f.startswith("events"):
        for e in summary_iterator(os.path.join(d, f)):
            for v in e.summary.value:
                steps.setdefault(v.tag, []).append(int(e.step))
out["summary_steps"] = steps
state = tf1.train.get_checkpoint_state(d)
out["checkpoints"] = [int(p.rsplit("-", 1)[1]) for p in state.all_model_checkpoint_paths]
out["w5"] = tf1.train.load_variable(d, "w").tolist()
out["b5"] = tf1.train.load_variable(d, "b").tolist()

gs, loss, train, w, b = build()
with tf1.train.MonitoredTrainingSession(
    checkpoint_dir=d, hooks=[tf1.train.StopAtStepHook(num_steps=3)]
) as sess:
    out["restored_step"] = int(sess.run(gs))
    out["restored_w"] = sess.run(w).tolist()
    runs = 0
    while not sess.should_stop():
        sess.run(train)
        runs += 1
out["runs2"] = runs
out["checkpoints2"] = [
    int(p.rsplit("-", 1)[1]) for p in tf1.train.get_checkpoint_state(d).all_model_checkpoint_paths
]
out["w8"] = tf1.train.load_variable(d, "w").tolist()
out["b8"] = tf1.train.load_variable(d, "b").tolist()

tf1.reset_default_graph()
gs = tf1.train.get_or_create_global_step()
nxt = tf1.data.make_one_shot_iterator(tf1.data.Dataset.range(3).map(lambda v: v * 10)).get_next()
inc = tf1.assign_add(gs, 1)
with tf1.train.MonitoredSession() as sess:
    values = []
    while not sess.should_stop():
        values.append(int(sess.run([nxt, inc])[0]))
out["data_values"] = values
out["data_should_stop_after"] = sess.should_stop()

# timed hooks on a fake clock (the hooks' module reads time.time()); 25 s, then 10 s per run
from tensorflow.python.training import basic_session_run_hooks as hooks_module
import time as real_time


class FakeTime:
    now = 1000.0

    def __getattr__(self, name):
        return getattr(real_time, name)

    def time(self):
        return FakeTime.now


hooks_module.time = FakeTime()


class Listener(tf1.train.CheckpointSaverListener):
    def __init__(self):
        self.events = []

    def begin(self):
        self.events.append(["begin", -1])

    def before_save(self, session, step):
        self.events.append(["before_save", int(step)])

    def after_save(self, session, step):
        self.events.append(["after_save", int(step)])

    def end(self, session, step):
        self.events.append(["end", int(step)])


gs, loss, train, w, b = build()
d = tempfile.mkdtemp()
listener = Listener()
scaffold = tf1.train.Scaffold()
saver_hook = tf1.train.CheckpointSaverHook(d, save_secs=60, listeners=[listener], scaffold=scaffold)
with tf1.train.MonitoredSession(tf1.train.ChiefSessionCreator(scaffold), [saver_hook]) as sess:
    for _ in range(3):
        sess.run(train)
        FakeTime.now += 25.0
    sess.run(train)
    sess.run(train)
out["clock_checkpoints"] = [
    int(p.rsplit("-", 1)[1]) for p in tf1.train.get_checkpoint_state(d).all_model_checkpoint_paths
]
out["clock_listener"] = listener.events

gs, loss, train, w, b = build()
d = tempfile.mkdtemp()
writer = tf1.summary.FileWriter(d)
again = tf1.summary.scalar("loss_again", loss)
timed = [
    tf1.train.StepCounterHook(every_n_steps=2, summary_writer=writer),
    tf1.train.SummarySaverHook(save_secs=30, summary_writer=writer, summary_op=again),
]
with tf1.train.MonitoredSession(hooks=timed) as sess:
    for _ in range(6):
        sess.run(train)
        FakeTime.now += 10.0
writer.close()
clock_summaries: dict[str, list] = {}
for f in sorted(os.listdir(d)):
    for e in summary_iterator(os.path.join(d, f)):
        for v in e.summary.value:
            clock_summaries.setdefault(v.tag, []).append([int(e.step), float(v.simple_value)])
out["clock_summaries"] = clock_summaries

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_monitored_session.json"), "w") as f:
    json.dump(out, f, indent=1)
print(json.dumps(out))
