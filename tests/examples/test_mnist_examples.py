"""The MNIST examples end to end: on a slice of MNIST by default, in full (with accuracy targets) when slow."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from types import ModuleType

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EXAMPLES = os.path.join(ROOT, "examples")
LAST_LINE = re.compile(r"^test accuracy: (0\.\d{4}|1\.0000)$")


def _load(name: str) -> ModuleType:
    if EXAMPLES not in sys.path:
        sys.path.insert(0, EXAMPLES)
    spec = importlib.util.spec_from_file_location(f"examples_{name}", os.path.join(EXAMPLES, f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _last_line(text: str) -> float:
    last = text.strip().splitlines()[-1]
    m = LAST_LINE.match(last)
    assert m, f"last line {last!r}"
    return float(m.group(1))


def _needs(*names: str) -> None:
    import graphdl as tf

    for n in names:
        obj: object = tf
        for part in n.split("."):
            obj = getattr(obj, part, None)
            assert obj is not None, f"tf.{n} is missing"


NEEDS = {
    "mnist_mlp": (),
    "mnist_cnn": ("nn.conv2d", "nn.max_pool", "reshape"),
    "mnist_lstm": ("nn.static_rnn", "nn.rnn_cell.BasicLSTMCell", "unstack", "reshape"),
}
FAST = {  # (training images, test images, floor on the test accuracy after one epoch)
    "mnist_mlp": (3000, 2000, 0.75),
    "mnist_cnn": (2000, 1000, 0.5),
    "mnist_lstm": (2000, 1000, 0.3),
}
TARGET = {"mnist_mlp": 0.97, "mnist_cnn": 0.99, "mnist_lstm": 0.97}


@pytest.mark.parametrize("name", sorted(FAST))
def test_example_on_a_slice(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    _needs(*NEEDS[name])
    n_train, n_test, floor = FAST[name]
    acc = _load(name).main(
        ["--epochs", "1", "--limit", str(n_train), "--test-limit", str(n_test), "--no-progress"]
    )
    out = capsys.readouterr().out
    assert _last_line(out) == pytest.approx(acc, abs=1e-4)
    assert acc > floor


def test_mlp_command_line_interpreter_backend(tmp_path: object) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, os.path.join(EXAMPLES, "mnist_mlp.py"), "--backend", "interpreter", "--epochs", "1",
           "--limit", "1000", "--test-limit", "1000", "--batch-size", "50"]  # fmt: skip
    proc = subprocess.run(cmd, cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert _last_line(proc.stdout) > 0.5
    assert "epoch 1/1" in proc.stderr  # the tqdm bar
    assert "acc=" in proc.stderr and "loss=" in proc.stderr


@pytest.mark.parametrize("name", sorted(FAST))
def test_example_render(name: str, tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    _needs(*NEEDS[name], "viz")
    d = os.path.join(str(tmp_path), "drawings")
    _load(name).main(
        ["--epochs", "1", "--limit", "200", "--test-limit", "200", "--no-progress", "--render", d]
    )
    files = os.listdir(d)
    assert any(f.startswith(f"{name}_forward") for f in files), files
    assert any(f.startswith(f"{name}_gradient") for f in files), files


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TARGET))
def test_example_full(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    _needs(*NEEDS[name])
    acc = _load(name).main(["--no-progress"])
    assert _last_line(capsys.readouterr().out) == pytest.approx(acc, abs=1e-4)
    assert acc >= TARGET[name]
