"""MNIST as TF1's tutorial reader gave it: `read_data_sets(train_dir, one_hot=...)`.

Files are looked for in the given folder, then `$GRAPHDL_DATA_DIR/mnist`, then
`~/.cache/graphdl/mnist`; they are downloaded (and checked by SHA-256) only when none holds them.
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from graphdl.datasets.idx import IMAGES_MAGIC, LABELS_MAGIC, DatasetError, parse_idx, read_bytes, sha256

FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
MIRRORS = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
)
VALIDATION_SIZE = 5000


def candidate_dirs(train_dir: str | None = None) -> list[str]:
    """Where MNIST is looked for, in order."""
    dirs = []
    if train_dir:
        dirs.append(train_dir)
    env = os.environ.get("GRAPHDL_DATA_DIR")
    if env:
        dirs.append(os.path.join(env, "mnist"))
    dirs.append(os.path.join(os.path.expanduser("~"), ".cache", "graphdl", "mnist"))
    return dirs


def _find(base: str, dirs: Sequence[str]) -> str | None:
    for d in dirs:
        for name in (base, base + ".gz"):
            p = os.path.join(d, name)
            if os.path.isfile(p):
                return p
    return None


def _download(base: str, dest_dir: str) -> str:
    os.makedirs(dest_dir, exist_ok=True)
    errors = []
    for mirror in MIRRORS:
        url = mirror + base + ".gz"
        try:
            with urllib.request.urlopen(url, timeout=60) as r:
                payload = r.read()
        except OSError as exc:
            errors.append(f"{url}: {exc}")
            continue
        path = os.path.join(dest_dir, base + ".gz")
        tmp = path + ".part"
        with open(tmp, "wb") as f:
            f.write(payload)
        try:
            _verified(tmp, base)
        except DatasetError as exc:
            os.remove(tmp)
            errors.append(f"{url}: {exc}")
            continue
        os.replace(tmp, path)
        return path
    raise DatasetError(f"could not download {base}: " + "; ".join(errors))


def _verified(path: str, base: str) -> bytes:
    data = read_bytes(path)
    digest = sha256(data)
    if base in SHA256 and digest != SHA256[base]:
        raise DatasetError(f"{path}: SHA-256 {digest} does not match the published {SHA256[base]} for {base}")
    return data


def load_file(base: str, train_dir: str | None = None, download: bool = True) -> np.ndarray:
    """The array in one of the four MNIST files, found (or downloaded) and checked."""
    dirs = candidate_dirs(train_dir)
    path = _find(base, dirs)
    if path is None:
        if not download:
            raise DatasetError(f"{base} not found in any of: {', '.join(dirs)}")
        path = _download(base, dirs[-1])
    data = _verified(path, base)
    magic = IMAGES_MAGIC if "images" in base else LABELS_MAGIC
    return parse_idx(data, magic, path)


class DataSet:
    """Images (float32 in [0, 1], flattened to 784, or [28, 28, 1] with reshape=False) and labels, with
    TF1's `next_batch`."""

    def __init__(
        self,
        images: np.ndarray,
        labels: np.ndarray,
        seed: int | None = None,
        reshape: bool = True,
        fake_data: bool = False,
        one_hot: bool = False,
    ) -> None:
        # TF1's fake_data: 10,000 examples, every image all ones, every label class 0 (for smoke tests)
        self._fake = (reshape, one_hot) if fake_data else None
        if fake_data:
            images, labels = np.zeros((10000, 0), np.float32), np.zeros((10000,), np.int64)
        if images.shape[0] != labels.shape[0]:
            raise DatasetError(f"{images.shape[0]} images but {labels.shape[0]} labels")
        if images.ndim == 3:  # TF1's reader: [n, rows * cols], or [n, rows, cols, 1] with reshape=False
            n, rows, cols = images.shape
            images = images.reshape(n, rows * cols) if reshape else images.reshape(n, rows, cols, 1)
        self._images = images
        self._labels = labels
        self._num_examples = images.shape[0]
        self._epochs_completed = 0
        self._index_in_epoch = 0
        self._rng = np.random.default_rng(seed)

    @property
    def images(self) -> np.ndarray:
        return self._images

    @property
    def labels(self) -> np.ndarray:
        return self._labels

    @property
    def num_examples(self) -> int:
        return self._num_examples

    @property
    def epochs_completed(self) -> int:
        return self._epochs_completed

    def next_batch(
        self, batch_size: int, fake_data: bool = False, shuffle: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """The next `batch_size` examples; reshuffles at each epoch, as TF1's reader does (TF1's
        signature: `fake_data` comes before `shuffle`)."""
        if fake_data or self._fake is not None:
            reshape, one_hot = self._fake if self._fake is not None else (True, self._labels.ndim == 2)
            image_shape = (784,) if reshape else (28, 28, 1)
            label = np.eye(10, dtype=np.float32)[0] if one_hot else np.int64(0)
            return np.ones((batch_size, *image_shape), np.float32), np.stack([label] * batch_size)
        start = self._index_in_epoch
        if self._epochs_completed == 0 and start == 0 and shuffle:
            self._shuffle()
        if start + batch_size > self._num_examples:
            self._epochs_completed += 1
            rest = self._num_examples - start
            images_rest = self._images[start:]
            labels_rest = self._labels[start:]
            if shuffle:
                self._shuffle()
            self._index_in_epoch = batch_size - rest
            end = self._index_in_epoch
            return (
                np.concatenate([images_rest, self._images[:end]], axis=0),
                np.concatenate([labels_rest, self._labels[:end]], axis=0),
            )
        self._index_in_epoch += batch_size
        return self._images[start : self._index_in_epoch], self._labels[start : self._index_in_epoch]

    def _shuffle(self) -> None:
        perm = self._rng.permutation(self._num_examples)
        self._images = self._images[perm]
        self._labels = self._labels[perm]


class Datasets(NamedTuple):
    train: DataSet
    validation: DataSet
    test: DataSet


@dataclass
class _Raw:
    images: np.ndarray
    labels: np.ndarray


def dense_to_one_hot(labels: np.ndarray, num_classes: int = 10) -> np.ndarray:
    out = np.zeros((labels.shape[0], num_classes), dtype=np.float32)
    out[np.arange(labels.shape[0]), labels.astype(np.int64)] = 1.0
    return out


def read_data_sets(
    train_dir: str | None = None,
    fake_data: bool = False,
    one_hot: bool = False,
    dtype: type = np.float32,
    reshape: bool = True,
    validation_size: int = VALIDATION_SIZE,
    seed: int | None = None,
    download: bool = True,
) -> Datasets:
    """TF1's `input_data.read_data_sets`: train (55,000), validation (5,000) and test (10,000).
    `fake_data=True` reads nothing and gives TF1's fake sets (images of ones, labels of class 0)."""
    if fake_data:
        fake = [
            DataSet(np.zeros(0), np.zeros(0), seed, reshape, fake_data=True, one_hot=one_hot)
            for _ in range(3)
        ]
        return Datasets(train=fake[0], validation=fake[1], test=fake[2])
    arrays = {k: load_file(v, train_dir, download) for k, v in FILES.items()}
    for split in ("train", "test"):
        n_img, n_lab = arrays[f"{split}_images"].shape[0], arrays[f"{split}_labels"].shape[0]
        if n_img != n_lab:
            raise DatasetError(f"MNIST {split}: {n_img} images but {n_lab} labels")

    def images(a: np.ndarray) -> np.ndarray:
        x = a.astype(np.float32) / 255.0 if np.dtype(dtype) == np.float32 else a
        return x

    def labels(a: np.ndarray) -> np.ndarray:
        return dense_to_one_hot(a) if one_hot else a.astype(np.int64)

    tr_i, tr_l = images(arrays["train_images"]), labels(arrays["train_labels"])
    if not 0 <= validation_size <= tr_i.shape[0]:
        raise DatasetError(f"validation_size must be between 0 and {tr_i.shape[0]}, got {validation_size}")
    return Datasets(
        train=DataSet(tr_i[validation_size:], tr_l[validation_size:], seed=seed, reshape=reshape),
        validation=DataSet(tr_i[:validation_size], tr_l[:validation_size], seed=seed, reshape=reshape),
        test=DataSet(
            images(arrays["test_images"]), labels(arrays["test_labels"]), seed=seed, reshape=reshape
        ),
    )


def load_data(
    train_dir: str | None = None,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Keras-style `((x_train, y_train), (x_test, y_test))` as uint8 images [N, 28, 28] and int labels."""
    a = {k: load_file(v, train_dir) for k, v in FILES.items()}
    return (a["train_images"], a["train_labels"]), (a["test_images"], a["test_labels"])
