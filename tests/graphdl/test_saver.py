"""tf.train.Saver: save and restore on both backends, the state file, mismatches, atomic files."""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import pytest

import graphdl as tf
from graphdl.train import checkpoint_io

BACKENDS = ["xla", "interpreter"]


def model(seed: int = 0) -> dict:
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        y = tf.layers.dense(x, 2, name="dense", kernel_initializer=tf.random_normal_initializer(seed=seed))
        loss = tf.reduce_mean(tf.square(y))
        step = tf.train.get_or_create_global_step()
        train = tf.train.AdamOptimizer(0.1).minimize(loss, global_step=step)
        init = tf.global_variables_initializer()
    return {"graph": g, "x": x, "loss": loss, "train": train, "init": init, "step": step}


def feed(m: dict) -> dict:
    return {m["x"]: np.arange(12, dtype=np.float32).reshape(4, 3) / 10}


@pytest.mark.parametrize("backend", BACKENDS)
def test_save_restore_round_trip_and_training_resumes(tmp_path, backend: str) -> None:
    m = model()
    with m["graph"].as_default():
        saver = tf.train.Saver(max_to_keep=2)
    s = tf.Session(graph=m["graph"], backend=backend)
    s.run(m["init"])
    for _ in range(3):
        s.run(m["train"], feed(m))
    prefix = saver.save(s, str(tmp_path / "model.ckpt"), global_step=m["step"])
    assert prefix == str(tmp_path / "model.ckpt-3")
    saved = s.variable_values()
    after_save = s.run(m["loss"], feed(m))
    s.run(m["train"], feed(m))  # move on, then come back

    # a fresh session of a fresh graph built the same way, on the other backend too
    m2 = model(seed=5)
    with m2["graph"].as_default():
        saver2 = tf.train.Saver()
    for b in BACKENDS:
        s2 = tf.Session(graph=m2["graph"], backend=b)
        saver2.restore(s2, tf.train.latest_checkpoint(str(tmp_path)))
        got = s2.variable_values()
        assert set(got) == set(saved)
        for k in saved:
            np.testing.assert_array_equal(got[k], saved[k])
        np.testing.assert_allclose(s2.run(m2["loss"], feed(m2)), after_save, rtol=1e-6)
        # Adam's slots were restored too: the next step matches the original session's next step
        s2.run(m2["train"], feed(m2))
        np.testing.assert_allclose(s2.run(m2["loss"], feed(m2)), s.run(m["loss"], feed(m)), rtol=1e-5)
        assert s2.run(m2["step"]) == 4


def test_state_file_max_to_keep_and_helpers(tmp_path) -> None:
    m = model()
    with m["graph"].as_default():
        saver = tf.train.Saver(max_to_keep=2)
    s = tf.Session(graph=m["graph"])
    s.run(m["init"])
    prefixes = [saver.save(s, str(tmp_path / "run" / "m"), global_step=i) for i in range(4)]
    folder = str(tmp_path / "run")
    assert sorted(os.listdir(folder)) == [
        "checkpoint", "m-2.meta", "m-2.meta.npz", "m-2.npz", "m-3.meta", "m-3.meta.npz", "m-3.npz",
    ]  # fmt: skip
    assert saver.last_checkpoints == prefixes[2:]
    assert tf.train.latest_checkpoint(folder) == prefixes[3]
    state = tf.train.get_checkpoint_state(folder)
    assert state.model_checkpoint_path == prefixes[3] and state.all_model_checkpoint_paths == prefixes[2:]
    with open(os.path.join(folder, "checkpoint"), encoding="utf-8") as f:
        assert f.readline() == 'model_checkpoint_path: "m-3"\n'  # TF1's text format, relative paths
    assert tf.train.checkpoint_exists(prefixes[3]) and not tf.train.checkpoint_exists(prefixes[0])
    names = dict(tf.train.list_variables(folder))
    assert names["dense/kernel"] == [3, 2] and names["global_step"] == []
    np.testing.assert_array_equal(tf.train.load_variable(prefixes[3], "dense/bias"), s.run("dense/bias:0"))
    with pytest.raises(tf.CheckpointError, match=r"it holds: .*dense/kernel"):
        tf.train.load_variable(folder, "nope")
    assert tf.train.latest_checkpoint(str(tmp_path)) is None
    assert tf.train.get_checkpoint_state(str(tmp_path)) is None


