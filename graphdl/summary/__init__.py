"""graphdl.summary: TF1's `tf.summary` (scalar, histogram, image, merge, merge_all, FileWriter,
FileWriterCache, and the Summary and SessionLog protocol buffers).

Summaries are computed on the host when fetched (see graphdl/ops/summary_ops.py) and written as
TensorBoard event files by `FileWriter` (graphdl/events/writer.py).
"""

from graphdl.events.session_log import SessionLog
from graphdl.events.summary_pb import Summary
from graphdl.events.writer import FileWriter, FileWriterCache
from graphdl.ops.summary_ops import histogram, image, merge, merge_all, scalar

__all__ = [
    "FileWriter",
    "FileWriterCache",
    "SessionLog",
    "Summary",
    "histogram",
    "image",
    "merge",
    "merge_all",
    "scalar",
]
