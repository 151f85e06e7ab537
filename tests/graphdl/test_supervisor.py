"""tf.train.Supervisor (managed_session, standard services, restore) and tf.train.SessionManager.

Outside truth: tests/graphdl/data/tf_supervisor.json, written by TF1 (TensorFlow 2.21's compat.v1)
with make_tf_supervisor.py beside it. Timed services run with intervals of 0.05 s and are polled
with a deadline; nothing sleeps for long.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import graphdl as tf
from graphdl.errors import FailedPreconditionError, GraphError
from tests.graphdl.event_files import read_events, regression

BACKENDS = ["interpreter", "xla"]
with open(os.path.join(os.path.dirname(__file__), "data", "tf_supervisor.json")) as _f:
    TF = json.load(_f)


def _steps(logdir: str) -> list[int]:
    state = tf.train.get_checkpoint_state(logdir)
    assert state is not None
    return [int(p.rsplit("-", 1)[1]) for p in state.all_model_checkpoint_paths]


def _wait_for(cond: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll `cond` every few milliseconds until it holds (a background thread's work)."""
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


def _threads() -> set[threading.Thread]:
    return set(threading.enumerate())


def _checkpoint_logged(sv: Any, logdir: str, count: int) -> bool:
    """Whether `count` checkpoint saves are logged in logdir (the checkpoint thread reads the step
    after saving: training waits for it, so that the steps are TF1's)."""
    sv.summary_writer.flush()
    return [status for status, _ in read_events(logdir)[1]].count(3) >= count


def _fixture_run(backend: str, logdir: str) -> dict[str, Any]:
    """The first half of make_tf_supervisor.py on graphdl: train 5 steps, save as PTB does, 2 more."""
    out: dict[str, Any] = {}
    before = _threads()
    g, t = regression()
    with g.as_default():
        sv = tf.train.Supervisor(logdir=logdir, save_summaries_secs=0, backend=backend)
    out["save_path_base"] = os.path.basename(sv.save_path)
    config_proto = tf.ConfigProto(allow_soft_placement=True)  # as TensorFlow's PTB tutorial does
    with sv.managed_session(config=config_proto) as sess:
        _wait_for(lambda: _checkpoint_logged(sv, logdir, 1), "the checkpoint thread's first save")
        out["initial_w"] = sess.run(t["w"]).tolist()
        for _ in range(5):
            sess.run(t["train"])
        sv.summary_computed(sess, sess.run(sv.summary_op))
        path = sv.saver.save(sess, os.path.join(logdir, "model.ckpt"), global_step=sv.global_step)
        out["ptb_save_return"] = os.path.basename(path)
        for _ in range(2):
            sess.run(t["train"])
        out["should_stop_inside"] = sv.should_stop()
    out["should_stop_after"] = sv.should_stop()
    assert not _threads() - before
    out["checkpoints"] = _steps(logdir)
    out["w5"] = tf.train.load_variable(logdir, "w").tolist()
    out["b5"] = tf.train.load_variable(logdir, "b").tolist()
    scalars, logs, graphs = read_events(logdir)
    out["scalars"] = scalars
    out["session_logs"] = sorted(logs)
    out["graphs"] = graphs
    out["files"] = sorted(os.listdir(logdir))

    g, t = regression()
    with g.as_default():
        sv = tf.train.Supervisor(logdir=logdir, save_summaries_secs=0, backend=backend)
    with sv.managed_session() as sess:
        _wait_for(lambda: _checkpoint_logged(sv, logdir, 2), "the checkpoint thread's save at step 5")
        out["restored_step"] = int(sess.run(t["gs"]))
        out["restored_w"] = sess.run(t["w"]).tolist()
        for _ in range(3):
            sess.run(t["train"])
        out["step_after_restore"] = int(sess.run(t["gs"]))
    assert not _threads() - before
    out["checkpoints2"] = _steps(logdir)
    out["w_final"] = tf.train.load_variable(logdir, "w").tolist()
    return out


