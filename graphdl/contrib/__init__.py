"""The parts of TF1's `tf.contrib` that course programs lean on: `tf.contrib.layers` and `tf.contrib.rnn`."""

from graphdl import data
from graphdl.contrib import framework, layers, legacy_seq2seq, rnn, seq2seq

__all__ = ["data", "framework", "layers", "legacy_seq2seq", "rnn", "seq2seq"]
