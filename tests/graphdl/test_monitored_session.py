"""tf.train.MonitoredTrainingSession, MonitoredSession, Scaffold and the session-run hooks.

Outside truth: tests/graphdl/data/tf_monitored_session.json, written by TF1 (TensorFlow 2.21's
compat.v1) with make_tf_monitored_session.py beside it. Timed hooks get a fake clock by
monkeypatching `graphdl.train.session_run_hook._now`; nothing sleeps.
"""

from __future__ import annotations

import json
import logging
import os
import re
from typing import Any

import numpy as np
import pytest

import graphdl as tf
from graphdl.train import session_hooks, session_run_hook
from tests.graphdl.event_files import read_events, regression

BACKENDS = ["interpreter", "xla"]
with open(os.path.join(os.path.dirname(__file__), "data", "tf_monitored_session.json")) as _f:
    TF = json.load(_f)


def read_scalars(logdir: str) -> dict[str, list[tuple[int, float]]]:
    """Every scalar summary in the event files of `logdir`: tag -> [(step, value)]."""
    out: dict[str, list[tuple[int, float]]] = {}
    for tag, step, value in read_events(logdir)[0]:
        out.setdefault(tag, []).append((step, value))
    return out


@pytest.fixture
def info_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="graphdl")
    return caplog