def test_restore_reports_every_mismatch_and_changes_nothing(tmp_path) -> None:
    g = tf.Graph()
    with g.as_default():
        a = tf.Variable(np.ones((2, 3), np.float32), name="a")
        b = tf.Variable(np.zeros(4, np.int32), name="b")
        c = tf.Variable(np.float32(7), name="c")
        saver = tf.train.Saver()
    s = tf.Session(graph=g)
    s.run(tf.variables_initializer([a, b, c]))
    prefix = saver.save(s, str(tmp_path / "ck"))

    g2 = tf.Graph()
    with g2.as_default():
        a2 = tf.Variable(np.ones((3, 2), np.float32), name="a")  # wrong shape
        b2 = tf.Variable(np.zeros(4, np.float32), name="b")  # wrong dtype
        c2 = tf.Variable(np.float32(1), name="c")  # fits
        d2 = tf.Variable(np.float32(1), name="d")  # not in the checkpoint
        saver2 = tf.train.Saver()
    s2 = tf.Session(graph=g2)
    s2.run([v.initializer for v in (a2, b2, c2, d2)])
    before = s2.variable_values()
    with pytest.raises(tf.CheckpointError) as info:
        saver2.restore(s2, prefix)
    msg = str(info.value)
    assert "3 mismatch(es); nothing was changed" in msg
    assert (
        "'a' has shape [2, 3]" in msg
        and "'b' has dtype int32" in msg
        and "'d' is not in the checkpoint" in msg
    )
    after = s2.variable_values()
    for k in before:
        np.testing.assert_array_equal(after[k], before[k])  # c was not restored either

    # a var_list dict maps other names onto the checkpoint's
    with g2.as_default():
        only_c = tf.train.Saver({"c": d2})
    only_c.restore(s2, prefix)
    assert s2.run(d2) == 7.0


def test_errors(tmp_path) -> None:
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(1.0, name="v")
        with pytest.raises(tf.CheckpointError, match="no variables"):
            tf.train.Saver(var_list=[])
        saver = tf.train.Saver([v])
    s = tf.Session(graph=g)
    with pytest.raises(tf.UninitializedVariableError, match="'v'"):
        saver.save(s, str(tmp_path / "x"))
    assert not os.listdir(tmp_path)  # nothing written
    with pytest.raises(tf.CheckpointError, match="no checkpoint at"):
        saver.restore(s, str(tmp_path / "missing"))
    with pytest.raises(tf.CheckpointError, match="None"):
        saver.restore(s, None)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(tf.CheckpointError, match="not a readable"):
        saver.restore(s, str(tmp_path / "bad"))
    # an .npz without our manifest is refused, and loading never unpickles
    np.savez(tmp_path / "plain.npz", v=np.float32(3))
    with pytest.raises(tf.CheckpointError, match="manifest"):
        saver.restore(s, str(tmp_path / "plain"))
    with zipfile.ZipFile(tmp_path / "obj.npz", "w") as z:
        with z.open("v.npy", "w") as f:
            np.lib.format.write_array(f, np.array([object()], dtype=object), allow_pickle=True)
        with z.open(checkpoint_io.MANIFEST + ".npy", "w") as f:
            manifest = (
                b'{"format": "graphdl-checkpoint-1", "variables": {"v": {"dtype": "float32", "shape": []}}}'
            )
            np.lib.format.write_array(f, np.frombuffer(manifest, np.uint8))
    with pytest.raises((tf.CheckpointError, ValueError)):
        saver.restore(s, str(tmp_path / "obj"))


