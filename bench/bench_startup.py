"""Time to the first training step, broken down by stage, for three course-program shapes.

Every sample is a fresh Python process (nothing cached between samples); the programs take turns.
  mlp   the MNIST MLP 784-30-10 of bench/mlp_common.py (sigmoid, SGD), batch 128
  cnn   conv2d 32/64/64 3x3 + max_pool + dense 64 + dense 10 with tf.layers, Adam, batch 64
  lstm  tf.nn.static_rnn of a 128-unit BasicLSTMCell over 28 rows of 28 pixels, dense head, Adam, batch 128
Stages: import graphdl (and jax), start the XLA client, graph construction (forward), minimize
(autodiff + optimizer), then the first `Session.run` of the initializer and of the train step, each
split into plan (pruning + shape inference), passes, prepare (lowering set-up), lowering trace (the
op lowering rules running under jax's tracer), MLIR (jaxpr -> StableHLO), XLA compile, and the rest
(dispatch, execute, feeds, fetch conversion). It also counts the XLA programs compiled in the whole
process, by name. Medians over the samples.

    python bench/bench_startup.py [--rounds 5] [--programs mlp,cnn,lstm] [--tf1-python PATH]
    python bench/bench_startup.py --profile PROGRAM

`--tf1-python PATH` (a Python with tensorflow, e.g. /tmp/tfvenv/bin/python) also times the same
programs in TensorFlow 1 graph mode, alternating with graphdl, and prints the ratios.
`--profile PROGRAM` instead runs one fresh process under cProfile and prints the top functions
(cumulative) of everything after the imports.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

CHILD = r"""
import json, sys, time
T0 = time.perf_counter()
sys.path.insert(0, {here!r}); sys.path.insert(0, {root!r})
import numpy as np
import graphdl as tf
import compiler, compiler.passes, runtime.xla, runtime.session  # what the first Session imports
T_IMPORT = time.perf_counter() - T0
from graphdl._jax import jax
from jax import monitoring
t = time.perf_counter(); jax.devices(); T_CLIENT = time.perf_counter() - t

spans = {{"trace": [], "mlir": [], "compile": []}}
compiled = []
KIND = {{"/jax/core/compile/jaxpr_trace_duration": "trace",
        "/jax/core/compile/jaxpr_to_mlir_module_duration": "mlir",
        "/jax/core/compile/backend_compile_duration": "compile"}}
def listen(event, duration, **kw):
    k = KIND.get(event)
    if k is not None:
        end = time.perf_counter()
        spans[k].append((end - duration, end))
        if k == "compile":
            compiled.append(str(kw.get("fun_name", "?")))
monitoring.register_event_duration_secs_listener(listen)

def covered(kind, a, b):
    # seconds of [a, b] inside the union of the spans of this kind (nested jit traces count once)
    iv = sorted((max(s, a), min(e, b)) for s, e in spans[kind] if e > a and s < b)
    total, cur_s, cur_e = 0.0, None, None
    for s, e in iv:
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += cur_e - cur_s
    return total

acc = {{"plan": 0.0, "passes": 0.0, "prepare": 0.0}}
def timed(key, fn):
    def wrapper(*a, **k):
        t = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            acc[key] += time.perf_counter() - t
    wrapper.__name__ = getattr(fn, "__name__", "fn")
    return wrapper
compiler.plan = timed("plan", compiler.plan)
compiler.passes.DEFAULT_PASSES[:] = [timed("passes", p) for p in compiler.passes.DEFAULT_PASSES]
runtime.xla.XlaBackend.prepare = timed("prepare", runtime.xla.XlaBackend.prepare)

def first_run(sess, fetches, feed=None):
    for k in acc:
        acc[k] = 0.0
    n0 = len(compiled)
    a = time.perf_counter()
    sess.run(fetches, feed)
    b = time.perf_counter()
    out = {{k: covered(k, a, b) for k in spans}}
    out["plan"] = acc["plan"] - acc["passes"]
    out["passes"] = acc["passes"]
    out["prepare"] = acc["prepare"]
    out["total"] = b - a
    out["rest"] = out["total"] - sum(out[k] for k in ("plan", "passes", "prepare", "trace", "mlir", "compile"))
    out["programs"] = len(compiled) - n0
    return out

