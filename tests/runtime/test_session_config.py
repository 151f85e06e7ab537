"""Session(config=ConfigProto(...)), device pins at run time, RunOptions tracing, make_callable."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

import graphdl as tf
from runtime.inspect import _executable

BACKENDS = ["xla", "interpreter"]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def pinned_graph(pin: str) -> tuple[tf.Graph, tf.Tensor, tf.Tensor, tf.Variable]:
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None], name="x")
        v = tf.Variable(np.float32(1.0), name="v")
        free = tf.multiply(x, 3.0, name="free")
        with tf.device(pin):
            pinned = tf.add(x, v, name="pinned")
        return g, free, pinned, v


# --- messages ---------------------------------------------------------------------------------------


def test_config_proto_fields_and_nesting() -> None:
    c = tf.ConfigProto(allow_soft_placement=True, gpu_options={"allow_growth": True})
    assert c.allow_soft_placement and c.gpu_options.allow_growth and not c.log_device_placement
    c.gpu_options.per_process_gpu_memory_fraction = 0.4
    c.graph_options.optimizer_options.opt_level = tf.OptimizerOptions.L0
    assert c.intra_op_parallelism_threads == 0 and c.device_count == {}
    assert tf.ConfigProto(allow_soft_placement=True) == tf.ConfigProto(allow_soft_placement=True)
    assert tf.ConfigProto() != c
    with pytest.raises(AttributeError, match='has no "allow_softplacement" field'):
        c.allow_softplacement = True
    with pytest.raises(AttributeError, match='has no "bogus" field'):
        tf.ConfigProto(bogus=1)
    with pytest.raises(TypeError, match="must be a GPUOptions"):
        c.gpu_options = 3
    assert tf.ConfigProto().device_count is not tf.ConfigProto().device_count  # no shared defaults


def test_config_must_be_a_config_proto() -> None:
    with pytest.raises(tf.GraphError, match="ConfigProto"):
        tf.Session(graph=tf.Graph(), config={"allow_soft_placement": True})


# --- placement ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("pin", ["/device:GPU:99", "/device:FPGA:0", "/job:localhost/device:TPU:7"])
def test_pin_to_a_missing_device_is_an_error_naming_the_op(backend: str, pin: str) -> None:
    g, free, pinned, v = pinned_graph(pin)
    with tf.Session(graph=g, backend=backend) as s:
        s.run(v.initializer)
        with pytest.raises(tf.PlacementError) as info:
            s.run(pinned, {"x:0": [1.0]})
        msg = str(info.value)
        assert "'pinned'" in msg and "test_session_config.py" in msg and "allow_soft_placement" in msg
        assert "/job:localhost/replica:0/task:0/device:CPU:0" in msg  # the devices there are
        # nothing half changed: the session still runs what does not need the pinned op
        np.testing.assert_allclose(s.run(free, {"x:0": [2.0]}), [6.0])
        assert s.run(v) == 1.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_soft_placement_runs_the_pinned_op(backend: str) -> None:
    g, _, pinned, v = pinned_graph("/device:GPU:99")
    config = tf.ConfigProto(allow_soft_placement=True)
    with tf.Session(graph=g, backend=backend, config=config) as s:
        s.run(v.initializer)
        np.testing.assert_allclose(s.run(pinned, {"x:0": [1.0, 2.0]}), [2.0, 3.0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_pin_to_the_cpu_needs_no_soft_placement(backend: str) -> None:
    g, _, pinned, v = pinned_graph("/cpu:0")
    with tf.Session(graph=g, backend=backend) as s:
        s.run(v.initializer)
        np.testing.assert_allclose(s.run(pinned, {"x:0": [4.0]}), [5.0])


def test_log_device_placement_once_per_prepared_run(capsys: pytest.CaptureFixture[str]) -> None:
    g, free, _, _ = pinned_graph("/cpu:0")
    with tf.Session(graph=g, config=tf.ConfigProto(log_device_placement=True)) as s:
        s.run(free, {"x:0": [1.0]})
        err = capsys.readouterr().err.splitlines()
        assert "free: (Mul): /job:localhost/replica:0/task:0/device:CPU:0" in err
        assert len(err) >= 2  # the multiply and its constant; the fed placeholder does not run
        assert all(
            re.fullmatch(r"\S+: \(\w+\): /job:localhost/replica:0/task:0/device:CPU:0", ln) for ln in err
        )
        assert not any(line.startswith("pinned") for line in err)  # not part of this run
        s.run(free, {"x:0": [2.0]})
        assert capsys.readouterr().err == ""  # the same prepared run: nothing new to log


def test_device_count_gpu_zero_means_cpu() -> None:
    s = tf.Session(graph=tf.Graph(), config=tf.ConfigProto(device_count={"GPU": 0}))
    assert s.backend.device.platform == "cpu"


def test_opt_level_l0_turns_the_passes_off() -> None:
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [2], name="x")
        y = (x * 1.0 + 0.0) * tf.constant(2.0)
    config = tf.ConfigProto()
    config.graph_options.optimizer_options.opt_level = tf.OptimizerOptions.L0
    plain = tf.Session(graph=g, config=config)
    tuned = tf.Session(graph=g)
    feed = {x: np.array([1.0, 2.0], np.float32)}
    np.testing.assert_allclose(plain.run(y, feed), tuned.run(y, feed))
    assert [name for name, *_ in _executable(plain, y, feed)[0].plan.log] == ["plan"]
    assert len(_executable(tuned, y, feed)[0].plan.log) > 1


def test_gpu_options_set_jax_memory_variables_before_jax_starts() -> None:
    code = (
        "import os, graphdl as tf\n"
        "c = tf.ConfigProto(); c.gpu_options.allow_growth = True\n"
        "c.gpu_options.per_process_gpu_memory_fraction = 0.5\n"
        "tf.Session(graph=tf.Graph(), config=c)\n"
        "print(os.environ['XLA_PYTHON_CLIENT_PREALLOCATE'], os.environ['XLA_PYTHON_CLIENT_MEM_FRACTION'])\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("XLA_PYTHON_CLIENT_")}
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["false", "0.5"]


def test_gpu_options_warn_once_jax_is_running(monkeypatch: pytest.MonkeyPatch) -> None:
    tf.Session(graph=tf.Graph())  # JAX's backends are running from here on
    monkeypatch.delenv("XLA_PYTHON_CLIENT_PREALLOCATE", raising=False)
    config = tf.ConfigProto(gpu_options=tf.GPUOptions(allow_growth=True))
    with pytest.warns(UserWarning, match="cannot take effect") as record:
        tf.Session(graph=tf.Graph(), config=config)
    assert record[0].filename == __file__  # points at the user's line
    monkeypatch.setenv("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tf.Session(graph=tf.Graph(), config=config)  # already in effect: nothing to warn about


# --- RunOptions / RunMetadata ----------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_full_trace_records_the_run(backend: str) -> None:
    g, free, _, _ = pinned_graph("/cpu:0")
    s = tf.Session(graph=g, backend=backend)
    meta = tf.RunMetadata()
    opts = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    np.testing.assert_allclose(s.run(free, {"x:0": [1.0]}, options=opts, run_metadata=meta), [3.0])
    (dev,) = meta.step_stats.dev_stats
    assert dev.device == "/job:localhost/replica:0/task:0/device:CPU:0"
    (node,) = dev.node_stats
    assert node.all_start_micros <= node.all_end_micros
    quiet = tf.RunMetadata()
    s.run(free, {"x:0": [1.0]}, options=tf.RunOptions(), run_metadata=quiet)
    assert quiet.step_stats.dev_stats == []
    with pytest.raises(tf.GraphError, match="RunOptions"):
        s.run(free, {"x:0": [1.0]}, options={"trace_level": 3})


# --- make_callable, list_devices ----------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_make_callable(backend: str) -> None:
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None], name="x")
        y = tf.placeholder(tf.float32, [None], name="y")
        v = tf.Variable(np.float32(0.0), name="v")
        total = tf.reduce_sum(x * y)
        bump = tf.assign_add(v, total)
    s = tf.Session(graph=g, backend=backend)
    s.run(v.initializer)
    f = s.make_callable({"t": total, "pair": (x, y)}, [x, "y:0"])
    out = f(np.array([1.0, 2.0], np.float32), [3.0, 4.0])
    assert out["t"] == 11.0 and out["pair"][1].tolist() == [3.0, 4.0]
    assert s.make_callable(bump.op, [x, y])([1.0], [2.0]) is None
    assert s.run(v) == 2.0
    with pytest.raises(tf.FeedError, match=r"takes 2 feed value\(s\) \(x:0, y:0\), got 1"):
        f([1.0])
    with pytest.raises(tf.FeedError, match="no keyword arguments"):
        f([1.0], [1.0], options=tf.RunOptions())
    traced = s.make_callable(total, [x, y], accept_options=True)
    meta = tf.RunMetadata()
    assert traced([1.0], [5.0], options=tf.RunOptions(trace_level=3), run_metadata=meta) == 5.0
    assert len(meta.step_stats.dev_stats) == 1
    assert s.make_callable(total, [x, y])([1.0, 1.0], [1.0, 2.0]) == 3.0


def test_make_callable_checks_fetches_and_feeds_up_front() -> None:
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None], name="x")
        v = tf.Variable(1.0, name="v")
    s = tf.Session(graph=g)
    with pytest.raises(tf.GraphError):
        s.make_callable("nope:0", [x])
    with pytest.raises(tf.FeedError, match="more than once"):
        s.make_callable(x, [x, "x:0"])
    with pytest.raises(tf.FeedError, match="list or tuple"):
        s.make_callable(x, x)
    with pytest.raises(tf.FeedError, match="cannot feed variable"):
        s.make_callable(x, [v.value()])


def test_list_devices() -> None:
    devices = tf.Session(graph=tf.Graph()).list_devices()
    cpu = [d for d in devices if d.device_type == "CPU"]
    assert cpu and cpu[0].name == "/job:localhost/replica:0/task:0/device:CPU:0"
