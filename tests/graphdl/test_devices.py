"""`tf.device` scopes: TF1's device strings, nesting, device functions and op.device."""

from __future__ import annotations

import pytest

import graphdl as tf
from graphdl.devices import DeviceSpec


@pytest.mark.parametrize(
    ("spec", "canonical"),
    [
        ("/cpu:0", "/device:CPU:0"),
        ("/gpu:1", "/device:GPU:1"),
        ("/device:GPU:0", "/device:GPU:0"),
        ("gpu:0", "/device:GPU:0"),
        ("/GPU:0", "/device:GPU:0"),
        ("/device:cpu:*", "/device:CPU:*"),
        ("/job:localhost/replica:0/task:0/device:CPU:0", "/job:localhost/replica:0/task:0/device:CPU:0"),
        ("/job:ps/task:3", "/job:ps/task:3"),
        ("", ""),
    ],
)
def test_canonical_strings(spec: str, canonical: str) -> None:
    assert DeviceSpec.from_string(spec).to_string() == canonical


@pytest.mark.parametrize("spec", ["/foo:0", "/gpu:x", "/device::0", "/replica:a"])
def test_invalid_strings(spec: str) -> None:
    with pytest.raises(tf.GraphError, match="invalid device specification"):
        DeviceSpec.from_string(spec)


def test_scopes_nest_merge_and_clear() -> None:
    g = tf.Graph()
    with g.as_default():
        free = tf.constant(1.0, name="free")
        with tf.device("/job:worker/task:1"):
            outer = tf.constant(2.0, name="outer")
            with tf.device("/gpu:0"):
                inner = tf.add(outer, free, name="inner")
                with tf.device(None):
                    cleared = tf.identity(inner, name="cleared")
            with g.device("/cpu:0"):
                override = tf.identity(outer, name="override")
        after = tf.identity(free, name="after")
    assert free.op.device == "" and after.op.device == ""
    assert outer.op.device == "/job:worker/task:1"
    assert inner.op.device == "/job:worker/task:1/device:GPU:0"
    assert cleared.op.device == ""
    assert override.op.device == "/job:worker/task:1/device:CPU:0"


def test_device_function_sees_the_op() -> None:
    seen = []

    def pick(op: tf.Operation) -> str:
        seen.append(op.type)
        return "/cpu:0" if op.type == "Const" else "/gpu:0"

    g = tf.Graph()
    with g.as_default(), tf.device(pick):
        a = tf.constant(1.0)
        b = tf.square(a)
    assert (a.op.device, b.op.device) == ("/device:CPU:0", "/device:GPU:0")
    assert seen == ["Const", "Square"]


def test_bad_argument() -> None:
    with pytest.raises(tf.GraphError, match=r"tf\.device expects"), tf.device(3):
        pass


def test_variables_and_layers_take_the_scope() -> None:
    g = tf.Graph()
    with g.as_default(), tf.device("/cpu:0"):
        x = tf.placeholder(tf.float32, [None, 3])
        y = tf.layers.dense(x, 2)
    devices = {op.device for op in g.get_operations()}
    assert devices == {"/device:CPU:0"}
    assert y.op.device == "/device:CPU:0"


def test_drawings_show_pins_in_tooltips() -> None:
    from graphdl import viz

    g = tf.Graph()
    with g.as_default():
        with tf.device("/gpu:0"):
            pinned = tf.square(tf.constant(2.0), name="pinned")
        free = tf.identity(pinned, name="free")
    src = viz.draw(g, legend=False).source
    assert src.count("device /device:GPU:0") == 2  # the constant and the square, not 'free'
    assert free.op.device == ""
