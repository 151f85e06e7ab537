"""TF1 `tf.layers`: dense, conv1d, conv2d, conv3d, pooling, flatten, dropout and batch normalization, as functions and classes."""

from graphdl.layers.base import Layer
from graphdl.layers.conv1d import *  # noqa: F403
from graphdl.layers.conv1d import __all__ as _conv1d_names
from graphdl.layers.conv3d import *  # noqa: F403
from graphdl.layers.conv3d import __all__ as _conv3d_names
from graphdl.layers.conv_transpose import *  # noqa: F403
from graphdl.layers.conv_transpose import __all__ as _transpose_names
from graphdl.layers.convolutional import Conv2D, conv2d
from graphdl.layers.core import Dense, Dropout, Flatten, dense, dropout, flatten
from graphdl.layers.normalization import BatchNormalization, batch_normalization
from graphdl.layers.pooling import AveragePooling2D, MaxPooling2D, average_pooling2d, max_pooling2d

__all__ = [
    "Layer",
    "Dense",
    "Conv2D",
    "MaxPooling2D",
    "AveragePooling2D",
    "Flatten",
    "Dropout",
    "BatchNormalization",
    "dense",
    "conv2d",
    "max_pooling2d",
    "average_pooling2d",
    "flatten",
    "dropout",
    "batch_normalization",
]
__all__ += _transpose_names + _conv1d_names + _conv3d_names
