"""What the monitored-session and Supervisor tests share: the fixtures' linear regression and a reader of
TensorBoard event files written independently of graphdl's writer (TFRecord framing, protobuf fields)."""

from __future__ import annotations

import contextlib
import os
import struct
from typing import Any

import numpy as np

import graphdl as tf


def regression(device: str | None = None) -> tuple[tf.Graph, dict[str, Any]]:
    """The fixture's linear regression: y = 3x + 1 fitted by gradient descent with a global step."""
    g = tf.Graph()
    with g.as_default(), tf.device(device) if device else contextlib.nullcontext():
        gs = tf.train.get_or_create_global_step()
        x = tf.constant(np.arange(8, dtype=np.float32).reshape(8, 1))
        y = 3 * x + 1
        w = tf.Variable(tf.zeros([1, 1]), name="w")
        b = tf.Variable(tf.zeros([1]), name="b")
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
        tf.summary.scalar("loss", loss)
        train = tf.train.GradientDescentOptimizer(0.01).minimize(loss, global_step=gs)
    return g, {"gs": gs, "w": w, "b": b, "loss": loss, "train": train}


def _varint(b: bytes, pos: int) -> tuple[int, int]:
    out = shift = 0
    while True:
        byte = b[pos]
        pos += 1
        out |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return out, pos


def fields(b: bytes) -> list[tuple[int, Any]]:
    """A protobuf message's (field number, value) pairs, in order."""
    out: list[tuple[int, Any]] = []
    pos = 0
    while pos < len(b):
        key, pos = _varint(b, pos)
        field, wire = key >> 3, key & 7
        value: Any
        if wire == 0:
            value, pos = _varint(b, pos)
        elif wire == 1:
            value, pos = struct.unpack("<d", b[pos : pos + 8])[0], pos + 8
        elif wire == 5:
            value, pos = struct.unpack("<f", b[pos : pos + 4])[0], pos + 4
        elif wire == 2:
            n, pos = _varint(b, pos)
            value, pos = b[pos : pos + n], pos + n
        else:
            raise AssertionError(wire)
        out.append((field, value))
    return out


def read_events(logdir: str) -> tuple[list[tuple[str, int, float]], list[tuple[int, int]], int]:
    """Scalar summaries (tag, step, value), session logs (status, step) and the number of graph
    events, over every event file of `logdir` (TensorBoard's TFRecord framing)."""
    scalars: list[tuple[str, int, float]] = []
    logs: list[tuple[int, int]] = []
    graphs = 0
    for name in sorted(os.listdir(logdir)):
        if not name.startswith("events.out.tfevents."):
            continue
        with open(os.path.join(logdir, name), "rb") as f:
            data = f.read()
        pos = 0
        while pos < len(data):
            (n,) = struct.unpack("<Q", data[pos : pos + 8])
            if pos + 12 + n + 4 > len(data):
                break  # a record still being written by a service thread
            event = dict(fields(data[pos + 12 : pos + 12 + n]))
            pos += 12 + n + 4
            step = int(event.get(2, 0))
            if 4 in event:
                graphs += 1
            if 5 in event:
                for field, value in fields(event[5]):
                    if field == 1:
                        v = dict(fields(value))
                        scalars.append((v[1].decode(), step, float(v[2])))
            if 7 in event:
                logs.append((int(dict(fields(event[7]))[1]), step))
    return scalars, logs, graphs