PROGRAM = {program!r}
rng = np.random.default_rng(1)

def forward():
    if PROGRAM == "mlp":
        from mlp_common import batch, init_params
        p = init_params()
        x = tf.placeholder(tf.float32, [None, 784], name="x")
        y = tf.placeholder(tf.float32, [None, 10], name="y")
        W1 = tf.Variable(p["W1"], name="W1"); b1 = tf.Variable(p["b1"], name="b1")
        W2 = tf.Variable(p["W2"], name="W2"); b2 = tf.Variable(p["b2"], name="b2")
        h = tf.sigmoid(tf.matmul(x, W1) + b1)
        logits = tf.matmul(h, W2) + b2
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
        return x, y, loss, tf.train.GradientDescentOptimizer(0.5), batch()
    n = 64 if PROGRAM == "cnn" else 128
    xb = rng.random((n, 784), dtype=np.float32)
    yb = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
    tf.set_random_seed(0)
    x = tf.placeholder(tf.float32, [None, 784], name="x")
    y = tf.placeholder(tf.float32, [None, 10], name="y")
    if PROGRAM == "cnn":
        h = tf.reshape(x, [-1, 28, 28, 1])
        h = tf.layers.conv2d(h, 32, 3, activation=tf.nn.relu)
        h = tf.layers.max_pooling2d(h, 2, 2)
        h = tf.layers.conv2d(h, 64, 3, activation=tf.nn.relu)
        h = tf.layers.max_pooling2d(h, 2, 2)
        h = tf.layers.conv2d(h, 64, 3, activation=tf.nn.relu)
        h = tf.layers.flatten(h)
        h = tf.layers.dense(h, 64, activation=tf.nn.relu)
        logits = tf.layers.dense(h, 10)
    else:
        rows = tf.unstack(tf.reshape(x, [-1, 28, 28]), 28, axis=1)
        cell = tf.nn.rnn_cell.BasicLSTMCell(128)
        outputs, _ = tf.nn.static_rnn(cell, rows, dtype=tf.float32)
        logits = tf.layers.dense(outputs[-1], 10, name="softmax")
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
    return x, y, loss, tf.train.AdamOptimizer(0.005), (xb, yb)

def main():
    res = {{"import": T_IMPORT, "client": T_CLIENT}}
    g = tf.Graph()
    with g.as_default():
        t = time.perf_counter()
        x, y, loss, opt, (xb, yb) = forward()
        res["forward"] = time.perf_counter() - t
        t = time.perf_counter()
        train = opt.minimize(loss)
        res["minimize"] = time.perf_counter() - t
        t = time.perf_counter()
        init = tf.global_variables_initializer()
        sess = tf.Session(graph=g)
        res["session"] = time.perf_counter() - t
        res["nodes"] = len(g.get_operations())
    res["init_run"] = first_run(sess, init)
    res["step_run"] = first_run(sess, [train, loss], {{x: xb, y: yb}})
    res["programs"] = compiled
    return res

if {profile!r}:
    import cProfile, pstats
    pr = cProfile.Profile(); pr.enable(); main(); pr.disable()
    pstats.Stats(pr).sort_stats("cumulative").print_stats(60)
    pstats.Stats(pr).sort_stats("tottime").print_stats(40)
else:
    print("JSON" + json.dumps(main()))
"""

# The same three programs in TensorFlow 1 graph mode (tf.compat.v1, no XLA), for `--tf1-python`.
# Keras 3 builds of TF2 lack tf.layers and BasicLSTMCell: the layers and the LSTM cell are written
# out with tf.nn (the same shapes, ops and optimizers). Its first line sets PROGRAM.
TF1_CHILD = r"""
import json, time
T0 = time.perf_counter()
import numpy as np
import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
res = {"import": time.perf_counter() - T0}
rng = np.random.default_rng(1)
n = {"mlp": 128, "cnn": 64, "lstm": 128}[PROGRAM]
xb = rng.random((n, 784), dtype=np.float32)
yb = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
gl = tf.glorot_uniform_initializer()
xent = tf.nn.softmax_cross_entropy_with_logits_v2
t = time.perf_counter()
x = tf.placeholder(tf.float32, [None, 784])
y = tf.placeholder(tf.float32, [None, 10])

