"""tf.SessionLog (bytes against TF 2.21), FileWriter.add_session_log and tf.summary.FileWriterCache."""

from __future__ import annotations

import json
import os

import pytest

import graphdl as tf
from tests.graphdl.event_files import read_events

with open(os.path.join(os.path.dirname(__file__), "data", "tf_session_log.json")) as _f:
    TF = json.load(_f)["cases"]


@pytest.mark.parametrize("case", TF, ids=lambda c: f"status={c['status']}")
def test_session_log_bytes_match_tf(case):
    log = tf.SessionLog(status=case["status"], checkpoint_path=case["checkpoint_path"], msg=case["msg"])
    assert log.SerializeToString().hex() == case["hex"]
    back = tf.summary.SessionLog()
    back.ParseFromString(bytes.fromhex(case["hex"]))
    assert (back.status, back.checkpoint_path, back.msg) == (
        case["status"],
        case["checkpoint_path"],
        case["msg"],
    )
    assert back == log


def test_add_session_log_and_writer_cache(tmp_path):
    assert tf.SessionLog.START == 1 and tf.SessionLog.STOP == 2 and tf.SessionLog.CHECKPOINT == 3
    with pytest.raises(tf.errors.GraphError, match="status"):
        tf.SessionLog(status=7)
    logdir = str(tmp_path / "run")
    g = tf.Graph()
    with g.as_default():
        writer = tf.summary.FileWriterCache.get(logdir)
        assert tf.summary.FileWriterCache.get(logdir + "/") is writer  # one writer per directory
        writer.add_session_log(tf.SessionLog(status=tf.SessionLog.START), global_step=5)
        writer.add_session_log(tf.SessionLog(status=tf.SessionLog.CHECKPOINT, checkpoint_path="m-9"), 9)
        with pytest.raises(tf.errors.GraphError, match=r"tf\.SessionLog"):
            writer.add_session_log(b"\x08\x01")
        tf.summary.FileWriterCache.clear()
        with pytest.raises(tf.errors.GraphError, match="closed"):
            writer.add_session_log(tf.SessionLog(status=tf.SessionLog.STOP))
        assert tf.summary.FileWriterCache.get(logdir) is not writer  # cleared: a new writer
        tf.summary.FileWriterCache.clear()
    _, logs, graphs = read_events(logdir)
    assert logs == [(1, 5), (3, 9)] and graphs == 2  # each cached writer wrote the default graph
