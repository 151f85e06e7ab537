"""MNIST IDX reading: small files written here, corrupt files rejected, the real MNIST via GRAPHDL_DATA_DIR."""

from __future__ import annotations

import gzip
import os

import numpy as np
import pytest

from graphdl.datasets import idx, mnist


def _write_set(folder, n_train=30, n_test=10, gz=True):
    rng = np.random.default_rng(0)
    ext = ".gz" if gz else ""
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    for name, arr in arrays.items():
        idx.write_idx(os.path.join(folder, name + ext), arr)
    return arrays


@pytest.fixture
def no_checksums(monkeypatch):
    monkeypatch.setattr(mnist, "SHA256", {})


@pytest.mark.parametrize("gz", [True, False])
def test_read_small_files(tmp_path, no_checksums, gz):
    arrays = _write_set(str(tmp_path), gz=gz)
    ds = mnist.read_data_sets(str(tmp_path), one_hot=True, validation_size=5, download=False)
    assert ds.train.images.shape == (25, 784) and ds.validation.images.shape == (5, 784)
    assert ds.test.labels.shape == (10, 10)
    assert ds.train.images.dtype == np.float32
    assert ds.train.images.min() >= 0.0 and ds.train.images.max() <= 1.0
    np.testing.assert_allclose(
        ds.validation.images[0], arrays["train-images-idx3-ubyte"][0].reshape(-1) / 255.0
    )
    assert ds.validation.labels[0].argmax() == arrays["train-labels-idx1-ubyte"][0]


def test_reshape_false_keeps_images_as_28_by_28_by_1(tmp_path, no_checksums):
    # TF1's reader: reshape=False gives [n, rows, cols, depth 1], what a CNN's placeholder takes
    arrays = _write_set(str(tmp_path))
    ds = mnist.read_data_sets(str(tmp_path), one_hot=True, reshape=False, validation_size=5, download=False)
    assert ds.train.images.shape == (25, 28, 28, 1) and ds.test.images.shape == (10, 28, 28, 1)
    np.testing.assert_allclose(ds.validation.images[0, :, :, 0], arrays["train-images-idx3-ubyte"][0] / 255.0)
    assert ds.train.next_batch(4)[0].shape == (4, 28, 28, 1)


def test_fake_data_and_tf1_positional_order(tmp_path, no_checksums):
    # TF1: read_data_sets(train_dir, fake_data=False, one_hot=False, ...), next_batch(n, fake_data, shuffle);
    # fully_connected_feed.py passes FLAGS.fake_data positionally to both
    fake = mnist.read_data_sets(str(tmp_path / "nothing-here"), True, one_hot=True)
    x, y = fake.train.next_batch(5)
    assert x.shape == (5, 784) and (x == 1).all() and y.shape == (5, 10) and (y.argmax(1) == 0).all()
    assert fake.test.num_examples == 10000
    _write_set(str(tmp_path))
    ds = mnist.read_data_sets(str(tmp_path), False, validation_size=0, seed=1, download=False)
    assert ds.train.labels.ndim == 1  # the positional False was fake_data, not one_hot
    first = ds.train.next_batch(30, False)  # fake_data=False, shuffle stays True
    assert sorted(first[1].tolist()) == sorted(ds.train.labels.tolist())
    assert not np.array_equal(
        first[0], mnist.read_data_sets(str(tmp_path), validation_size=0, download=False).train.images
    )
    xf, yf = ds.train.next_batch(3, True)
    assert (xf == 1).all() and yf.tolist() == [0, 0, 0]


def test_next_batch_shuffles_each_epoch(tmp_path, no_checksums):
    _write_set(str(tmp_path))
    ds = mnist.read_data_sets(str(tmp_path), validation_size=0, seed=1, download=False)
    seen = np.concatenate([ds.train.next_batch(10)[1] for _ in range(3)])
    assert sorted(seen.tolist()) == sorted(ds.train.labels.tolist())
    x, _ = ds.train.next_batch(7)
    assert x.shape == (7, 784) and ds.train.epochs_completed == 1
    x, _ = ds.train.next_batch(30)  # crosses an epoch boundary
    assert x.shape == (30, 784) and ds.train.epochs_completed == 2


def test_wrong_magic_rejected(tmp_path):
    path = tmp_path / "bad"
    path.write_bytes((1234).to_bytes(4, "big") + (0).to_bytes(4, "big"))
    with pytest.raises(idx.DatasetError, match="magic number 1234, expected 2051"):
        idx.parse_idx(idx.read_bytes(str(path)), idx.IMAGES_MAGIC, str(path))


def test_truncated_file_rejected(tmp_path):
    path = str(tmp_path / "t10k-labels-idx1-ubyte")
    idx.write_idx(path, np.arange(10, dtype=np.uint8))
    with open(path, "rb") as f:
        data = f.read()[:-3]
    with pytest.raises(idx.DatasetError, match="header says"):
        idx.parse_idx(data, idx.LABELS_MAGIC, path)


def test_corrupt_gzip_rejected(tmp_path):
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(b"hello world")[:12])
    with pytest.raises(idx.DatasetError, match="corrupt gzip"):
        idx.read_bytes(str(path))


def test_checksum_mismatch_rejected(tmp_path):
    _write_set(str(tmp_path))
    with pytest.raises(idx.DatasetError, match="SHA-256"):
        mnist.load_file("t10k-labels-idx1-ubyte", str(tmp_path), download=False)


def test_missing_files_without_download(tmp_path, monkeypatch):
    monkeypatch.delenv("GRAPHDL_DATA_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(idx.DatasetError, match="not found"):
        mnist.load_file("t10k-labels-idx1-ubyte", str(tmp_path / "none"), download=False)


def test_real_mnist_from_data_dir():
    assert os.environ.get("GRAPHDL_DATA_DIR"), "GRAPHDL_DATA_DIR must point at the shared data"
    ds = mnist.read_data_sets(one_hot=False, download=False)
    assert (
        ds.train.num_examples == 55000
        and ds.validation.num_examples == 5000
        and ds.test.num_examples == 10000
    )
    assert ds.train.images.shape == (55000, 784)
    assert np.bincount(ds.test.labels, minlength=10).tolist() == [
        980,
        1135,
        1032,
        1010,
        982,
        892,
        958,
        1028,
        974,
        1009,
    ]
