"""TF1 initializers: callables `init(shape, dtype=None, partition_info=None) -> Tensor`.

`glorot_uniform_initializer` is the default of `get_variable` for floating variables. Fans follow
TF1: a vector has fan_in = fan_out = its length, a matrix [in, out], and a convolution kernel
(H, W, ..., in, out) multiplies both by its receptive field H * W * ....
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from graphdl.dtypes import DType, as_dtype, float32
from graphdl.errors import DTypeError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.shapes import as_shape
from graphdl.tensor import Tensor

__all__ = [
    "zeros_initializer",
    "ones_initializer",
    "constant_initializer",
    "random_normal_initializer",
    "truncated_normal_initializer",
    "random_uniform_initializer",
    "glorot_uniform_initializer",
    "glorot_normal_initializer",
    "variance_scaling_initializer",
    "uniform_unit_scaling_initializer",
    "orthogonal_initializer",
]


def _static_shape(shape: Any, what: str) -> list[int]:
    s = as_shape(shape)
    if not s.is_fully_defined():
        raise get_default_graph().located_error(
            ShapeError, what, f"an initializer needs a fully defined shape, got {s}"
        )
    return [int(d) for d in s.as_list()]  # type: ignore[arg-type]


class Initializer:
    """Base class: `__call__(shape, dtype=None, partition_info=None)` returns a Tensor."""

    dtype: DType = float32

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (TF1 `get_config`)."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Initializer:
        return cls(**config)

    def _dtype(self, dtype: Any) -> DType:
        return as_dtype(dtype) if dtype is not None else self.dtype

    def _float_dtype(self, dtype: Any) -> DType:
        dt = self._dtype(dtype)
        if not dt.is_floating:
            raise get_default_graph().located_error(
                DTypeError, type(self).__name__, f"expected a floating dtype, got {dt.name}"
            )
        return dt


def _filled(value: Any, shape: list[int], dtype: DType, name: str) -> Tensor:
    """A tensor of `shape` filled with a scalar: a Const when small, else a Fill (as TF1's zeros)."""
    from graphdl.ops import array
    from graphdl.ops.state import constant

    fill = getattr(array, "fill", None)
    if fill is not None and int(np.prod(shape)) >= 1000:
        return fill(shape, constant(value, dtype=dtype), name=name)  # type: ignore[no-any-return]
    return constant(value, dtype=dtype, shape=shape, name=name)


class Zeros(Initializer):
    """TF1 `tf.zeros_initializer()`: all zeros."""

    def __init__(self, dtype: Any = float32) -> None:
        self.dtype = as_dtype(dtype)

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        return _filled(0, _static_shape(shape, "zeros_initializer"), self._dtype(dtype), "zeros")

    def get_config(self) -> dict[str, Any]:
        return {"dtype": self.dtype.name}


class Ones(Initializer):
    """TF1 `tf.ones_initializer()`: all ones."""

    def __init__(self, dtype: Any = float32) -> None:
        self.dtype = as_dtype(dtype)

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        return _filled(1, _static_shape(shape, "ones_initializer"), self._dtype(dtype), "ones")

    def get_config(self) -> dict[str, Any]:
        return {"dtype": self.dtype.name}


class Constant(Initializer):
    """TF1 `tf.constant_initializer(value)`: a scalar fills the shape; a short list is padded with its last value."""

    def __init__(self, value: Any = 0, dtype: Any = float32, verify_shape: bool = False) -> None:
        if isinstance(value, Tensor):
            raise DTypeError("constant_initializer: value must be a Python or NumPy value, not a Tensor")
        self.value = value
        self.dtype = as_dtype(dtype)
        self.verify_shape = verify_shape

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        from graphdl.ops.state import constant

        dims = _static_shape(shape, "constant_initializer")
        dt = self._dtype(dtype)
        arr = np.asarray(self.value)
        if arr.size == 1:
            return _filled(arr.reshape(()).tolist(), dims, dt, "Const")
        if self.verify_shape and list(arr.shape) != dims:
            raise get_default_graph().located_error(
                ShapeError,
                "constant_initializer",
                f"value of shape {list(arr.shape)} does not match shape {dims}",
            )
        size = int(np.prod(dims))
        flat = arr.reshape(-1)
        if flat.size > size:
            raise get_default_graph().located_error(
                ShapeError, "constant_initializer", f"{flat.size} values do not fit shape {dims}"
            )
        if flat.size < size:  # TF1: the last value fills the rest
            flat = np.concatenate([flat, np.repeat(flat[-1:], size - flat.size)])
        return constant(flat, dtype=dt, shape=dims)

    def get_config(self) -> dict[str, Any]:
        return {"value": self.value, "dtype": self.dtype.name, "verify_shape": self.verify_shape}


class RandomNormal(Initializer):
    """TF1 `tf.random_normal_initializer(mean=0.0, stddev=1.0, seed=None)`."""

    def __init__(
        self, mean: float = 0.0, stddev: float = 1.0, seed: int | None = None, dtype: Any = float32
    ) -> None:
        self.mean, self.stddev, self.seed, self.dtype = mean, stddev, seed, as_dtype(dtype)

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        from graphdl.ops.random import random_normal

        dims = _static_shape(shape, "random_normal_initializer")
        return random_normal(dims, self.mean, self.stddev, self._float_dtype(dtype), seed=self.seed)

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed, "dtype": self.dtype.name}


