"""tf.logging and tf.app (flags and run) as TF1 programs use them."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap

import pytest

import graphdl as tf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def verbosity():
    saved = tf.logging.get_verbosity()
    yield
    tf.logging.set_verbosity(saved)


def test_levels_and_verbosity(caplog: pytest.LogCaptureFixture, verbosity: None) -> None:
    assert (tf.logging.DEBUG, tf.logging.INFO, tf.logging.WARN, tf.logging.ERROR) == (10, 20, 30, 40)
    caplog.set_level(logging.NOTSET)  # the handler takes everything; the logger's level filters
    tf.logging.set_verbosity(tf.logging.WARN)
    tf.logging.info("hidden %d", 1)
    tf.logging.warning("shown %d", 2)
    tf.logging.set_verbosity(tf.logging.INFO)
    assert tf.logging.get_verbosity() == tf.logging.INFO
    tf.logging.info("now shown %s", "too")
    assert [r.getMessage() for r in caplog.records] == ["shown 2", "now shown too"]
    assert all(r.name == "graphdl" for r in caplog.records)
    assert caplog.records[0].filename == "test_app_logging.py"  # the caller's line, not ours


def test_log_every_n_and_first_n_count_per_line(caplog: pytest.LogCaptureFixture, verbosity: None) -> None:
    caplog.set_level(logging.NOTSET)
    tf.logging.set_verbosity(tf.logging.INFO)
    for i in range(7):
        tf.logging.log_every_n(tf.logging.INFO, "every %d", 3, i)
    for i in range(5):
        tf.logging.log_first_n(tf.logging.INFO, "first %d", 2, i)
    assert [r.getMessage() for r in caplog.records] == ["every 0", "every 3", "every 6", "first 0", "first 1"]


SCRIPT = textwrap.dedent(
    """
    import graphdl as tf

    flags = tf.app.flags
    flags.DEFINE_integer("epochs", 3, "how many epochs")
    flags.DEFINE_string("name", "mlp", "model name")
    flags.DEFINE_boolean("fast", False, "go fast")
    FLAGS = flags.FLAGS

    def main(argv):
        print(FLAGS.epochs, FLAGS.name, FLAGS.fast, argv[1:])
        return 0

    if __name__ == "__main__":
        tf.app.run()
    """
)


def test_app_run_parses_flags_and_calls_main(tmp_path) -> None:
    script = tmp_path / "prog.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(script), *args], env=env, capture_output=True, text=True, timeout=300
        )

    out = run("--epochs=5", "--fast", "extra")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "5 mlp True ['extra']"
    out = run()
    assert out.stdout.strip() == "3 mlp False []"
    out = run("--epochs=x")
    assert out.returncode != 0 and "epochs" in out.stderr