def dense(h, nin, nout):
    return tf.matmul(h, tf.Variable(gl([nin, nout]))) + tf.Variable(tf.zeros([nout]))

if PROGRAM == "mlp":
    logits = dense(tf.sigmoid(dense(x, 784, 30)), 30, 10)
    loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
    opt = tf.train.GradientDescentOptimizer(0.5)
elif PROGRAM == "cnn":
    def conv(h, cin, cout):
        k = tf.Variable(gl([3, 3, cin, cout]))
        return tf.nn.relu(tf.nn.conv2d(h, k, [1, 1, 1, 1], "VALID") + tf.Variable(tf.zeros([cout])))

    def pool(h):
        return tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")

    h = pool(conv(tf.reshape(x, [-1, 28, 28, 1]), 1, 32))
    h = conv(pool(conv(h, 32, 64)), 64, 64)
    logits = dense(tf.nn.relu(dense(tf.reshape(h, [-1, 576]), 576, 64)), 64, 10)
    loss = tf.reduce_mean(xent(labels=y, logits=logits))
    opt = tf.train.AdamOptimizer(0.005)
else:
    rows = tf.unstack(tf.reshape(x, [-1, 28, 28]), 28, axis=1)
    W = tf.Variable(gl([156, 512]))
    b = tf.Variable(tf.zeros([512]))
    h = c = tf.zeros([tf.shape(x)[0], 128])
    for r in rows:
        i, j, f, o = tf.split(tf.matmul(tf.concat([r, h], 1), W) + b, 4, 1)
        c = c * tf.sigmoid(f + 1.0) + tf.sigmoid(i) * tf.tanh(j)
        h = tf.tanh(c) * tf.sigmoid(o)
    logits = dense(h, 128, 10)
    loss = tf.reduce_mean(xent(labels=y, logits=logits))
    opt = tf.train.AdamOptimizer(0.005)
