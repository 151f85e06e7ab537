"""TF1's `tf.test` helpers that graphdl provides: gradient checking."""

from graphdl.gradient_checker import compute_gradient, compute_gradient_error, jacobians

__all__ = ["compute_gradient", "compute_gradient_error", "jacobians"]