class TruncatedNormal(Initializer):
    """TF1 `tf.truncated_normal_initializer(mean=0.0, stddev=1.0, seed=None)`."""

    def __init__(
        self, mean: float = 0.0, stddev: float = 1.0, seed: int | None = None, dtype: Any = float32
    ) -> None:
        self.mean, self.stddev, self.seed, self.dtype = mean, stddev, seed, as_dtype(dtype)

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        from graphdl.ops.random import truncated_normal

        dims = _static_shape(shape, "truncated_normal_initializer")
        return truncated_normal(dims, self.mean, self.stddev, self._float_dtype(dtype), seed=self.seed)

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed, "dtype": self.dtype.name}


class RandomUniform(Initializer):
    """TF1 `tf.random_uniform_initializer(minval=0, maxval=None, seed=None)`: maxval defaults to 1."""

    def __init__(
        self, minval: Any = 0, maxval: Any = None, seed: int | None = None, dtype: Any = float32
    ) -> None:
        self.minval, self.maxval, self.seed, self.dtype = minval, maxval, seed, as_dtype(dtype)

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        from graphdl.ops.random import random_uniform

        dims = _static_shape(shape, "random_uniform_initializer")
        return random_uniform(dims, self.minval, self.maxval, self._dtype(dtype), seed=self.seed)

    def get_config(self) -> dict[str, Any]:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed, "dtype": self.dtype.name}


def compute_fans(shape: list[int]) -> tuple[int, int]:
    """TF1's (fan_in, fan_out): scalars 1, vectors their length, kernels times the receptive field."""
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


_TRUNCATED_STDDEV_FACTOR = 0.87962566103423978  # stddev of a standard normal truncated at +-2


class VarianceScaling(Initializer):
    """TF1 `tf.variance_scaling_initializer(scale=1.0, mode='fan_in', distribution='truncated_normal')`.

    The variance is scale / n with n = fan_in, fan_out or their mean; 'normal' means truncated
    normal (as in TF1), 'untruncated_normal' a plain normal, 'uniform' uniform in +-sqrt(3 * variance).
    """

    def __init__(
        self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal",
        seed: int | None = None, dtype: Any = float32,
    ) -> None:  # fmt: skip
        if scale <= 0.0:
            raise ValueError(f"variance_scaling_initializer: scale must be positive, got {scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(
                f"variance_scaling_initializer: invalid mode {mode!r} (fan_in, fan_out, fan_avg)"
            )
        distribution = distribution.lower()
        if distribution not in ("normal", "uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError(
                f"variance_scaling_initializer: invalid distribution {distribution!r} "
                "(normal, uniform, truncated_normal, untruncated_normal)"
            )
        self.scale, self.mode, self.distribution = scale, mode, distribution
        self.seed, self.dtype = seed, as_dtype(dtype)

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        from graphdl.ops.random import random_normal, random_uniform, truncated_normal

        dims = _static_shape(shape, "variance_scaling_initializer")
        dt = self._float_dtype(dtype)
        fan_in, fan_out = compute_fans(dims)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution in ("normal", "truncated_normal"):
            stddev = math.sqrt(scale) / _TRUNCATED_STDDEV_FACTOR
            return truncated_normal(dims, 0.0, stddev, dt, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return random_normal(dims, 0.0, math.sqrt(scale), dt, seed=self.seed)
        limit = math.sqrt(3.0 * scale)
        return random_uniform(dims, -limit, limit, dt, seed=self.seed)

    def get_config(self) -> dict[str, Any]:
        return {
            "scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed,
            "dtype": self.dtype.name,
        }  # fmt: skip


class GlorotUniform(VarianceScaling):
    """TF1 `tf.glorot_uniform_initializer()`: uniform in +-sqrt(6 / (fan_in + fan_out))."""

    def __init__(self, seed: int | None = None, dtype: Any = float32) -> None:
        super().__init__(1.0, "fan_avg", "uniform", seed, dtype)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed, "dtype": self.dtype.name}