res["forward"] = time.perf_counter() - t
t = time.perf_counter()
train = opt.minimize(loss)
res["minimize"] = time.perf_counter() - t
t = time.perf_counter()
init = tf.global_variables_initializer()
sess = tf.Session()
sess.run(init)
res["session_init"] = time.perf_counter() - t
t = time.perf_counter()
sess.run([train, loss], {x: xb, y: yb})
res["step"] = time.perf_counter() - t
print("JSON" + json.dumps(res))
"""

STAGES = ("plan", "passes", "prepare", "trace", "mlir", "compile", "rest", "total")


def sample(program: str, profile: bool = False) -> dict:
    """One fresh graphdl process: its breakdown (or, with `profile`, its cProfile printout)."""
    code = CHILD.format(here=HERE, root=ROOT, program=program, profile=profile)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if res.returncode:
        raise SystemExit(f"{program}: child failed\n{res.stderr[-4000:]}")
    if profile:
        print(res.stdout)
        return {}
    line = [ln for ln in res.stdout.splitlines() if ln.startswith("JSON")][-1]
    return json.loads(line[4:])  # type: ignore[no-any-return]


def sample_tf1(python: str, program: str) -> dict:
    """One fresh TensorFlow 1 process (another Python: TF cannot share a process with JAX here)."""
    code = f"PROGRAM = {program!r}\n" + TF1_CHILD
    res = subprocess.run([python, "-c", code], capture_output=True, text=True)
    if res.returncode:
        raise SystemExit(f"{program}: the TF1 child failed\n{res.stderr[-4000:]}")
    line = [ln for ln in res.stdout.splitlines() if ln.startswith("JSON")][-1]
    return json.loads(line[4:])  # type: ignore[no-any-return]


def _build(r: dict) -> float:
    return r["forward"] + r["minimize"] + r["session"]  # type: ignore[no-any-return]


def _runs(r: dict, stages: tuple[str, ...]) -> float:
    return sum(r[k][s] for k in ("init_run", "step_run") for s in stages)


def report(program: str, rows: list[dict], tf1: list[dict] | None = None) -> dict[str, float]:
    """Print the medians of one program's samples; return the summary lines as numbers (seconds)."""
    med = lambda f: statistics.median(f(r) for r in rows)  # noqa: E731
    ms = lambda v: f"{v * 1e3:8.1f}"  # noqa: E731
    print(f"\n{program}: {rows[0]['nodes']} graph nodes, median of {len(rows)} fresh processes (ms)")
    print(f"  import graphdl + jax        {ms(med(lambda r: r['import']))}")
    print(f"  start the XLA client        {ms(med(lambda r: r['client']))}")
    print(f"  graph construction          {ms(med(lambda r: r['forward']))}")
    print(f"  minimize (autodiff, opt)    {ms(med(lambda r: r['minimize']))}")
    print(f"  initializer op + Session    {ms(med(lambda r: r['session']))}")
    print(f"  {'first run of':26s}" + "".join(f"{s:>9s}" for s in STAGES) + "  programs")
    for key, label in (("init_run", "  initializer"), ("step_run", "  train step")):
        cells = "".join(f"{ms(med(lambda r, s=s: r[key][s])):>9s}" for s in STAGES)
        progs = med(lambda r: r[key]["programs"])
        print(f"  {label:26s}{cells}  {progs:8.0f}")
    summary = {
        "graphdl": med(lambda r: _build(r) + _runs(r, ("plan", "passes", "prepare", "trace"))),
        "xla_compile": med(lambda r: _runs(r, ("mlir", "compile"))),
        "rest": med(lambda r: _runs(r, ("rest",))),
        "after_import": med(lambda r: _build(r) + _runs(r, ("total",))),
        "total": med(lambda r: r["import"] + r["client"] + _build(r) + _runs(r, ("total",))),
    }
    print(f"  graphdl's Python (build, plan, passes, prepare, lowering trace)  {ms(summary['graphdl'])}")
    print(f"  jax MLIR + XLA compile                                           {ms(summary['xla_compile'])}")
    print(f"  rest (dispatch, first execution, fetch conversion)               {ms(summary['rest'])}")
    print(f"  graph construction to first step result                          {ms(summary['after_import'])}")
    print(f"  process start to first step result                              {ms(summary['total'])}")
    print(f"  XLA programs compiled in the process: {rows[0]['programs']}")
    if tf1:
        tmed = lambda k: statistics.median(r[k] for r in tf1)  # noqa: E731
        after = statistics.median(r["forward"] + r["minimize"] + r["session_init"] + r["step"] for r in tf1)
        total = statistics.median(sum(r.values()) for r in tf1)
        print(f"  TF1 (median of {len(tf1)}): import {ms(tmed('import'))}, build {ms(tmed('forward'))}, "
              f"minimize {ms(tmed('minimize'))}, Session + init {ms(tmed('session_init'))}, "
              f"first step {ms(tmed('step'))}")  # fmt: skip
        print(f"  TF1 graph construction to first step result {ms(after)}   graphdl/TF1 "
              f"x{summary['after_import'] / after:.2f};  process start: TF1 {ms(total)}, "
              f"graphdl/TF1 x{summary['total'] / total:.2f}")  # fmt: skip
    print("JSON " + json.dumps({"program": program, **summary}))
    return summary


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--programs", default="mlp,cnn,lstm")
    ap.add_argument("--profile", default=None, help="one program to run under cProfile instead")
    ap.add_argument("--tf1-python", default=None, help="a Python with tensorflow, to time TF1 alike")
    args = ap.parse_args()
    if args.profile:
        sample(args.profile, profile=True)
        return
    sys.path.insert(0, HERE)
    from _timing import machine

    programs = args.programs.split(",")
    rows: dict[str, list[dict]] = {p: [] for p in programs}
    tf1: dict[str, list[dict]] = {p: [] for p in programs}
    for _ in range(args.rounds):  # the programs (and TF1) take turns
        for p in programs:
            rows[p].append(sample(p))
            if args.tf1_python:
                tf1[p].append(sample_tf1(args.tf1_python, p))
    print(machine())
    for p in programs:
        report(p, rows[p], tf1[p] or None)


if __name__ == "__main__":
    main()