@pytest.mark.parametrize("backend", BACKENDS)
def test_training_matches_tensorflow_and_second_session_continues(
    backend: str, tmp_path: Any, info_logs: pytest.LogCaptureFixture
) -> None:
    ckpt = str(tmp_path / "ckpt")
    g, t = regression()
    with g.as_default():
        hooks = [
            tf.train.StopAtStepHook(last_step=5),
            tf.train.LoggingTensorHook({"loss": t["loss"]}, every_n_iter=2),
        ]
        with tf.train.MonitoredTrainingSession(
            checkpoint_dir=ckpt, hooks=hooks, save_summaries_steps=2, log_step_count_steps=2, backend=backend
        ) as sess:
            assert sess.graph is g
            runs = 0
            while not sess.should_stop():
                assert sess.run(t["train"]) is None
                runs += 1
    assert runs == TF["runs"] == 5
    assert sess.should_stop()
    # LoggingTensorHook: TF1's "loss = <value>" lines, with the seconds since the last one after the first
    lines = [m for m in info_logs.messages if m.startswith("loss = ")]
    assert len(lines) == len(TF["loss_log"])
    assert lines[0] == TF["loss_log"][0] == "loss = 179.5"
    for ours, theirs in zip(lines, TF["loss_log"], strict=True):
        pattern = r"loss = ([0-9.]+)( \([0-9.]+ sec\))?"
        mo, mt = re.fullmatch(pattern, ours), re.fullmatch(pattern, theirs)
        assert mo and mt and bool(mo.group(2)) == bool(mt.group(2))
        np.testing.assert_allclose(float(mo.group(1)), float(mt.group(1)), rtol=1e-6)
    # summaries (SummarySaverHook, StepCounterHook) at TF1's steps; checkpoints at start and end
    scalars = read_scalars(ckpt)
    assert {tag: [s for s, _ in v] for tag, v in scalars.items()} == TF["summary_steps"]
    assert all(rate > 0 for _, rate in scalars["global_step/sec"])
    state = tf.train.get_checkpoint_state(ckpt)
    assert [int(p.rsplit("-", 1)[1]) for p in state.all_model_checkpoint_paths] == TF["checkpoints"]
    np.testing.assert_allclose(tf.train.load_variable(ckpt, "w"), TF["w5"], rtol=1e-6)
    np.testing.assert_allclose(tf.train.load_variable(ckpt, "b"), TF["b5"], rtol=1e-6)
    assert tf.train.load_variable(ckpt, "global_step") == 5

    # a new graph and session on the same folder restores step and weights and continues
    g2, t2 = regression()
    with (
        g2.as_default(),
        tf.train.MonitoredTrainingSession(
            checkpoint_dir=ckpt, hooks=[tf.train.StopAtStepHook(num_steps=3)], backend=backend
        ) as sess,
    ):
        assert sess.run(t2["gs"]) == TF["restored_step"]
        np.testing.assert_array_equal(
            sess.run(t2["w"]), tf.train.load_variable(state.all_model_checkpoint_paths[-1], "w")
        )
        runs = 0
        while not sess.should_stop():
            sess.run(t2["train"])
            runs += 1
    assert runs == TF["runs2"] == 3
    state = tf.train.get_checkpoint_state(ckpt)
    assert [int(p.rsplit("-", 1)[1]) for p in state.all_model_checkpoint_paths] == TF["checkpoints2"]
    np.testing.assert_allclose(tf.train.load_variable(ckpt, "w"), TF["w8"], rtol=1e-6)
    np.testing.assert_allclose(tf.train.load_variable(ckpt, "b"), TF["b8"], rtol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_end_of_tf_data_input_stops_cleanly(backend: str) -> None:
    g = tf.Graph()
    with g.as_default():
        gs = tf.train.get_or_create_global_step()
        nxt = tf.data.Dataset.range(3).map(lambda v: v * 10).make_one_shot_iterator().get_next()
        inc = tf.assign_add(gs, 1)
        final = tf.train.FinalOpsHook(gs)
        creator = tf.train.ChiefSessionCreator(backend=backend)
        values = []
        with tf.train.MonitoredSession(session_creator=creator, hooks=[final]) as sess:
            while not sess.should_stop():
                values.append(int(sess.run([nxt, inc])[0]))
    assert values == TF["data_values"] == [0, 10, 20]
    assert sess.should_stop() is TF["data_should_stop_after"] is True
    # end() ran (TF1 reads 4: its failed run had already incremented; graphdl's failed run changes nothing)
    assert final.final_ops_values == 3


@pytest.mark.parametrize("backend", BACKENDS)
def test_queue_runners_start_with_the_session_and_their_end_stops_it(backend: str, tmp_path: Any) -> None:
    """cifar10_train.py's shape: a shuffle_batch pipeline read under MonitoredTrainingSession, which
    starts the graph's queue runners; the producer's num_epochs ends the loop cleanly."""
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(1)
        xs = np.arange(8, dtype=np.float32)
        (x,) = tf.train.slice_input_producer([tf.constant(xs)], num_epochs=2, shuffle=False)
        batch = tf.train.batch([x], batch_size=4)
        w = tf.Variable(0.0)
        gs = tf.train.get_or_create_global_step()
        loss = tf.reduce_mean(tf.square(batch - w))
        train = tf.train.GradientDescentOptimizer(0.5).minimize(loss, global_step=gs)
        seen = []
        with tf.train.MonitoredTrainingSession(
            checkpoint_dir=str(tmp_path), save_summaries_steps=None, backend=backend
        ) as sess:
            while not sess.should_stop():
                seen.append(sess.run([batch, train])[0].tolist())
    assert seen == [[0, 1, 2, 3], [4, 5, 6, 7]] * 2  # two epochs in order, then a clean stop
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("model.ckpt-4")


def test_other_errors_leave_the_with_block_and_skip_end() -> None:
    g, t = regression()
    ended: list[bool] = []

    class Ender(tf.train.SessionRunHook):
        def end(self, session: Any) -> None:
            ended.append(True)

    with g.as_default(), pytest.raises(ZeroDivisionError), tf.train.MonitoredSession(hooks=[Ender()]) as sess:
        sess.run(t["train"])
        raise ZeroDivisionError
    assert ended == [] and sess.should_stop()
    with pytest.raises(tf.GraphError, match="closed"):
        sess.run(t["train"])


class Recorder(tf.train.SessionRunHook):
    """Asks for the loss and global step, records what comes back, stops at step `stop_at`."""

    def __init__(self, loss: Any, gs: Any, stop_at: int) -> None:
        self.loss, self.gs, self.stop_at = loss, gs, stop_at
        self.calls: list[str] = []
        self.results: list[Any] = []

    def begin(self) -> None:
        self.calls.append("begin")

    def after_create_session(self, session: Any, coord: Any) -> None:
        self.calls.append(f"after_create_session {int(session.run(self.gs))}")

    def before_run(self, run_context: Any) -> Any:
        self.calls.append("before_run")
        assert run_context.original_args.fetches is not None
        return tf.train.SessionRunArgs({"loss": self.loss, "step": self.gs})

    def after_run(self, run_context: Any, run_values: Any) -> None:
        self.calls.append("after_run")
        self.results.append(run_values.results)
        if run_values.results["step"] + 1 >= self.stop_at:
            run_context.request_stop()
            assert run_context.stop_requested

    def end(self, session: Any) -> None:
        self.calls.append("end")


@pytest.mark.parametrize("backend", BACKENDS)
def test_hook_fetches_reach_after_run_and_request_stop(backend: str) -> None:
    g, t = regression()
    with g.as_default():
        rec = Recorder(t["loss"], t["gs"], stop_at=3)
        quiet = tf.train.SessionRunHook()  # the base class does nothing and asks for nothing
        losses = []
        with tf.train.MonitoredSession(tf.train.ChiefSessionCreator(backend=backend), [quiet, rec]) as sess:
            while not sess.should_stop():
                _, loss = sess.run([t["train"], t["loss"]])
                losses.append(loss)
    assert rec.calls == ["begin", "after_create_session 0"] + ["before_run", "after_run"] * 3 + ["end"]
    assert [r["step"] for r in rec.results] == [0, 1, 2]
    # the hook's loss is the same fetch as the caller's, from the same run
    np.testing.assert_array_equal([r["loss"] for r in rec.results], losses)
    # outside truth: gradient descent on the mean squared error by hand
    x = np.arange(8, dtype=np.float64).reshape(8, 1)
    y, w, b, want = 3 * x + 1, np.zeros((1, 1)), np.zeros(1), []
    for _ in range(3):
        r = x @ w + b - y
        want.append(np.mean(r**2))
        w, b = w - 0.01 * 2 * x.T @ r / 8, b - 0.01 * 2 * r.mean(0)
    np.testing.assert_allclose(losses, want, rtol=1e-5)


def test_feed_fn_hook_feeds_and_feed_conflicts_are_errors() -> None:
    g = tf.Graph()
    with g.as_default():
        tf.train.get_or_create_global_step()
        p = tf.placeholder(tf.float32, [], name="p")
        doubled = 2 * p
        counter = iter(range(10))
        hook = tf.train.FeedFnHook(lambda: {p: float(next(counter))})
        with tf.train.SingularMonitoredSession(hooks=[hook]) as sess:
            assert [sess.run(doubled) for _ in range(3)] == [0.0, 2.0, 4.0]
            assert isinstance(sess.raw_session(), tf.Session)
            with pytest.raises(tf.GraphError, match="Same tensor is fed by a SessionRunHook and user"):
                sess.run(doubled, feed_dict={p: 1.0})
        two = [hook, tf.train.FeedFnHook(lambda: {p: 0.0})]
        with (
            pytest.raises(tf.GraphError, match="Same tensor is fed by two hooks"),
            tf.train.MonitoredSession(hooks=two) as sess,
        ):
            sess.run(doubled)


def test_nan_tensor_hook() -> None:
    g = tf.Graph()
    with g.as_default():
        gs = tf.train.get_or_create_global_step()
        v = tf.Variable(1.0, name="v")
        loss = tf.log(v - 1.0) * 0.0  # log(0) * 0 = NaN from the first run
        step = tf.assign_add(gs, 1)
        failing = tf.train.MonitoredSession(hooks=[tf.train.NanTensorHook(loss)])
        with pytest.raises(tf.train.NanLossDuringTrainingError, match="NaN loss during training"), failing:
            failing.run(step)
        stopper = tf.train.NanTensorHook(loss, fail_on_nan_loss=False)
        with tf.train.MonitoredSession(hooks=[stopper]) as sess:
            assert not sess.should_stop()
            sess.run(step)
            assert sess.should_stop()
    assert issubclass(tf.train.NanLossDuringTrainingError, RuntimeError)


def test_hooks_need_a_global_step_with_tf1s_message() -> None:
    g = tf.Graph()
    with g.as_default():
        tf.Variable(1.0)
        for hook, name in [
            (tf.train.StopAtStepHook(num_steps=1), "StopAtStepHook"),
            (tf.train.CheckpointSaverHook("unused", save_steps=1), "CheckpointSaverHook"),
            (tf.train.StepCounterHook(), "StepCounterHook"),
            (tf.train.SummarySaverHook(save_steps=1, summary_op=tf.constant(1.0)), "SummarySaverHook"),
        ]:
            with pytest.raises(RuntimeError, match=f"^Global step should be created to use {name}.$"):
                hook.begin()


def test_argument_errors_match_tf1() -> None:
    with pytest.raises(ValueError, match="One of num_steps or last_step must be specified"):
        tf.train.StopAtStepHook()
    with pytest.raises(ValueError, match="Only one of num_steps or last_step"):
        tf.train.StopAtStepHook(num_steps=1, last_step=2)
    with pytest.raises(ValueError, match="exactly one of every_n_iter and every_n_secs"):
        tf.train.LoggingTensorHook(["a"])
    with pytest.raises(ValueError, match="invalid every_n_iter=0"):
        tf.train.LoggingTensorHook(["a"], every_n_iter=0)
    with pytest.raises(ValueError, match="Exactly one of scaffold or summary_op"):
        tf.train.SummarySaverHook(save_steps=1)
    with pytest.raises(ValueError, match="exactly one of every_n_steps and every_n_secs"):
        tf.train.StepCounterHook(every_n_steps=None)
    with pytest.raises(ValueError, match="Can not provide both every_secs and every_steps"):
        tf.train.SecondOrStepTimer(every_secs=1, every_steps=1)
    with pytest.raises(ValueError, match="You cannot provide both saver and scaffold"):
        tf.train.CheckpointSaverHook("d", save_steps=1, saver=object(), scaffold=tf.train.Scaffold())
    with pytest.raises(TypeError, match="copy_from_scaffold is not a Scaffold instance"):
        tf.train.Scaffold(copy_from_scaffold=object())  # type: ignore[arg-type]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_second_or_step_timer(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    monkeypatch.setattr(session_run_hook, "_now", clock)
    steps = tf.train.SecondOrStepTimer(every_steps=3)
    assert steps.should_trigger_for_step(0) and steps.last_triggered_step() is None
    assert steps.update_last_triggered_step(0) == (None, None)
    assert [steps.should_trigger_for_step(s) for s in range(5)] == [False, False, False, True, True]
    clock.now += 2.5
    assert steps.update_last_triggered_step(4) == (2.5, 4)
    secs = tf.train.SecondOrStepTimer(every_secs=10)
    secs.update_last_triggered_step(7)
    clock.now += 9.0
    assert not secs.should_trigger_for_step(8)
    assert not secs.should_trigger_for_step(7)  # the same step never triggers twice
    clock.now += 1.0
    assert secs.should_trigger_for_step(8)


class Listener(tf.train.CheckpointSaverListener):
    def __init__(self, stop_after: int | None = None) -> None:
        self.events: list[tuple[str, int]] = []
        self.stop_after = stop_after

    def begin(self) -> None:
        self.events.append(("begin", -1))

    def before_save(self, session: Any, global_step_value: int) -> None:
        self.events.append(("before_save", global_step_value))

    def after_save(self, session: Any, global_step_value: int) -> bool:
        self.events.append(("after_save", global_step_value))
        return self.stop_after is not None and global_step_value >= self.stop_after

    def end(self, session: Any, global_step_value: int) -> None:
        self.events.append(("end", global_step_value))


def test_checkpoint_saver_hook_on_a_fake_clock(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    clock = FakeClock()
    monkeypatch.setattr(session_run_hook, "_now", clock)
    g, t = regression()
    ckpt = str(tmp_path)
    with g.as_default():
        listener = Listener()
        scaffold = tf.train.Scaffold()  # the hook saves with the Scaffold's Saver
        saver_hook = tf.train.CheckpointSaverHook(ckpt, save_secs=60, listeners=[listener], scaffold=scaffold)
        with tf.train.MonitoredSession(tf.train.ChiefSessionCreator(scaffold), [saver_hook]) as sess:
            for _ in range(3):
                sess.run(t["train"])
                clock.now += 25.0  # 75 s after the save at step 0: the run ending at step 4 saves
            sess.run(t["train"])
            sess.run(t["train"])
    saved = [int(p.rsplit("-", 1)[1]) for p in tf.train.get_checkpoint_state(ckpt).all_model_checkpoint_paths]
    assert saved == TF["clock_checkpoints"] == [0, 4, 5]
    assert [list(e) for e in listener.events] == TF["clock_listener"]
    assert listener.events == [
        ("begin", -1),
        ("before_save", 0), ("after_save", 0),
        ("before_save", 4), ("after_save", 4),
        ("before_save", 5), ("after_save", 5),
        ("end", 5),
    ]  # fmt: skip
    assert os.path.exists(os.path.join(ckpt, "graph.pbtxt"))


@pytest.mark.filterwarnings("ignore:collection 'savers'")
def test_listener_asks_to_stop_and_save_steps(tmp_path: Any) -> None:
    g, t = regression()
    with g.as_default():
        hook = tf.train.CheckpointSaverHook(str(tmp_path), save_steps=2, listeners=[Listener(stop_after=4)])
        tf.train.Saver(allow_empty=True)  # the hook finds a Saver in the graph's 'savers' collection
        with pytest.raises(tf.GraphError, match="exactly one Saver"):
            tf.train.MonitoredSession(hooks=[hook])
        g.add_to_collection("savers", tf.train.Saver())
        with tf.train.MonitoredSession(hooks=[hook]) as sess:
            runs = 0
            while not sess.should_stop():
                sess.run(t["train"])
                runs += 1
    assert runs == 4
    saved = [
        int(p.rsplit("-", 1)[1])
        for p in tf.train.get_checkpoint_state(str(tmp_path)).all_model_checkpoint_paths
    ]
    assert saved == [0, 2, 4]


def test_logging_hook_every_n_secs_at_end_and_formatter(
    monkeypatch: pytest.MonkeyPatch, info_logs: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    monkeypatch.setattr(session_run_hook, "_now", clock)
    g, t = regression()
    with g.as_default():
        by_secs = tf.train.LoggingTensorHook([t["gs"].op.name + ":0"], every_n_secs=10)
        at_end = tf.train.LoggingTensorHook(
            {"w": t["w"]}, at_end=True, formatter=lambda v: f"W={v['w'][0, 0]:.4f}"
        )
        with tf.train.MonitoredSession(hooks=[by_secs, at_end]) as sess:
            for _ in range(4):
                sess.run(t["train"])
                clock.now += 6.0
            final_w = sess.run(t["w"])[0, 0]  # a fifth run, 24 s after the first: it logs too
    assert [m for m in info_logs.messages if m.startswith("global_step")] == [
        "global_step:0 = 0",
        "global_step:0 = 2 (12.000 sec)",
        "global_step:0 = 4 (12.000 sec)",
    ]
    assert [m for m in info_logs.messages if m.startswith("W=")] == [f"W={final_w:.4f}"]


def test_step_counter_and_summary_saver_on_a_fake_clock(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    clock = FakeClock()
    monkeypatch.setattr(session_run_hook, "_now", clock)
    g, t = regression()
    logdir = str(tmp_path / "logs")
    with g.as_default():
        writer = tf.summary.FileWriter(logdir)
        counter = tf.train.StepCounterHook(every_n_steps=2, summary_writer=writer)
        loss_summary = tf.summary.scalar("loss_again", t["loss"])
        saver = tf.train.SummarySaverHook(save_secs=30, summary_writer=writer, summary_op=loss_summary)
        losses = []
        with tf.train.MonitoredSession(hooks=[counter, saver]) as sess:
            for _ in range(6):
                losses.append(sess.run([t["train"], t["loss"]])[1])
                clock.now += 10.0
        writer.close()
    scalars = read_scalars(logdir)
    # 2 steps every 20 s: 0.1 global steps a second, logged at steps 3 and 5 (the first trigger is step 1)
    assert scalars["global_step/sec"] == [(3, pytest.approx(0.1)), (5, pytest.approx(0.1))]
    # summaries at step 1, then once 30 s passed: the run ending at step 4
    assert [s for s, _ in scalars["loss_again"]] == [1, 4]
    np.testing.assert_allclose([v for _, v in scalars["loss_again"]], [losses[0], losses[3]], rtol=1e-6)
    for tag, want in TF["clock_summaries"].items():  # TF1 on the same fake clock
        assert [s for s, _ in scalars[tag]] == [s for s, _ in want]
        np.testing.assert_allclose([v for _, v in scalars[tag]], [v for _, v in want], rtol=1e-6)


def test_global_step_waiter_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    g = tf.Graph()
    with g.as_default():
        gs = tf.train.get_or_create_global_step()
        c = tf.constant(1.0)
        hook = tf.train.GlobalStepWaiterHook(wait_until_step=7)
        with tf.train.SingularMonitoredSession(hooks=[hook, tf.train.GlobalStepWaiterHook(0)]) as sess:
            raw = sess.raw_session()
            seen: list[int] = []

            def chief_steps_while_we_sleep(secs: float) -> None:
                assert secs == 0.5
                seen.append(int(raw.run(gs)))
                raw.load_variable(gs, seen[-1] + 3)

            monkeypatch.setattr(session_hooks, "_sleep", chief_steps_while_we_sleep)
            assert sess.run(c) == 1.0
            assert seen == [0, 3, 6] and raw.run(gs) == 9
            sess.run(c)  # started: it waits no more
            assert seen == [0, 3, 6]


def test_scaffold_defaults_collections_and_copy() -> None:
    g, t = regression()
    with g.as_default():
        scaffold = tf.train.Scaffold()
        assert scaffold.init_op is None and scaffold.saver is None
        assert scaffold.finalize() is scaffold
        assert scaffold.init_op is g.get_collection("init_op")[0]
        assert scaffold.local_init_op is g.get_collection("local_init_op")[0]
        assert scaffold.summary_op is g.get_collection("summary_op")[0]
        assert isinstance(scaffold.saver, tf.train.Saver)
        # a second Scaffold reuses the collection items
        again = tf.train.Scaffold().finalize()
        assert again.init_op is scaffold.init_op and again.summary_op is scaffold.summary_op
        g.add_to_collection("summary_op", tf.summary.scalar("other", t["loss"]))
        with pytest.raises(
            tf.GraphError, match=r'More than one item in the collection "summary_op".*summary_op='
        ):
            tf.train.Scaffold().finalize()
        calls: list[Any] = []
        copy = tf.train.Scaffold(init_fn=lambda s, sess: calls.append(s), copy_from_scaffold=scaffold)
        assert copy.init_op is scaffold.init_op and copy.saver is scaffold.saver
        # init_fn (TF1: called with the scaffold and the session) sets w after the init_op
        w_init = tf.train.Scaffold(
            init_fn=lambda s, sess: sess.load_variable(t["w"], [[5.0]]), summary_op=scaffold.summary_op
        )
        with tf.train.MonitoredSession(tf.train.ChiefSessionCreator(scaffold=w_init)) as sess:
            assert sess.run(t["w"])[0, 0] == 5.0
        with tf.train.MonitoredSession(tf.train.ChiefSessionCreator(scaffold=copy)):
            pass
        assert calls == [copy]


def test_not_ready_and_checkpoint_file_errors(tmp_path: Any) -> None:
    g, t = regression()
    with g.as_default():
        partial = tf.train.Scaffold(init_op=tf.variables_initializer([t["w"]]), local_init_op=tf.no_op())
        with pytest.raises(RuntimeError, match=r"did not make model ready for local_init.*global_step"):
            tf.train.MonitoredSession(tf.train.ChiefSessionCreator(scaffold=partial))
        # a given ready_op lists what is not ready (TF1: report_uninitialized_variables); empty = ready
        not_ready = tf.train.Scaffold(ready_op=tf.constant([7], name="not_ready"))
        with pytest.raises(RuntimeError, match=r"did not make model ready\. .*Variables not initialized: 7"):
            tf.train.MonitoredSession(tf.train.ChiefSessionCreator(scaffold=not_ready))
        ready = tf.train.Scaffold(ready_op=tf.zeros([0], tf.int32))
        tf.train.MonitoredSession(tf.train.ChiefSessionCreator(scaffold=ready)).close()
        with pytest.raises(ValueError, match="Can not provide both checkpoint_dir and checkpoint_filename"):
            tf.train.ChiefSessionCreator(checkpoint_dir="a", checkpoint_filename_with_path="b")
        with tf.train.MonitoredSession() as sess:  # defaults: a ChiefSessionCreator with a new Scaffold
            sess.run(t["train"])
            raw = sess._sess
            path = tf.train.Saver().save(raw, str(tmp_path / "m"), global_step=1)
        with tf.train.SingularMonitoredSession(checkpoint_filename_with_path=path) as sess:
            assert sess.run(t["gs"]) == 1


def test_run_step_fn_and_final_ops_hook() -> None:
    g, t = regression()
    with g.as_default():
        final = tf.train.FinalOpsHook({"w": t["w"], "gs": t["gs"]})
        counter = tf.train.StopAtStepHook(num_steps=100)
        with tf.train.MonitoredSession(hooks=[final, counter]) as sess:

            def step_fn(ctx: Any) -> Any:
                step = ctx.session.run(t["gs"])  # the raw session: no hooks
                if step >= 2:
                    ctx.request_stop()
                return ctx.run_with_hooks(t["train"])

            while not sess.should_stop():
                sess.run_step_fn(step_fn)
            w_end = sess.run(t["w"])
    assert final.final_ops_values["gs"] == 2
    np.testing.assert_array_equal(final.final_ops_values["w"], w_end)


def test_monitored_training_session_options() -> None:
    g, t = regression()
    with g.as_default():
        sess = tf.train.MonitoredTrainingSession(
            is_chief=False, hooks=[tf.train.StopAtStepHook(1)], backend="interpreter"
        )
        assert sess._sess.backend_name == "interpreter"
        sess.run(t["train"])
        assert sess.should_stop()
        sess.close()
        sess.close()  # closing twice is harmless
        # no checkpoint_dir: no default hooks, and not restored
        sess = tf.train.MonitoredTrainingSession(save_checkpoint_steps=1)
        assert sess._hooks == []
        assert sess.run(t["gs"]) == 0
        sess.close()


def test_a_hook_stops_through_the_coordinator() -> None:
    class CoordStopper(tf.train.SessionRunHook):
        def after_create_session(self, session: Any, coord: Any) -> None:
            assert isinstance(coord, tf.train.Coordinator)
            self.coord = coord

        def after_run(self, run_context: Any, run_values: Any) -> None:
            self.coord.request_stop()

    g, t = regression()
    with g.as_default(), tf.train.MonitoredSession(hooks=[CoordStopper()]) as sess:
        assert not sess.should_stop()
        sess.run(t["train"])
        assert sess.should_stop()