class GlorotNormal(VarianceScaling):
    """TF1 `tf.glorot_normal_initializer()`: truncated normal with stddev sqrt(2 / (fan_in + fan_out))."""

    def __init__(self, seed: int | None = None, dtype: Any = float32) -> None:
        super().__init__(1.0, "fan_avg", "truncated_normal", seed, dtype)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed, "dtype": self.dtype.name}


class UniformUnitScaling(Initializer):
    """TF1 `tf.uniform_unit_scaling_initializer(factor=1.0)` (deprecated in TF1): +-factor*sqrt(3/fan_in)."""

    def __init__(self, factor: float = 1.0, seed: int | None = None, dtype: Any = float32) -> None:
        self.factor, self.seed, self.dtype = factor, seed, as_dtype(dtype)

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        from graphdl.ops.random import random_uniform

        dims = _static_shape(shape, "uniform_unit_scaling_initializer")
        input_size = int(np.prod(dims[:-1])) if dims else 1
        limit = math.sqrt(3.0 / max(1.0, input_size)) * self.factor
        return random_uniform(dims, -limit, limit, self._float_dtype(dtype), seed=self.seed)

    def get_config(self) -> dict[str, Any]:
        return {"factor": self.factor, "seed": self.seed, "dtype": self.dtype.name}


class Orthogonal(Initializer):
    """TF1 `tf.orthogonal_initializer(gain=1.0, seed=None)`: the Q of a QR decomposition of a normal
    matrix, signs fixed by R's diagonal, reshaped from [prod(shape[:-1]), shape[-1]] and times gain."""

    def __init__(self, gain: float = 1.0, seed: int | None = None, dtype: Any = float32) -> None:
        self.gain, self.seed, self.dtype = gain, seed, as_dtype(dtype)

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        from graphdl.ops.array import reshape
        from graphdl.ops.decompositions import qr
        from graphdl.ops.linalg_extra import matrix_transpose
        from graphdl.ops.matrix_structure import matrix_diag_part
        from graphdl.ops.random import random_normal
        from graphdl.ops.unary import sign

        dims = _static_shape(shape, "orthogonal_initializer")
        if len(dims) < 2:
            raise get_default_graph().located_error(
                ShapeError,
                "orthogonal_initializer",
                f"the shape must have two dimensions or more, got {dims}",
            )
        rows, cols = int(np.prod(dims[:-1])), dims[-1]
        dt = self._float_dtype(dtype)
        a = random_normal([cols, rows] if rows < cols else [rows, cols], dtype=dt, seed=self.seed)
        q, r = qr(a, full_matrices=False)
        q = q * sign(matrix_diag_part(r))
        if rows < cols:
            q = matrix_transpose(q)
        return self.gain * reshape(q, dims)

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain, "seed": self.seed, "dtype": self.dtype.name}


def he_normal(seed: int | None = None) -> VarianceScaling:
    """TF1 `tf.initializers.he_normal()`: truncated normal, variance 2 / fan_in."""
    return VarianceScaling(2.0, "fan_in", "truncated_normal", seed)


def he_uniform(seed: int | None = None) -> VarianceScaling:
    """TF1 `tf.initializers.he_uniform()`: uniform, variance 2 / fan_in."""
    return VarianceScaling(2.0, "fan_in", "uniform", seed)


def lecun_normal(seed: int | None = None) -> VarianceScaling:
    """TF1 `tf.initializers.lecun_normal()`: truncated normal, variance 1 / fan_in."""
    return VarianceScaling(1.0, "fan_in", "truncated_normal", seed)


def lecun_uniform(seed: int | None = None) -> VarianceScaling:
    """TF1 `tf.initializers.lecun_uniform()`: uniform, variance 1 / fan_in."""
    return VarianceScaling(1.0, "fan_in", "uniform", seed)


# TF1 spellings: tf.zeros_initializer and tf.initializers.zeros name the same class.
zeros_initializer = zeros = Zeros
ones_initializer = ones = Ones
constant_initializer = constant = Constant
random_normal_initializer = random_normal = RandomNormal
truncated_normal_initializer = truncated_normal = TruncatedNormal
random_uniform_initializer = random_uniform = RandomUniform
variance_scaling_initializer = variance_scaling = VarianceScaling
glorot_uniform_initializer = glorot_uniform = GlorotUniform
glorot_normal_initializer = glorot_normal = GlorotNormal
uniform_unit_scaling_initializer = uniform_unit_scaling = UniformUnitScaling
orthogonal_initializer = orthogonal = Orthogonal