def test_training_checkpoints_and_restore_match_tf1(tmp_path: Any) -> None:
    runs = {be: _fixture_run(be, str(tmp_path / be)) for be in BACKENDS}
    for out in runs.values():
        for key in ("save_path_base", "ptb_save_return", "should_stop_inside", "should_stop_after"):
            assert out[key] == TF[key], key
        assert out["checkpoints"] == TF["checkpoints"] == [0, 5]  # no checkpoint on exit (step 7)
        assert out["restored_step"] == TF["restored_step"] == 5
        assert out["step_after_restore"] == TF["step_after_restore"] == 8
        assert out["checkpoints2"] == TF["checkpoints2"] == [0, 5]
        np.testing.assert_allclose(out["initial_w"], TF["initial_w"])
        np.testing.assert_allclose(out["w5"], TF["w5"], rtol=1e-5)
        np.testing.assert_allclose(out["b5"], TF["b5"], rtol=1e-5)
        np.testing.assert_allclose(out["restored_w"], TF["restored_w"], rtol=1e-5)
        np.testing.assert_allclose(out["w_final"], TF["w5"], rtol=1e-5)  # the step-8 state is not saved
        [(tag, step, value)] = out["scalars"]
        [(tf_tag, tf_step, tf_value)] = TF["scalars"]
        assert (tag, step) == (tf_tag, tf_step)
        np.testing.assert_allclose(value, tf_value, rtol=1e-5)
        assert [tuple(x) for x in TF["session_logs"]] == out["session_logs"]  # START, STOP, CHECKPOINT
        assert out["graphs"] == 1
        assert set(TF["files"]) <= set(out["files"])
        assert {"model.ckpt-0.npz", "model.ckpt-5.npz"} <= set(out["files"])
    np.testing.assert_allclose(runs["interpreter"]["w5"], runs["xla"]["w5"], rtol=1e-6)
    np.testing.assert_allclose(runs["interpreter"]["w_final"], runs["xla"]["w_final"], rtol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_timed_services_write_checkpoints_and_summaries(tmp_path: Any, backend: str) -> None:
    logdir = str(tmp_path)
    before = _threads()
    g, t = regression()
    with g.as_default():
        sv = tf.train.Supervisor(
            logdir=logdir, save_model_secs=0.05, save_summaries_secs=0.05, backend=backend
        )
    assert sv.save_model_secs == 0.05 and sv.save_summaries_secs == 0.05

    def loss_summaries() -> int:
        sv.summary_writer.flush()
        return sum(1 for s in read_events(logdir)[0] if s[0] == "loss")

    with sv.managed_session() as sess:
        started = _threads() - before
        assert {"SVSummaryThread", "SVStepCounterThread", "SVTimerCheckpointThread"} <= {
            th.name for th in started
        }

        def trained_until_saves() -> bool:
            sess.run(t["train"])
            return len(sv.saver.last_checkpoints) >= 3 and loss_summaries() >= 2

        _wait_for(trained_until_saves, "three checkpoints and two summaries")
        final = int(sess.run(t["gs"]))
    assert not _threads() - before  # every service thread ended with the block
    steps = [int(p.rsplit("-", 1)[1]) for p in sv.saver.last_checkpoints]
    assert steps == sorted(steps) and steps[0] >= 0 and steps[-1] <= final
    scalars, logs, _ = read_events(logdir)
    loss = [(s, v) for tag, s, v in scalars if tag == "loss"]
    assert len(loss) >= 2 and all(0 <= s <= final for s, _ in loss)
    assert [st for st, _ in loss] == sorted(st for st, _ in loss)
    assert any(tag == "global_step/sec" for tag, _, _ in scalars)
    statuses = [status for status, _ in logs]
    assert statuses[0] == 1 and statuses[-1] == 2 and statuses.count(3) >= 3  # START .. CHECKPOINTs .. STOP
    # replay the training on a fresh session: a session run is atomic, so each summary holds the
    # loss of its step; a save reads the step, then the weights, so a checkpoint holds the weights
    # of its step or of a later one (TF1 alike)
    g2, t2 = regression()
    with g2.as_default():
        init = tf.global_variables_initializer()
    with tf.Session(graph=g2, backend=backend) as ref:
        ref.run(init)
        replay = []
        for _ in range(final + 1):
            replay.append(ref.run([t2["w"], t2["loss"]]))
            ref.run(t2["train"])
    for step in steps:
        w = tf.train.load_variable(os.path.join(logdir, f"model.ckpt-{step}"), "w")
        assert any(np.allclose(w, replay[k][0], rtol=1e-5) for k in range(step, final + 1)), step
    for step, value in loss:
        np.testing.assert_allclose(value, replay[step][1], rtol=1e-5)
    assert loss[0][1] >= loss[-1][1]


@pytest.mark.parametrize("backend", BACKENDS)
def test_out_of_range_from_tf_data_is_a_clean_stop(backend: str) -> None:
    g = tf.Graph()
    with g.as_default():
        nxt = tf.data.Dataset.range(3).map(lambda i: i * 10).make_one_shot_iterator().get_next()
        sv = tf.train.Supervisor(backend=backend)
    values = []
    with sv.managed_session() as sess:
        while not sv.should_stop():
            values.append(int(sess.run(nxt)))
    assert values == TF["data_values"] == [0, 10, 20]
    assert sv.should_stop() is TF["data_should_stop_after"] is True


@pytest.mark.parametrize("backend", BACKENDS)
def test_out_of_range_from_queue_runner_input_is_a_clean_stop(backend: str) -> None:
    """range_input_producer(num_epochs=1): its epoch counter is a local variable (local_init_op)
    and its QueueRunner is started by the Supervisor."""
    before = _threads()
    g = tf.Graph()
    with g.as_default():
        x = tf.train.range_input_producer(4, num_epochs=1, shuffle=False).dequeue()
        sv = tf.train.Supervisor(backend=backend)
    values = []
    with sv.managed_session() as sess:
        while not sv.should_stop():
            values.append(int(sess.run(x)))
    assert values == [0, 1, 2, 3]
    assert not _threads() - before


@pytest.mark.parametrize("backend", BACKENDS)
def test_other_exceptions_propagate_and_threads_end(tmp_path: Any, backend: str) -> None:
    before = _threads()
    g, t = regression()
    with g.as_default():
        sv = tf.train.Supervisor(logdir=str(tmp_path), save_model_secs=0.05, backend=backend)
    with pytest.raises(ValueError, match="boom") as info, sv.managed_session() as sess:
        sess.run(t["train"])
        raise ValueError("boom")
    assert [type(info.value).__name__, str(info.value)] == TF["raised"]
    assert not _threads() - before
    assert sv.should_stop()
    with pytest.raises(Exception):  # noqa: B017 - the session was closed on the way out
        sess.run(t["w"])


@pytest.mark.parametrize("backend", BACKENDS)
def test_request_stop_and_a_failing_loop_thread(backend: str) -> None:
    before = _threads()
    g, t = regression()
    with g.as_default():
        sv = tf.train.Supervisor(backend=backend)
    with sv.managed_session() as sess:
        assert not sv.should_stop()
        sv.request_stop()
        assert sv.should_stop() and sv.ShouldStop()
        sess.run(t["train"])  # the session still runs until the block ends
    assert not _threads() - before

    calls: list[int] = []

    def target(n: int) -> None:
        calls.append(n)
        if len(calls) == 3:
            raise KeyError("from the loop thread")

    with pytest.raises(KeyError, match="from the loop thread"), sv.managed_session() as sess:
        looper = sv.loop(0.01, target, args=(7,))
        sv.wait_for_stop()  # the thread's exception requests the stop
        assert sv.should_stop()
        looper.join(5)
    assert calls == [7, 7, 7]
    assert not _threads() - before


@pytest.mark.parametrize("backend", BACKENDS)
def test_init_feed_dict_init_fn_and_no_logdir(backend: str) -> None:
    before = _threads()
    g = tf.Graph()
    with g.as_default():
        p = tf.placeholder(tf.float32, [])
        v = tf.Variable(p * 2.0, name="v")
        u = tf.Variable(1.0, name="u")
        set_u = u.assign(5.0)
        calls: list[Any] = []
        sv = tf.train.Supervisor(
            init_feed_dict={p: 7.0}, init_fn=lambda s: calls.append(s.run(set_u)), backend=backend
        )
    assert sv.save_path is TF["none_save_path"] is None
    assert (sv.summary_writer is None) is TF["none_writer"] is True
    assert sv.is_chief and sv.init_feed_dict == {p: 7.0}
    with sv.managed_session() as sess:
        assert [float(sess.run(v)), float(sess.run(u))] == TF["init_values"] == [14.0, 5.0]
        assert sv.start_standard_services(sess) is None  # no logdir: no services
        assert not _threads() - before
        with pytest.raises(RuntimeError, match="requires a summary writer"):
            sv.summary_computed(sess, b"")
    assert len(calls) == TF["init_fn_calls"] == 1


def test_defaults_and_collections() -> None:
    g, t = regression()
    with g.as_default():
        sv = tf.train.Supervisor(backend="interpreter")
        assert sv.global_step is t["gs"]
        assert sv.summary_op is not None and g.get_collection("summary_op") == [sv.summary_op]
        assert g.get_collection("init_op") == [sv.init_op]
        assert len(g.get_collection("local_init_op")) == 1
        assert isinstance(sv.saver, tf.train.Saver) and isinstance(sv.coord, tf.train.Coordinator)
        assert tf.train.Supervisor.USE_DEFAULT == 0
        # a second Supervisor takes the ops the first put in the collections
        sv2 = tf.train.Supervisor(backend="interpreter")
        assert sv2.init_op is sv.init_op and sv2.summary_op is sv.summary_op

    g = tf.Graph()
    with g.as_default():
        step = tf.Variable(0, dtype=tf.int32, name="global_step", trainable=False)  # not in GLOBAL_STEP
        sv = tf.train.Supervisor(summary_op=None, saver=None, backend="interpreter")
        assert sv.global_step is step and g.get_collection(tf.GraphKeys.GLOBAL_STEP) == [step]
        assert sv.summary_op is None and sv.saver is None
    g = tf.Graph()
    with g.as_default():
        tf.Variable(0.5, name="global_step")  # not an integer: no global step
        assert tf.train.Supervisor(backend="interpreter").global_step is None


def test_not_chief_and_not_ready(tmp_path: Any) -> None:
    g, t = regression()
    with g.as_default(), pytest.raises(GraphError, match="all Variables must have their device set"):
        tf.train.Supervisor(is_chief=False, logdir=str(tmp_path), backend="interpreter")
    g, t = regression(device="/cpu:0")
    with g.as_default():
        sv = tf.train.Supervisor(is_chief=False, logdir=str(tmp_path), backend="interpreter")
        assert not sv.is_chief and sv.save_path is None and sv.summary_writer is None
    with sv.managed_session() as sess:
        with pytest.raises(RuntimeError, match="Only chief supervisor"):
            sv.start_standard_services(sess)
        assert float(sess.run(t["loss"])) > 0
    assert os.listdir(tmp_path) == []  # a non-chief writes nothing

    g, t = regression()
    with g.as_default():
        sv = tf.train.Supervisor(init_op=None, backend="interpreter")  # nothing initializes w
    with pytest.raises(FailedPreconditionError, match=r"did not make model ready for local_init.*w"):
        sv.prepare_or_wait_for_session()
    with g.as_default():
        sv = tf.train.Supervisor(init_op=None, local_init_op=None, backend="interpreter")
    with pytest.raises(FailedPreconditionError, match="no init_op or init_fn or local_init_op"):
        sv.prepare_or_wait_for_session()
    with g.as_default():
        sv = tf.train.Supervisor(
            init_op=None, local_init_op=None, init_fn=lambda s: None, backend="interpreter"
        )
    with pytest.raises(FailedPreconditionError, match=r"did not make model ready.*Variables not initialized"):
        sv.prepare_or_wait_for_session()


@pytest.mark.parametrize("backend", BACKENDS)
def test_session_manager(tmp_path: Any, backend: str) -> None:
    g, t = regression()
    with g.as_default():
        init = tf.global_variables_initializer()
        saver = tf.train.Saver()
    sm = tf.train.SessionManager(graph=g, backend=backend)
    sess, restored = sm.recover_session("", saver=saver, checkpoint_dir=str(tmp_path))
    assert restored is False and not sess.is_initialized(t["w"])
    sess = sm.prepare_session("", init_op=init, saver=saver, checkpoint_dir=str(tmp_path))
    for _ in range(2):
        sess.run(t["train"])
    saver.save(sess, str(tmp_path / "model.ckpt"), global_step=t["gs"])
    w = sess.run(t["w"])
    sess, restored = sm.recover_session("", saver=saver, checkpoint_dir=str(tmp_path))
    assert restored is True and int(sess.run(t["gs"])) == 2
    np.testing.assert_array_equal(sess.run(t["w"]), w)
    with pytest.raises(FailedPreconditionError, match="not ready after waiting 0 secs"):
        tf.train.SessionManager(graph=g, ready_op=sv_ready(), backend=backend).wait_for_session(
            "", max_wait_secs=0
        )
    empty = tf.Graph()
    with empty.as_default():
        c = tf.constant(3.0)
    assert tf.train.SessionManager(graph=empty, backend=backend).wait_for_session("").run(c) == 3.0


def sv_ready() -> Any:
    """The Supervisor's default ready op (the host check of every variable)."""
    from graphdl.train.supervisor import _ReportUninitialized

    return _ReportUninitialized(local=True)
