"""graphdl.summary: TF1's `tf.summary` (scalar, histogram, image, merge, merge_all, FileWriter).

Summaries are computed on the host when fetched (see graphdl/ops/summary_ops.py) and written as
TensorBoard event files by `FileWriter` (graphdl/events/writer.py).
"""

from graphdl.events.summary_pb import Summary
from graphdl.events.writer import FileWriter
from graphdl.ops.summary_ops import histogram, image, merge, merge_all, scalar

__all__ = ["FileWriter", "Summary", "histogram", "image", "merge", "merge_all", "scalar"]