def test_atomic_write_leaves_the_old_checkpoint_whole(tmp_path, monkeypatch) -> None:
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(np.float32(1.0), name="v")
        bump = v.assign(2.0)
        saver = tf.train.Saver()
    s = tf.Session(graph=g)
    s.run(v.initializer)
    prefix = saver.save(s, str(tmp_path / "m"), write_state=False, write_meta_graph=False)
    s.run(bump)

    def crash(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint_io.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        saver.save(s, str(tmp_path / "m"), write_state=False, write_meta_graph=False)
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]  # no temporary file left behind
    assert tf.train.load_variable(prefix, "v") == 1.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_import_meta_graph_then_restore_and_keep_training(tmp_path, backend: str) -> None:
    m = model()
    with m["graph"].as_default():
        saver = tf.train.Saver()
        tf.add_to_collection("my_train", m["train"])
    s = tf.Session(graph=m["graph"])
    s.run(m["init"])
    s.run(m["train"], feed(m))
    prefix = saver.save(s, str(tmp_path / "model"), global_step=m["step"])
    expected = s.run(m["loss"], feed(m))
    s.run(m["train"], feed(m))
    expected_next = s.run(m["loss"], feed(m))

    g2 = tf.Graph()
    with g2.as_default():
        saver2 = tf.train.import_meta_graph(prefix + ".meta")
    assert [op.name for op in g2.get_operations()] == [op.name for op in m["graph"].get_operations()]
    assert [v.name for v in g2.get_collection("trainable_variables")] == ["dense/kernel:0", "dense/bias:0"]
    s2 = tf.Session(graph=g2, backend=backend)
    saver2.restore(s2, tf.train.latest_checkpoint(str(tmp_path)))
    x2, loss2 = g2.get_tensor_by_name("x:0"), g2.get_tensor_by_name(m["loss"].name)
    batch = feed(m)[m["x"]]
    np.testing.assert_allclose(s2.run(loss2, {x2: batch}), expected, rtol=1e-6)
    (train2,) = g2.get_collection("my_train")
    s2.run(train2, {x2: batch})
    np.testing.assert_allclose(s2.run(loss2, {x2: batch}), expected_next, rtol=1e-5)
    assert s2.run(g2.get_collection("global_step")[0]) == 2
    op = g2.get_operation_by_name("dense/MatMul")
    assert op.source == m["graph"].get_operation_by_name("dense/MatMul").source  # the user's line kept


def test_graph_files_round_trip_attrs_and_refuse_bad_input(tmp_path) -> None:
    from graphdl import serialize

    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 4, 4, 1], name="x")
        with tf.device("/cpu:0"):
            y = tf.layers.conv2d(x, 2, 3, padding="same", name="conv")
        z = tf.reduce_max(tf.nn.max_pool(y, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"), axis=[1, 2])
    path = serialize.write_graph(g, str(tmp_path / "g.json"))
    g2 = serialize.read_graph(path, tf.Graph())
    for a, b in zip(g.get_operations(), g2.get_operations(), strict=True):
        assert (a.name, a.type, a.device, a.scope) == (b.name, b.type, b.device, b.scope)
        assert [t.name for t in a.inputs] == [t.name for t in b.inputs]
        assert [t.shape.as_list() if t.shape.dims is not None else None for t in a.outputs] == [
            t.shape.as_list() if t.shape.dims is not None else None for t in b.outputs
        ]
        assert a.attrs.keys() == b.attrs.keys()
    xs = np.random.default_rng(0).standard_normal((2, 4, 4, 1)).astype(np.float32)
    s1, s2 = tf.Session(graph=g), tf.Session(graph=g2)
    s1.run([v.initializer for v in g.get_collection("variables")])
    pairs = zip(g.get_collection("variables"), g2.get_collection("variables"), strict=True)
    s2.load_variables({v2: s1.run(v1) for v1, v2 in pairs})
    np.testing.assert_allclose(
        s2.run(g2.get_tensor_by_name(z.name), {"x:0": xs}), s1.run(z, {x: xs}), rtol=1e-6
    )

    with pytest.raises(tf.GraphError, match="already has op"):
        serialize.read_graph(path, g)  # importing twice into one graph
    doc = json.loads((tmp_path / "g.json").read_text())
    doc["ops"][3]["type"] = "NoSuchOp"
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    os.link(tmp_path / "g.json.npz", tmp_path / "bad.json.npz")
    with pytest.raises(tf.GraphError, match=f"cannot import op '{doc['ops'][3]['name']}'"):
        serialize.read_graph(str(tmp_path / "bad.json"), tf.Graph())
    (tmp_path / "junk.json").write_text("{not json")
    with pytest.raises(tf.GraphError, match="not a readable graphdl graph"):
        serialize.read_graph(str(tmp_path / "junk.json"), tf.Graph())
    with pytest.raises(tf.GraphError, match="no graph file"):
        serialize.read_graph(str(tmp_path / "missing.json"), tf.Graph())
