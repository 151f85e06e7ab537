"""tf.summary and FileWriter, checked byte for byte against what TensorFlow writes.

`data/tf_summaries.json` holds TensorFlow 2.21's `tf.compat.v1.summary` outputs, an Event and a
TFRecord file for fixed inputs (made by `data/make_tf_summaries.py`).
"""

from __future__ import annotations

import json
import os
import struct
import zlib

import numpy as np
import pytest

import graphdl as tf
from graphdl.events import proto
from graphdl.events.writer import crc32c, tfrecord

BACKENDS = ["xla", "interpreter"]
with open(os.path.join(os.path.dirname(__file__), "data", "tf_summaries.json"), encoding="utf-8") as _f:
    REF = json.load(_f)


def decode_png(data: bytes) -> np.ndarray:
    """Our own reader for the unfiltered 8-bit PNGs graphdl writes (checks every chunk's CRC)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n : pos + 12 + n])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + n
    w, h, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    c = {0: 1, 2: 3, 6: 4}[color]
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(h, 1 + w * c)
    assert depth == 8 and not rows[:, 0].any()
    return rows[:, 1:].reshape(h, w, c)


def images_of(summary: bytes) -> list[dict]:
    """(tag, h, w, c, pixels) of each image value, parsed from the wire format."""
    out = []
    pos = 0
    while pos < len(summary):
        assert summary[pos] == 0x0A  # Summary.value, length-delimited
        n, pos = _varint(summary, pos + 1)
        value, pos = summary[pos : pos + n], pos + n
        fields = _fields(value)
        image = _fields(fields[4])
        out.append(
            {
                "tag": fields[1].decode(),
                "h": image[1],
                "w": image[2],
                "c": image[3],
                "pixels": decode_png(image[4]).tolist(),
            }
        )
    return out


def _varint(b: bytes, pos: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        byte = b[pos]
        result |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return result, pos
        shift += 7


def test_crc32c_check_value() -> None:
    assert crc32c(b"123456789") == 0xE3069283  # the standard CRC-32C check value
    assert crc32c(b"") == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_scalar_histogram_merge_match_tensorflow(backend: str) -> None:
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None], name="values")
        s_scalar = tf.summary.scalar("loss", tf.reduce_max(x) - 98.5)
        s_hist = tf.summary.histogram("x", x)
        merged = tf.summary.merge([s_scalar, s_hist])
        loss = tf.reduce_sum(x)
    sess = tf.Session(graph=g, backend=backend)
    out = sess.run(
        {"s": s_scalar, "h": s_hist, "m": merged, "loss": loss}, {x: np.array(REF["hist_values"], np.float32)}
    )
    assert out["s"] == bytes.fromhex(REF["scalar"])
    assert out["h"] == bytes.fromhex(REF["hist"])
    assert out["m"] == bytes.fromhex(REF["merged"])
    assert out["loss"] == pytest.approx(sum(REF["hist_values"]), rel=1e-6)
    assert isinstance(sess.run(merged, {x: [1.0]}), bytes)  # a bare summary fetch is bytes too


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("key", "max_outputs"), [("img", 3), ("neg", 3), ("rgb", 2)])
def test_images_match_tensorflow_pixels(backend: str, key: str, max_outputs: int) -> None:
    g = tf.Graph()
    with g.as_default():
        summary = tf.summary.image(
            key, tf.constant(np.array(REF[f"{key}_input"], np.float32)), max_outputs=max_outputs
        )
    got = images_of(tf.Session(graph=g, backend=backend).run(summary))
    assert got == REF[key]


def test_event_and_tfrecord_bytes_match_tensorflow() -> None:
    scalar = bytes.fromhex(REF["scalar"])
    event = proto.event(1234.5, 7, summary=scalar)
    first = proto.event(1000.25, file_version="brain.Event:2")
    assert event == bytes.fromhex(REF["event"])
    assert first == bytes.fromhex(REF["first_event"])
    assert tfrecord(first) + tfrecord(event) == bytes.fromhex(REF["tfrecords"])


def test_names_scopes_families_and_merge_all() -> None:
    g = tf.Graph()
    with g.as_default():
        assert tf.summary.merge_all() is None  # TF1: nothing to merge
        v = tf.constant(2.0)
        with tf.name_scope("train"):
            a = tf.summary.scalar("loss value", v)  # invalid characters become '_'
            b = tf.summary.scalar("loss value", v)
        c = tf.summary.scalar("acc", v, family="eval")
        d = tf.summary.scalar("hidden", v, collections=["mine"])
        merged = tf.summary.merge_all()
        mine = tf.summary.merge_all(key="mine")
    assert (a.op.name, b.op.name, c.op.name) == ("train/loss_value", "train/loss_value_1", "eval/acc")
    assert g.get_collection("summaries") == [a, b, c] and g.get_collection("mine") == [d]
    assert [t.name for t in merged.op.inputs] == [a.name, b.name, c.name]
    s = tf.Session(graph=g)
    out = s.run(merged)
    assert out == proto.scalar_value("train/loss_value", 2.0) + proto.scalar_value(
        "train/loss_value_1", 2.0
    ) + proto.scalar_value("eval/eval/acc", 2.0)
    assert s.run(mine) == proto.scalar_value("hidden", 2.0)


def test_build_errors() -> None:
    g = tf.Graph()
    with g.as_default():
        with pytest.raises(tf.ShapeError, match=r"summary\.scalar needs a scalar"):
            tf.summary.scalar("v", tf.constant([1.0, 2.0]))
        with pytest.raises(tf.ShapeError, match=r"\[batch, height, width, 1\|3\|4\]"):
            tf.summary.image("i", tf.zeros([1, 2, 2, 2]))
        with pytest.raises(tf.DTypeError, match="float or uint8"):
            tf.summary.image("i", tf.zeros([1, 2, 2, 1], tf.int32))
        with pytest.raises(tf.DTypeError, match="string tensors"):
            tf.summary.merge([tf.constant(1.0)])
        with pytest.raises(tf.GraphError, match="at least one"):
            tf.summary.merge([])
        s = tf.summary.scalar("s", tf.constant(1.0))
        with pytest.raises(tf.GraphError, match="max_outputs"):
            tf.summary.image("i", tf.zeros([1, 2, 2, 1]), max_outputs=0)
        bad = tf.identity(s)  # a summary fed into another op cannot be compiled
    with pytest.raises(tf.errors.BackendError, match=r"run on the host"):
        tf.Session(graph=g).run(bad)


def test_file_writer_writes_tfrecords_of_events(tmp_path) -> None:
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None], name="x")
        with tf.device("/cpu:0"):
            loss = tf.reduce_mean(tf.square(x), name="mse")
        summary = tf.summary.scalar("loss", loss)
    sess = tf.Session(graph=g)
    with tf.summary.FileWriter(str(tmp_path / "logs"), sess.graph) as writer:
        for step in range(3):
            writer.add_summary(sess.run(summary, {x: [float(step), 1.0]}), global_step=step)
        path = writer.path
    assert os.path.basename(path).startswith("events.out.tfevents.")
    with open(path, "rb") as f:
        data = f.read()
    records = []
    pos = 0
    while pos < len(data):
        (n,) = struct.unpack("<Q", data[pos : pos + 8])
        body = data[pos + 12 : pos + 12 + n]
        assert tfrecord(body) == data[pos : pos + 16 + n]  # framing and both checksums
        records.append(_fields(body))
        pos += 16 + n
    assert records[0][3] == b"brain.Event:2"  # file_version first, as TensorFlow writes it
    graph_def = records[1][4]
    assert b"mse" in graph_def and b"/device:CPU:0" in graph_def and b"Square" in graph_def
    steps = [r.get(2, 0) for r in records[2:]]
    assert steps == [0, 1, 2]
    assert [r[5] for r in records[2:]] == [proto.scalar_value("loss", v) for v in (0.5, 1.0, 2.5)]
    with pytest.raises(tf.GraphError, match="closed"):
        writer.add_summary(records[2][5])
    writer.reopen()
    with pytest.raises(tf.GraphError, match="serialized Summary"):
        writer.add_summary(3.0)
    writer.close()


def _fields(b: bytes) -> dict[int, object]:
    out: dict[int, object] = {}
    pos = 0
    while pos < len(b):
        key, pos = _varint(b, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            out[field], pos = _varint(b, pos)
        elif wire == 1:
            out[field], pos = struct.unpack("<d", b[pos : pos + 8])[0], pos + 8
        elif wire == 2:
            n, pos = _varint(b, pos)
            out[field], pos = b[pos : pos + n], pos + n
        else:
            raise AssertionError(wire)
    return out


def test_drawings_style_summaries() -> None:
    from graphdl import viz

    g = tf.Graph()
    with g.as_default():
        tf.summary.scalar("loss", tf.constant(1.0))
    src = viz.draw(g).source
    assert "summary (for TensorBoard)" in src and "shape=note" in src


def test_image_scaling_rules() -> None:
    from graphdl.ops.summary_ops import to_uint8_images

    u8 = np.arange(12, dtype=np.uint8).reshape(1, 2, 2, 3)
    assert to_uint8_images(u8) is u8
    rgb = np.array([[[[0.0, 0.5, 1.0], [np.nan, 0.0, 0.0]]]], np.float32)  # one pixel not finite
    assert to_uint8_images(rgb).tolist() == [[[[0, 127, 255], [255, 0, 0]]]]  # TF1's bad_color: red
    flat = np.zeros((1, 1, 2, 1), np.float32)
    assert to_uint8_images(flat).tolist() == [[[[0], [0]]]]  # all zero: scale 0, no division


def test_add_run_metadata_writes_the_traced_steps(tmp_path) -> None:
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None], name="x")
        loss = tf.reduce_mean(tf.square(x), name="mse")
    sess = tf.Session(graph=g)
    md = tf.RunMetadata()
    sess.run(
        loss, {x: [1.0, 2.0]}, options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE), run_metadata=md
    )
    with tf.summary.FileWriter(str(tmp_path)) as writer:
        writer.add_run_metadata(md, "step7", global_step=7)
        path = writer.path
        with pytest.raises(tf.GraphError, match="RunMetadata"):
            writer.add_run_metadata(object(), "bad")
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    second = data[16 + n :]  # after the file_version event
    (m,) = struct.unpack("<Q", second[:8])
    event = _fields(second[12 : 12 + m])
    assert event[2] == 7
    tagged = _fields(event[8])  # Event.tagged_run_metadata
    assert tagged[1] == b"step7"
    dev = _fields(_fields(_fields(tagged[2])[1])[1])  # RunMetadata.step_stats.dev_stats
    assert b"CPU" in dev[1].upper()
    node = _fields(dev[2])  # the last NodeExecStats
    names = [ns.node_name for d in md.step_stats.dev_stats for ns in d.node_stats]
    assert node[1].decode() == names[-1] and node[2] > 0  # name and all_start_micros


def test_summary_protocol_buffer_made_in_python(tmp_path) -> None:
    """tf.Summary as cifar10_eval.py uses it: parse a fetched summary, add a value, write it."""
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None])
        merged = tf.summary.merge(
            [tf.summary.scalar("loss", tf.reduce_mean(x)), tf.summary.histogram("x", x)]
        )
    fetched = tf.Session(graph=g).run(merged, {x: [1.0, 2.0, 4.0]})
    summary = tf.Summary()
    summary.ParseFromString(fetched)
    assert [v.tag for v in summary.value] == ["loss", "x"]
    assert summary.value[0].simple_value == pytest.approx(7.0 / 3.0) and summary.value[0].HasField(
        "simple_value"
    )
    assert summary.SerializeToString() == bytes(fetched)  # the histogram's bytes are kept as they were
    summary.value.add(tag="Precision @ 1", simple_value=0.75)
    assert summary.SerializeToString() == bytes(fetched) + proto.scalar_value("Precision @ 1", 0.75)
    # TensorFlow 2.21's tf.compat.v1.Summary(...).SerializeToString() for the same two values
    made = tf.Summary(value=[tf.Summary.Value(tag="a", simple_value=1.0)])
    made.value.add(tag="Precision @ 1", simple_value=0.75)
    assert made.SerializeToString() == b"\n\x08\n\x01a\x15\x00\x00\x80?\n\x14\n\rPrecision @ 1\x15\x00\x00@?"
    assert tf.summary.Summary is tf.Summary
    with tf.summary.FileWriter(str(tmp_path)) as writer:
        writer.add_summary(made, global_step=7)
        path = writer.path
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    last = data[16 + n :]
    (m,) = struct.unpack("<Q", last[:8])
    event = _fields(last[12 : 12 + m])
    assert event[2] == 7 and event[5] == made.SerializeToString()
    with pytest.raises(tf.GraphError, match="no field"):
        tf.Summary.Value(tag="a", color=1)
    with pytest.raises(tf.GraphError, match="truncated"):
        tf.Summary().ParseFromString(b"\n\x08\n\x01a")
