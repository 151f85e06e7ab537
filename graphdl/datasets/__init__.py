"""Datasets the course uses; MNIST is read from IDX files (see graphdl.datasets.mnist)."""

from graphdl.datasets import mnist

__all__ = ["mnist"]
