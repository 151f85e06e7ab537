"""`runtime.compare` and `graphdl compare`: diffs per fetch, timings, the first divergent node."""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

import graphdl as gd
import runtime
from graphdl.registry import get_op_def
from runtime.compare import CompareReport, diff, tolerance

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCRIPT = os.path.join(HERE, "data", "compare_mlp.py")


def _mlp():
    x = gd.placeholder(gd.float32, [None, 3], name="x")
    w = gd.Variable(gd.random_normal([3, 4], seed=1), name="w")
    h = gd.tanh(gd.matmul(x, w), name="hidden")
    y = gd.exp(gd.multiply(h, 0.5), name="act")
    loss = gd.reduce_mean(gd.square(y), name="loss")
    return SimpleNamespace(x=x, w=w, h=h, y=y, loss=loss)


def _feeds(x):
    return {x: np.linspace(-1, 1, 15, dtype=np.float32).reshape(5, 3)}


def test_agreeing_graph_passes_with_timings():
    m = _mlp()
    report = runtime.compare(
        [m.loss, m.y, m.w], _feeds(m.x), init=gd.global_variables_initializer(), repeats=3
    )
    assert isinstance(report, CompareReport) and report.ok
    assert [d.name for d in report.fetches] == ["loss:0", "act:0", "w:0"]
    assert all(d.ok and d.max_abs <= 1e-5 for d in report.fetches)
    assert report.fetches[2].max_abs == 0.0  # variables start from the same values
    assert report.reference_s > 0 and report.test_s > 0 and report.speedup > 0
    text = str(report)
    assert "loss:0" in text and "speedup" in text and text.splitlines()[-1] == "PASS"


def test_injected_divergence_fails_and_per_node_names_the_node(monkeypatch):
    m = _mlp()
    tanh = get_op_def("Tanh")
    lower = tanh.lower
    monkeypatch.setattr(tanh, "lower", lambda inputs, attrs, ctx: lower(inputs, attrs, ctx) + 1e-3)
    report = runtime.compare(
        [m.loss, m.y], _feeds(m.x), init=gd.global_variables_initializer(), per_node=True
    )
    assert not report.ok
    assert [d.ok for d in report.fetches] == [False, False]
    div = report.divergence
    assert div is not None and div.node == "hidden" and div.op_type == "Tanh"
    assert "tanh 'hidden' (test_compare.py:" in div.where  # the user's source line
    assert div.diff.max_abs == pytest.approx(1e-3, rel=1e-2)
    assert div.disagreeing >= 3  # hidden, act, loss (and what lies between)
    text = str(report)
    assert "first divergence at tanh 'hidden'" in text and "FAIL" in text
    monkeypatch.undo()
    assert runtime.compare([m.loss, m.y], _feeds(m.x), init=gd.global_variables_initializer()).ok


def test_per_node_on_an_agreeing_graph_checks_every_intermediate():
    m = _mlp()
    report = runtime.compare(m.loss, _feeds(m.x), init=gd.global_variables_initializer(), per_node=True)
    assert report.ok and report.divergence is None and report.checked_nodes >= 6
    assert "intermediate tensors agree" in str(report)


def test_loose_tolerances_accept_a_small_divergence(monkeypatch):
    m = _mlp()
    exp = get_op_def("Exp")
    lower = exp.lower
    monkeypatch.setattr(exp, "lower", lambda inputs, attrs, ctx: lower(inputs, attrs, ctx) * (1 + 1e-3))
    init = gd.global_variables_initializer()
    assert not runtime.compare(m.y, _feeds(m.x), init=init).ok
    assert runtime.compare(m.y, _feeds(m.x), init=init, rtol=1e-2, atol=1e-3).ok


def test_training_step_and_random_ops_agree_from_the_same_state():
    m = _mlp()
    noise = gd.random_uniform([5, 4], seed=5, name="noise")
    step = gd.assign_sub(m.w, 0.1 * m.w, name="step")
    train = gd.group(step, name="train")
    report = runtime.compare(
        [gd.add(m.y, noise), step, train], _feeds(m.x), init=gd.global_variables_initializer(), per_node=True
    )
    assert report.ok, str(report)
    assert len(report.fetches) == 2  # the group op runs but has no value


def test_fetching_only_ops_says_so():
    w = gd.Variable(np.ones(2, np.float32), name="w")
    report = runtime.compare(w.initializer)
    assert report.ok and report.fetches == [] and "nothing to compare" in str(report)


def test_diff_rules():
    assert tolerance(np.float32) == (1e-4, 1e-5) and tolerance(np.int32) == (0.0, 0.0)
    assert diff("a", np.array([1, 2]), np.array([1, 2])).ok
    bad = diff("a", np.array([1, 2]), np.array([1, 3]))
    assert not bad.ok and bad.max_abs == 1 and "(1,)" in bad.note
    assert diff("n", np.array([np.nan, np.inf, 1.0]), np.array([np.nan, np.inf, 1.0])).ok
    assert not diff("n", np.array([np.nan, 1.0]), np.array([0.0, 1.0])).ok
    assert not diff("s", np.zeros(3), np.zeros(4)).ok
    assert not diff("d", np.zeros(3, np.float32), np.zeros(3, np.float64)).ok
    assert diff("f", np.float32(1.0), np.float32(1.0 + 5e-5)).ok
    assert not diff("f", np.float32(1.0), np.float32(1.0 + 5e-4)).ok
    assert diff("e", np.zeros((0, 3)), np.zeros((0, 3))).ok


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "graphdl.cli", "compare", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=full_env,
        check=False,
    )


def test_cli_exits_0_when_all_fetches_agree():
    out = _cli(SCRIPT, "--repeats", "2")
    assert out.returncode == 0, out.stderr
    assert "tiny MLP: xla vs interpreter" in out.stdout and "loss:0" in out.stdout
    assert out.stdout.strip().endswith("PASS")


def test_cli_exits_1_and_names_the_node_on_divergence():
    out = _cli(SCRIPT, "--per-node", "--repeats", "1", env={"COMPARE_BREAK": "1"})
    assert out.returncode == 1, out.stdout + out.stderr
    assert "skewed_sum:0" in out.stdout and "FAIL" in out.stdout
    assert "first divergence at compare_test_skew 'skew' (compare_mlp.py:" in out.stdout


def test_cli_exits_2_on_a_bad_script(tmp_path):
    assert _cli(str(tmp_path / "missing.py")).returncode == 2
    bad = tmp_path / "nobuild.py"
    bad.write_text("x = 1\n")
    out = _cli(str(bad))
    assert out.returncode == 2 and "build()" in out.stderr
