"""TF1's `tf.python_io`: TFRecord files (graphdl/tfrecord.py)."""

from graphdl.tfrecord import TFRecordCompressionType, TFRecordOptions, TFRecordWriter, tf_record_iterator

__all__ = ["TFRecordCompressionType", "TFRecordOptions", "TFRecordWriter", "tf_record_iterator"]
